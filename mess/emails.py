"""ManageIt's e-mails: rendered from template triples (`emails/<name>-subject.txt`, `-body.txt`,
`-body.html`), and, for the jobs' e-mails (notifications, daily reports), the rule that never loses
one and sends at most a folded duplicate: each e-mail is stored (an OutgoingEmail) with the items it
tells of linked to it before it is sent, sent as stored, and marked sent, with its items, once the
mail server has accepted it. Whatever did not go out (a refusal, a timeout, a killed worker) is sent
by a later run of the same job.

Each e-mail goes in its recipients' language: the one each picked (their profile's), else
settings.LANGUAGE_CODE; an e-mail whose recipients picked different languages is stored and sent as
one e-mail for each language, each to those who read it (`languages_split`)."""

import datetime
import logging
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection, make_msgid
from django.db import transaction
from django.db.models import Case, F, Q, QuerySet, TextField, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from mess.channels import REFUSALS_GIVEN_UP
from mess.messages import messages_store
from mess.models import OutgoingEmail
from mess.text import plural

Item = TypeVar("Item")

logger = logging.getLogger(__name__)

MAX_ERROR = 1000  # characters of an e-mail's last error kept
# A claimed e-mail is this run's for this many EMAIL_TIMEOUTs and a minute: opening the connection
# and sending may each take up to one.
CLAIM_SECONDS_PER_TIMEOUT = 3


@dataclass(frozen=True)
class Email:
    template: str
    context: dict
    to: list[str]


SUBJECT_MOST = 100  # characters: what a phone's inbox shows of a subject, and more; the body says the rest


