"""Who may try to log in: django-axes locks a username at one address out after AXES_FAILURE_LIMIT
failures (5), and this module adds what axes does not: a limit per address across usernames
(AXES_ADDRESS_FAILURE_LIMIT, 100, high enough that a hostel behind one NAT address does not trip it),
the client's address taken from the proxies' header only when TRUSTED_PROXIES says how many there are,
and the wrong old passwords of the password-change form and the requests of the reset form counted
like failed logins. Every lockout lasts AXES_COOLOFF_MINUTES (15) after the last failure."""

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum
from django.utils import timezone

from mess.text import folded


def client_address(request) -> str | None:
    """The address a request came from (AXES_CLIENT_IP_CALLABLE). With TRUSTED_PROXIES = N, each of
    the N proxies in front of ManageIt appended the address it was reached from to X-Forwarded-For,
    so the client's is the N-th from the right; anything left of it the client may have written.
    Without trusted proxies the header is ignored, since anyone can send it. An IPv6 address counts
    as its /64, which one machine may fill with addresses of its own."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    address = forwarded[-proxies] if proxies and len(forwarded) >= proxies else request.META.get("REMOTE_ADDR")
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address
    if parsed.version == 6 and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return address


def login_username(request, credentials: dict | None) -> str | None:
    """The username a login attempt counts under (AXES_USERNAME_CALLABLE): as typed, folded, so that
    'ADA' and 'Ada' share the count of 'ada' (MySQL compares usernames without case)."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return folded(username) if username else username


class LoginThrottle(AxesDatabaseHandler):
    """django-axes' handler, with the per-address limit across usernames on top of its own."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        request.axes_address_locked = self.address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT
        return request.axes_address_locked

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not request.axes_locked_out and self.address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            request.axes_locked_out = request.axes_address_locked = True
            request.axes_credentials = credentials

    def address_failures(self, request) -> int:
        """The failures from the request's address in the attempts axes keeps (those of the last
        AXES_COOLOFF_TIME): an account that logged in since no longer counts."""
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address, attempt_time__gte=since)
        return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def login_allowed(request, *, username: str) -> bool:
    """Whether `username` may try a password from the request's address now. False marks the request
    as locked out, so that the login throttle answers it with the lockout page."""
    if AxesProxyHandler.is_allowed(request, {"username": username}):
        return True
    request.axes_locked_out = True
    return False


def login_unlock(*, username: str) -> None:
    """Forgets the failed logins of `username` from every address: its owner has just proved they
    read its mailbox, by setting a new password through a link sent there."""
    AxesProxyHandler.reset_attempts(username=folded(username))


def login_failed(request, *, username: str) -> None:
    """Counts a wrong password given outside the login page (the password-change form) or a request
    of the reset form, as a failed login of `username` from the request's address."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
