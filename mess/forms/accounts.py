"""The password pages' forms (mess/views/accounts.py): Django's, with wrong old passwords and reset
requests counted like failed logins (mess/logins.py)."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model

from mess.logins import login_allowed, login_failed
from mess.text import folded, span_in_words


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, with each wrong old password counted as a failed login (mess/logins.py): once the
    user is locked out at their address, no old password is even checked."""

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        username = self.user.get_username()
        if not login_allowed(self.request, username=username):
            raise forms.ValidationError("Too many wrong passwords: wait a while before trying again.")
        try:
            return super().clean_old_password()
        except forms.ValidationError:
            login_failed(self.request, username=username)
            raise


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, for every active user with the address: students imported without a
    password (an unusable one, which Django's form skips) set their first password this way. The
    page says the same whether or not the address is known."""

    def get_users(self, email):
        User = get_user_model()
        field = User.get_email_field_name()
        wanted = folded(email)
        for user in User._default_manager.filter(**{f"{field}__iexact": email, "is_active": True}):
            if folded(getattr(user, field)) == wanted:  # as Django's own form compares them
                yield user

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        context["expires"] = span_in_words(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT))
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
