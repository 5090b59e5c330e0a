"""Signing in and what comes with it: the front page that sends each person to their page, and the
password pages, whose wrong passwords and reset requests count like failed logins (mess/logins.py)."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from mess.context_processors import request_access
from mess.forms import PasswordChangeForm, PasswordResetForm
from mess.logins import login_allowed, login_failed, login_unlock
from mess.password_resets import password_reset_ask


@login_required
def home(request):
    """Sends each role to its page."""
    access = request_access(request)
    if access.is_admin:
        return redirect("mess:overview")
    if access.is_official and access.mess_code:
        return redirect("mess:dashboard", code=access.mess_code)
    if access.is_student:
        return redirect("mess:feedback")
    return render(request, "mess/no_role.html")


class PasswordChange(auth_views.PasswordChangeView):
    """Django's, with each wrong old password counted as a failed login of the user from their address."""

    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordReset(auth_views.PasswordResetView):
    """Django's, for every active user with the address (see PasswordResetForm), with each request counted
    like a failed login of the address asked about, so that nobody floods an inbox or probes addresses
    from one place."""

    form_class = PasswordResetForm
    subject_template_name = "emails/password-reset-subject.txt"
    email_template_name = "emails/password-reset-body.txt"
    html_email_template_name = "emails/password-reset-body.html"

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if not login_allowed(self.request, username=email):
            return redirect(self.get_success_url())  # answered with the lockout page: no e-mail goes out
        login_failed(self.request, username=email)
        self.request.axes_locked_out = False  # this request was allowed: the next one is refused
        password_reset_ask(email=email)  # the cluster looks it up: known or not, the page does the same
        return redirect(self.get_success_url())


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's, which unlocks the account once its new password is set: the lockout page offers this
    way out."""

    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        login_unlock(username=form.user.get_username())
        return response
