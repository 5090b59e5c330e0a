"""Signing in and what comes with it: the front page that sends each person to their page, and the
password pages, whose wrong passwords and reset requests count like failed logins (mess/logins.py)."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from mess.context_processors import request_access
from mess.forms.accounts import PasswordChangeForm
from mess.logins import login_allowed, login_failed, login_unlock
from mess.models import Mess
from mess.password_resets import password_reset_ask


@login_required
def home(request):
    """Sends each role to its page; an official of several messes gets the list of them."""
    access = request_access(request)
    if access.sees_overview:
        return redirect("mess:overview")
    if access.is_official and len(access.messes) == 1:
        return redirect("mess:dashboard", code=access.mess_codes[0])
    if access.is_official and access.messes:
        messes = Mess.objects.filter(pk__in=access.mess_ids).order_by("code")
        return render(request, "mess/accounts/messes.html", {"messes": messes})
    if access.is_student:
        return redirect("mess:feedback")
    return render(request, "mess/accounts/no_role.html")


class PasswordChange(auth_views.PasswordChangeView):
    """Django's, with each wrong old password counted as a failed login of the user from their address."""

    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordReset(auth_views.PasswordResetView):
    """Django's page and form, whose address goes to the cluster (mess.password_resets), which e-mails
    every active user with it: the page does the same for a known and an unknown address. Each request
    counts like a failed login of the address asked about, so that nobody floods an inbox or probes
    addresses from one place."""

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