def subject_line(text: str, most: int = SUBJECT_MOST) -> str:
    """`text` on one line, cut after its last whole word that fits `most` characters, with "…"."""
    line = " ".join(text.split())
    if len(line) <= most:
        return line
    cut = line[: most - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


def email_render(*, template: str, context: dict, language: str = "") -> tuple[str, str, str]:
    """The subject (on one line, at most SUBJECT_MOST characters), text and HTML of
    `emails/<template>-subject.txt`, `-body.txt` and `-body.html`, in `language` (else
    settings.LANGUAGE_CODE)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = subject_line(render_to_string(f"emails/{template}-subject.txt", context))
        text = render_to_string(f"emails/{template}-body.txt", context)
        html = render_to_string(f"emails/{template}-body.html", context)
    return subject, text, html


def languages_split(addresses: Sequence[str]) -> list[tuple[str, list[str]]]:
    """`addresses` grouped by the language their people picked (settings.LANGUAGE_CODE for those who
    picked none, or whom ManageIt does not know): (language, addresses) in the order of each
    language's first address, the addresses in their order. One query (none without addresses)."""
    if not addresses:
        return []
    picked = dict(
        get_user_model()
        .objects.filter(email__in=addresses)
        .exclude(profile__language="")
        .exclude(profile__language__isnull=True)
        .values_list("email", "profile__language")
    )
    groups: dict[str, list[str]] = {}
    for address in addresses:
        groups.setdefault(picked.get(address) or settings.LANGUAGE_CODE, []).append(address)
    return list(groups.items())


def email_send(*, template: str, context: dict, to: list[str], connection=None) -> None:
    """Renders `emails/<template>-subject.txt`, `-body.txt` and `-body.html` and sends them to `to`,
    one message for each language its recipients picked. Raises if the mail server refuses one."""
    for language, addresses in languages_split(to) or [("", to)]:
        subject, text, html = email_render(template=template, context=context, language=language)
        message = EmailMultiAlternatives(subject, text, to=addresses, connection=connection)
        message.attach_alternative(html, "text/html")
        message.send()


def emails_store(
    *, emails: Sequence[tuple[Email, Item]], link: Callable[[list[tuple[OutgoingEmail, Item]]], None], also_as: str = ""
) -> list[OutgoingEmail]:
    """Renders each e-mail and stores it, unsent, under a Message-ID of its own, and calls `link`
    with each stored e-mail and the item it tells of (a report, a notification's entries) in the
    same transaction: an item is never in an e-mail that is not stored, nor left out of the e-mail
    stored for it. `link` is called even with no e-mails, so that a job may store its rows in the
    same write. An e-mail whose recipients picked different languages is stored once for each
    language (`languages_split`); `link` gets the first of them with the item, the others go out
    with it and are sent by later runs like any stored e-mail. With `also_as` (a MessageKind), each
    e-mail is also stored as a message of that kind for its recipients who chose it on a channel
    (mess/messages.py), in the same transaction: its subject, the start of its text, and its link.
    Returns the stored e-mails, in order. Three queries besides `link`'s (and the messages', with
    `also_as`)."""
    stored, linked = [], []
    split = dict(languages_split([address for email, _ in emails for address in email.to]))
    language_of = {address: language for language, addresses in split.items() for address in addresses}
    for email, _ in emails:
        groups: dict[str, list[str]] = {}
        for address in email.to:
            groups.setdefault(language_of.get(address, ""), []).append(address)
        for index, (language, addresses) in enumerate(groups.items() or [("", email.to)]):
            subject, text, html = email_render(template=email.template, context=email.context, language=language)
            stored.append(
                OutgoingEmail(
                    kind=email.template,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=addresses,
                    subject=subject,
                    text_body=text,
                    html_body=html,
                    message_id=make_msgid(),
                )
            )
            if index == 0:
                linked.append(stored[-1])
    with transaction.atomic():
        OutgoingEmail.objects.bulk_create(stored)
        if stored:
            # MySQL does not return the new rows' ids from a bulk insert: read them back by Message-ID.
            ids = dict(OutgoingEmail.objects.filter(message_id__in=[e.message_id for e in stored]).values_list("message_id", "id"))
            for email in stored:
                email.pk = ids[email.message_id]
        link([(email, item) for email, (_, item) in zip(linked, emails, strict=True)])
        if also_as:
            _messages_store(stored=stored, contexts=[email.context for email, _ in emails], linked=linked, kind=also_as)
    return stored


GIST_MOST = 300  # characters of an e-mail's text in the message that tells of it on a phone


def _messages_store(*, stored: list[OutgoingEmail], contexts: list[dict], linked: list[OutgoingEmail], kind: str) -> None:
    """Each stored e-mail as a message of `kind` for its recipients who chose it on a channel, in
    their e-mail's language: its subject, the start of its text, and the page it links to (its
    `link`, else its mess's dashboard). The copies of one e-mail in other languages share the
    first's context."""
    context_of, context = {}, {}
    for email in stored:
        if email in linked:
            context = contexts[linked.index(email)]
        context_of[email.pk] = context
    for email in stored:
        context = context_of[email.pk]
        url = context.get("link") or (reverse("mess:dashboard", kwargs={"code": context["mess"].code}) if "mess" in context else "")
        users = get_user_model().objects.filter(email__in=email.to).values_list("pk", flat=True)
        messages_store(
            kind=kind, key=f"email:{email.pk}", users=users, title=email.subject, body=subject_line(email.text_body, GIST_MOST), url=url
        )


def emails_rerender(*, emails: Sequence[tuple[OutgoingEmail, dict]]) -> int:
    """Renders stored e-mails that are not sent yet again, each from its new context (what they tell
    of changed before they went out), keeping everything else: Message-ID, date, sender and
    recipients. An e-mail sent or given up meanwhile is left as it was stored: it is what went out.
    Each in its recipients' language (all of one, as `emails_store` stored it). Returns how many it
    re-rendered. Two queries (none without e-mails)."""
    if not emails:
        return 0
    split = dict(languages_split([address for email, _ in emails for address in email.to]))
    language_of = {address: language for language, addresses in split.items() for address in addresses}
    rendered = {
        email.pk: email_render(template=email.kind, context=context, language=language_of.get(email.to[0], "") if email.to else "")
        for email, context in emails
    }

    def each(index: int, name: str) -> Case:
        whens = [When(pk=pk, then=Value(parts[index])) for pk, parts in rendered.items()]
        return Case(*whens, default=F(name), output_field=TextField())

    return OutgoingEmail.objects.filter(pk__in=rendered, sent_at__isnull=True, given_up_at__isnull=True).update(
        subject=each(0, "subject"), text_body=each(1, "text_body"), html_body=each(2, "html_body")
    )


def emails_give_up(*, emails: QuerySet[OutgoingEmail]) -> int:
    """Stops trying those of `emails` not sent yet (an admin's decision: an address that will never
    answer, say): they stay listed, given up now, with their last error; what they tell of is not
    put in another e-mail. Returns how many it gave up."""
    return emails.filter(sent_at__isnull=True, given_up_at__isnull=True).update(given_up_at=timezone.now())


def emails_unsent(*, kind: str) -> list[OutgoingEmail]:
    """The stored e-mails of `kind` not sent yet, nor given up, oldest first. One query."""
    return list(OutgoingEmail.objects.filter(sent_at__isnull=True, given_up_at__isnull=True, kind=kind).order_by("created_at", "id"))


@dataclass
class Delivery:
    """What `emails_deliver` did: the e-mails the mail server accepted, and those it did not."""

    sent: list[OutgoingEmail] = field(default_factory=list)
    failed: list[OutgoingEmail] = field(default_factory=list)


class EmailsFailed(Exception):
    """Some e-mails of a run were not sent; they stay stored, and the next run of the job sends them."""

    def __init__(self, failed: list[OutgoingEmail]):
        errors = "; ".join(sorted({e.last_error for e in failed}))
        super().__init__(f"{plural(len(failed), 'e-mail')} not sent, left for the next run: {errors}")
        self.failed = failed


def _answered(error: Exception) -> bool:
    """Whether the mail server answered with an error (it refused a recipient, or the message),
    which fails that message alone; any other failure, or a 421 (the server is closing the
    connection), may have cost the connection."""
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code != 421
    return isinstance(error, smtplib.SMTPRecipientsRefused)


def _refused_for_good(error: Exception) -> bool:
    """The server said no, and would say it again: a 5xx answer to the message or to every recipient."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _connection_drop(connection) -> None:
    """Forgets a connection whose server may no longer answer, without saying goodbye (QUIT would
    wait for an answer all over again)."""
    smtp = getattr(connection, "connection", None)
    if smtp is not None:
        smtp.close()
        connection.connection = None


def emails_deliver(*, emails: Sequence[OutgoingEmail], mark_sent: Callable[[OutgoingEmail, datetime.datetime], None]) -> Delivery:
    """Sends stored e-mails in order over one connection, each exactly as stored. Each is claimed
    first (`_claim`): one another run is sending (a run of the same job for another meal) is left to
    it, neither sent twice nor failed; a claim a killed worker left runs out (`_claim_length`) before
    its task is retried, and the retry, or a later run, sends the e-mail. Each counts an
    attempt before it goes out, and is marked sent, its items with it (`mark_sent`, in the same
    transaction), as soon as the mail server has accepted it: a process that dies between the two,
    or a server that takes the message and then does not answer within EMAIL_TIMEOUT, leaves it
    unsent, and the next run sends the same message again, which mail programs show once. An e-mail
    that fails keeps its error (`last_error`) and stays unsent, and the others are still tried, over
    a new connection if the server may have dropped the old one; when no connection can be opened
    (the server is down, or does not answer within EMAIL_TIMEOUT), the rest wait for the next run.
    Raises only what is not the mail server's (a database error); the job raises EmailsFailed at
    its end (see `emails_check`). Opens no connection when there is nothing to send."""
    delivery = Delivery()
    if not emails:
        return delivery
    connection = get_connection()
    try:
        for index, email in enumerate(emails):
            if not _claim(email):
                continue  # another run is sending it (a run of the same job for another meal, say)
            try:
                connection.open()
            except Exception as error:
                # The server cannot be reached: the rest wait for the next run.
                _connection_drop(connection)
                rest = emails[index:]
                _emails_failed(rest, error)
                delivery.failed += rest
                break
            OutgoingEmail.objects.filter(pk=email.pk).update(attempts=F("attempts") + 1)
            email.attempts += 1
            try:
                connection.send_messages([email.message()])
            except Exception as error:
                if not _answered(error):
                    _connection_drop(connection)
                _emails_failed([email], error)
                if _refused_for_good(error) and email.attempts >= REFUSALS_GIVEN_UP:
                    email.given_up_at = timezone.now()
                    OutgoingEmail.objects.filter(pk=email.pk).update(given_up_at=email.given_up_at)
                delivery.failed.append(email)  # the run that gives it up still fails, so that the admins hear once
                continue
            email.sent_at = timezone.now()
            with transaction.atomic():
                OutgoingEmail.objects.filter(pk=email.pk).update(sent_at=email.sent_at, last_error="")
                mark_sent(email, email.sent_at)
            delivery.sent.append(email)
    finally:
        try:
            connection.close()
        except Exception:  # a server that took every message and then fails to say goodbye lost nothing
            logger.warning("the mail server did not close the connection cleanly", exc_info=True)
            _connection_drop(connection)
    return delivery


def _claim(email: OutgoingEmail) -> bool:
    """Claims `email` for this run with one conditional UPDATE, so that of two runs about to send it
    (runs of one job for other meals each send what earlier runs left) exactly one does; a claim
    lasts long enough for one send, so that one a killed worker left lets the next run send it.
    False when another run has it, or it was sent or given up meanwhile."""
    now = timezone.now()
    unclaimed = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    until = now + _claim_length()
    return bool(
        OutgoingEmail.objects.filter(unclaimed, pk=email.pk, sent_at__isnull=True, given_up_at__isnull=True).update(claimed_until=until)
    )


def _claim_length() -> datetime.timedelta:
    """How long a claim holds: long enough to send (CLAIM_SECONDS_PER_TIMEOUT × EMAIL_TIMEOUT and a
    minute), and run out before the cluster hands a killed worker's task out again (halfway between
    its timeout and its retry, as a job's lease does), so that the retry sends what the dead run held."""
    q = settings.Q_CLUSTER
    retried = q["timeout"] + (q["retry"] - q["timeout"]) / 2
    return datetime.timedelta(seconds=min(CLAIM_SECONDS_PER_TIMEOUT * settings.EMAIL_TIMEOUT + 60, retried))


def _emails_failed(emails: Sequence[OutgoingEmail], error: Exception) -> None:
    last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR]
    for email in emails:
        email.last_error = last_error
    # unclaimed: the next run may try them at once
    OutgoingEmail.objects.filter(pk__in=[e.pk for e in emails]).update(last_error=last_error, claimed_until=None)


def emails_check(*deliveries: Delivery) -> None:
    """Raises EmailsFailed if any e-mail of these deliveries was not sent, so that the run that
    made them is recorded as failed (the e-mails themselves wait for the next run)."""
    failed = [email for delivery in deliveries for email in delivery.failed]
    if failed:
        raise EmailsFailed(failed)


def earlier_text(delivery: Delivery) -> str:
    """The start of a job's summary: the e-mails of earlier runs it sent, if any."""
    return f"{plural(len(delivery.sent), 'e-mail')} of an earlier run sent; " if delivery.sent else ""
