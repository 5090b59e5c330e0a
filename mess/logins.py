"""Who may try a password, and how often: django-axes' lockout of an account at one address, and on top
of it a budget of failures per address, built so that a password spray from one address is slow and
cannot lock a hostel out, since behind a proxy (TRUSTED_PROXIES) a whole hostel may share one address.

The rules:
- An account is locked at an address after AXES_FAILURE_LIMIT (5) wrong passwords for it from there,
  for AXES_COOLOFF_MINUTES (15) after the last (django-axes). A lockout ends sooner when the owner
  sets a new password through the link e-mailed to them (`login_unlock`).
- An address has a budget of failures, across usernames: AXES_ADDRESS_FAILURE_LIMIT (100) at once,
  refilled at AXES_ADDRESS_FAILURES_PER_HOUR (200), one every 18 s (a token bucket, kept as the
  moment its failures will have been paid back: LoginAddress). Each password checked takes one
  before it is checked, and a right one gives it back; once the budget is spent, every further
  attempt from the address is refused at once, its password unchecked, with 429 and Retry-After
  saying when the next one may be tried (18 s at most). Nothing is held: a refusal takes a few
  queries, never a worker's time.
- An attempt refused because an account or an address is locked counts nowhere: it neither extends a
  lockout nor spends the budget (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False).
- A browser that has signed in to an account carries a signed cookie naming it (`DEVICE_COOKIE`,
  for DEVICE_DAYS). Its attempts at that account skip the address's budget (not the account's
  lockout): the people of a hostel whose address is being sprayed still sign in at once, each on the
  browser they used before. So does a person already signed in, on the password page.
- The wrong old passwords of the password page and the requests of the reset page count like wrong
  passwords (`login_failed`), so that nobody floods an inbox or probes addresses from one place.

What an attacker at one address can do, then: check at most 100 + 200 = 300 passwords in any hour,
and 200 an hour after that (4,800 a day), spread over any usernames, each refused attempt beyond that
costing them nothing but costing ManageIt nothing either; lock a given account at that address for
15 minutes with 5 of those (its owner can end it through the reset link); keep the address's budget
spent, so that people who have never signed in on their browser wait, competing with the spray for
one try every 18 s. What they cannot do: try more, make a refused attempt count, or keep anyone who
has signed in on their browser before from signing in at once. A cookie names one account and is
signed with SECRET_KEY: it opens no other account's way past the budget, and an attacker who has one
for their own account gains only tries at their own password."""

import datetime
import ipaddress
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

from mess.models import LoginAddress
from mess.text import folded

DEVICE_COOKIE = "signed_in_here"
DEVICE_DAYS = 365  # how long a browser stays trusted for the accounts it signed in to
DEVICE_ACCOUNTS = 10  # the accounts a browser is trusted for, the latest (a common-room computer)
_DEVICE_SALT = "mess.logins.device"
_TRIES = 5  # conditional writes of an address's budget before giving up under contention


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


# An address's budget of failures ---------------------------------------------------------------


def _failure_interval() -> datetime.timedelta:
    """The time one failure takes to be paid back."""
    return datetime.timedelta(hours=1) / settings.AXES_ADDRESS_FAILURES_PER_HOUR


def address_reserve(*, address: str, now: datetime.datetime) -> int:
    """Takes one failure from the budget of `address`, for a password about to be checked. Returns 0
    when it took one, or else the seconds until one is there (1 to 18 by default) and takes none.
    Of attempts at once, each takes its own or is refused: the budget never goes below nothing."""
    interval = _failure_interval()
    most = settings.AXES_ADDRESS_FAILURE_LIMIT * interval  # what an address may owe
    for _ in range(_TRIES):
        owed_until = LoginAddress.objects.filter(address=address).values_list("owed_until", flat=True).first()
        if owed_until is None:
            try:
                with transaction.atomic():
                    LoginAddress.objects.create(address=address, owed_until=now + interval)
                return 0
            except IntegrityError:  # another attempt from the address created it first
                continue
        owed = max(owed_until, now) + interval - now
        if owed > most:
            return math.ceil((owed - most).total_seconds())
        if LoginAddress.objects.filter(address=address, owed_until=owed_until).update(owed_until=now + owed):
            return 0
    return 1  # so many attempts at once from one address: this one waits a second


