"""The password page's form (mess/views/accounts.py): Django's, with wrong old passwords counted like
failed logins (mess/logins.py). The reset page uses Django's form as it is (mess/password_resets.py)."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext

from mess.logins import login_allowed, login_failed


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, with each wrong old password counted as a failed login (mess/logins.py): once the
    user is locked out at their address, no old password is even checked."""

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        username = self.user.get_username()
        if not login_allowed(self.request, username=username):
            raise forms.ValidationError(gettext("Too many wrong passwords: wait a while before trying again."))
        try:
            return super().clean_old_password()
        except forms.ValidationError:
            login_failed(self.request, username=username)
            raise
