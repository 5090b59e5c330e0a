"""The language switch in the header and on the login page: a person picks the language ManageIt
speaks to them in (mess/languages.py). Anyone's browser keeps it in Django's language cookie; a
signed-in person's profile keeps it too, so that it follows them to any browser and their e-mails."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from mess.forms.languages import LanguageForm
from mess.people import profile_language_set


@require_POST
def language(request):
    """Saves the picked language and goes back to the page it was picked on (on this site only, else
    the front page). A language ManageIt does not speak changes nothing and says so."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    response = redirect(back)
    form = LanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Language: choose one of the languages listed."))
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        profile_language_set(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