def address_repay(*, address: str, failures: int, now: datetime.datetime) -> None:
    """Gives `failures` back to the budget of `address`: the one taken for a right password, and the
    failures of the account that just signed in, which were its owner's typos (nobody gains tries by
    them: they were tries at that account only). An address owing nothing more is forgotten."""
    back = failures * _failure_interval()
    for _ in range(_TRIES):
        owed_until = LoginAddress.objects.filter(address=address).values_list("owed_until", flat=True).first()
        if owed_until is None:
            return
        rows = LoginAddress.objects.filter(address=address, owed_until=owed_until)
        repaid = owed_until - back
        if (rows.delete()[0] if repaid <= now else rows.update(owed_until=repaid)) == 1:
            return


# Browsers that signed in ----------------------------------------------------------------------


def _device_accounts(request) -> list[str]:
    """The (folded) usernames the request's browser has signed in to, by its signed cookie."""
    try:
        accounts = signing.loads(request.COOKIES.get(DEVICE_COOKIE, ""), salt=_DEVICE_SALT, max_age=datetime.timedelta(days=DEVICE_DAYS))
    except signing.BadSignature:  # no cookie, a forged or an expired one
        return []
    return accounts if isinstance(accounts, list) else []


def _trusted(request, username: str | None) -> bool:
    """Whether the request's browser has proved it knew the password of `username`: it signed in to
    it before, or is signed in to it now."""
    if not username:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and folded(user.get_username()) == username:
        return True
    return username in _device_accounts(request)


class DeviceCookieMiddleware:
    """Gives a browser that has just signed in the cookie naming its account, besides those it
    named already (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        username = getattr(request, "signed_in_as", None)
        if username:
            accounts = [username, *(a for a in _device_accounts(request) if a != username)][:DEVICE_ACCOUNTS]
            response.set_cookie(
                DEVICE_COOKIE,
                signing.dumps(accounts, salt=_DEVICE_SALT),
                max_age=DEVICE_DAYS * 24 * 3600,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


# django-axes' handler --------------------------------------------------------------------------


class LoginThrottle(AxesDatabaseHandler):
    """django-axes' handler (an account's lockout at an address), with each address's budget of
    failures on top (see the module's docstring)."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if _trusted(request, get_client_username(request, credentials)):
            return False
        retry_after = address_reserve(address=request.axes_ip_address or "-", now=timezone.now())
        request.axes_address_reserved = not retry_after
        if retry_after:
            request.axes_address_locked, request.axes_retry_after = True, retry_after
        return bool(retry_after)

    def user_logged_in(self, sender, request, user, **kwargs):
        username = folded(user.get_username())
        # The account's own failures from here, read before axes forgets them (AXES_RESET_ON_SUCCESS).
        typos = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).aggregate(n=Sum("failures_since_start"))
        super().user_logged_in(sender, request, user, **kwargs)
        repaid = (typos["n"] or 0) + int(getattr(request, "axes_address_reserved", False))
        if repaid:
            address_repay(address=request.axes_ip_address or "-", failures=repaid, now=timezone.now())
        request.signed_in_as = username


def lockout_response(request, original_response=None, credentials=None):
    """The answer to an attempt refused (AXES_LOCKOUT_CALLABLE): the lockout page, 429 Too Many
    Requests, with Retry-After: the seconds until the address may try again, or until the account's
    lockout ends."""
    username = get_client_username(request, credentials) or ""
    retry_after = getattr(request, "axes_retry_after", None) or _account_retry_after(request, username)
    context = {
        "username": username,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_timedelta": settings.AXES_COOLOFF_TIME,
        "retry_after": retry_after,
    }
    response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _account_retry_after(request, username: str) -> int:
    """The seconds until the lockout of `username` at the request's address ends."""
    last = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).aggregate(last=Max("attempt_time"))["last"]
    ends = (last or timezone.now()) + settings.AXES_COOLOFF_TIME
    return max(1, math.ceil((ends - timezone.now()).total_seconds()))


# The password pages ---------------------------------------------------------------------------


def login_allowed(request, *, username: str) -> bool:
    """Whether `username` may try a password from the request's address now (and, unless its browser
    is trusted, the address's budget has one for it, which it takes). False marks the request as
    locked out, so that the login throttle answers it with the lockout page."""
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
