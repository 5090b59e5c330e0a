"""Setting a new password by e-mail ("Forgot your password?"), as students imported without a password
also set their first one. The reset page only hands the address asked about to the cluster
(`password_reset_ask`), the same way whether or not anyone has it, so that its answer takes the same
time and tells nobody whether the address is known; the send_password_reset job looks the address up
and e-mails each of its users a link, each e-mail stored before it is sent (mess.emails), so that a
mail server that is down loses none: the next run sends it."""

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth import get_user_model

from mess.emails import Email, earlier_text, emails_check, emails_deliver, emails_store, emails_unsent
from mess.models import OutgoingEmail
from mess.people import password_link
from mess.text import folded, plural, span_in_words_lazy
from scheduling.soon import job_soon

EMAIL = "password-reset"  # the e-mail's template, and its OutgoingEmail kind
JOB = "send_password_reset"
RETRY_SECONDS = 10 * 60  # after a run some e-mail failed in, a run that sends it is handed over this much later


def password_reset_ask(*, email: str) -> None:
    """Hands the e-mailing of a link to set a new password to every active user whose address is
    `email` to the cluster (the send_password_reset job), to run at once. It looks nobody up: the
    request writes the same (a one-off schedule, see scheduling.soon.job_soon) whether or not the
    address is known. Asked again for the same address before the cluster took the first, it runs
    once. If no cluster runs, the request waits in the database until one does."""
    job_soon(JOB, kwargs={"email": folded(email.strip())}, within_seconds=0)


def password_reset_users(*, email: str) -> Iterator:
    """The active users whose address is `email`, compared without case or compatibility forms, as
    Django's reset form compares them; those without a usable password too (students imported
    without one set their first password this way)."""
    User = get_user_model()
    field = User.get_email_field_name()
    wanted = folded(email)
    for user in User._default_manager.filter(**{f"{field}__iexact": email, "is_active": True}).order_by("pk"):
        if folded(getattr(user, field)) == wanted:
            yield user


def password_reset_send(*, email: str | None = None) -> str:
    """E-mails each active user whose address is `email` (see password_reset_users) a link to set a
    new password, which works for PASSWORD_RESET_TIMEOUT, once, and until the password changes
    (mess.people.password_link). First sends, as they were stored, the reset e-mails earlier runs did
    not get out; without `email`, does only that. Each e-mail is stored before it is sent; one that
    fails stays stored, with its error, and the run hands over a run without `email` RETRY_SECONDS
    later (a run of its own, so that no reset e-mail waits for someone else's request), then raises
    EmailsFailed at its end (see mess.emails). An e-mail the mail server refuses for good is given up
    after a few tries, and asks for no more runs."""
    earlier = emails_deliver(emails=emails_unsent(kind=EMAIL), mark_sent=_nothing_to_mark)
    outgoing = []
    if email is not None:
        field = get_user_model().get_email_field_name()
        expires = span_in_words_lazy(datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT))
        outgoing = [
            (Email(EMAIL, {"user": user, "link": password_link(user=user), "expires": expires}, [getattr(user, field)]), user)
            for user in password_reset_users(email=email)
        ]
    stored = emails_store(emails=outgoing, link=lambda stored: None)
    delivery = emails_deliver(emails=stored, mark_sent=_nothing_to_mark)
    if any(e.given_up_at is None for e in [*earlier.failed, *delivery.failed]):
        job_soon(JOB, within_seconds=RETRY_SECONDS)
    emails_check(earlier, delivery)
    if email is None:
        return f"{earlier_text(earlier)}no address asked about"
    if not outgoing:
        return f"{earlier_text(earlier)}no active user has the address asked about"
    return f"{earlier_text(earlier)}{plural(len(delivery.sent), 'link')} to set a password e-mailed"


def _nothing_to_mark(email: OutgoingEmail, sent_at: datetime.datetime) -> None:
    """A reset e-mail tells of nothing stored but itself."""
