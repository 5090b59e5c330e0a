"""The language ManageIt speaks to a person: the one they picked (Profile.language, saved by the
switch in the header, mess/views/languages.py), else what LocaleMiddleware chose before this
middleware ran (the language cookie, else the browser's Accept-Language, else English)."""

from django.utils import translation

from mess.context_processors import request_access


class ProfileLanguageMiddleware:
    """After AuthenticationMiddleware: a signed-in person's picked language wins. It is read with their
    access (mess.people.user_access), which every page's navigation reads anyway: no query of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            language = request_access(request).language
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
