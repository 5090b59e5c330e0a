"""The e-mail settings page: each official and admin chooses which of ManageIt's e-mails they get
(mess/email_choices.py)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from mess.context_processors import request_access
from mess.email_choices import email_choices, email_choices_save
from mess.forms.email_choices import EmailChoicesForm
from mess.views.access import staff_page


@staff_page
def email_settings(request):
    access = request_access(request)
    is_admin = access.is_admin
    # A group admin hears what admins hear, of their groups' messes; as an official too, what officials hear.
    kinds = {"is_admin": is_admin, "group_admin": access.is_group_admin and not access.is_official}
    if request.method == "POST":
        form = EmailChoicesForm(request.POST, **kinds)
        if form.is_valid():
            email_choices_save(user=request.user, choices=form.cleaned_data)
            messages.success(request, gettext("Your e-mail choices are saved."))
            return redirect("mess:settings")
    else:
        form = EmailChoicesForm(initial=email_choices(user=request.user), **kinds)
    return render(request, "mess/email_choices/email_choices.html", {"form": form, "is_admin": is_admin})
