"""What every page's template knows: the signed-in user's `access` (their role and mess), read at most
once per request and only when a page uses it, so that the navigation is the same on every page,
the error pages and the login lockout included."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from mess.people import Access, user_access


def request_access(request) -> Access:
    """The access of the request's user, read once per request."""
    if not hasattr(request, "access"):
        request.access = user_access(user=request.user)
    return request.access


def access(request) -> dict:
    return {"access": SimpleLazyObject(lambda: request_access(request))}


def telegram(request) -> dict:
    """Whether the mess has a Telegram bot: the header links the Telegram page only then."""
    return {"telegram_on": bool(settings.TELEGRAM_BOT_TOKEN)}
