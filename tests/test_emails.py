"""The jobs' e-mails, never lost and sent twice only as the same message: stored with their items
linked before they are sent, marked sent once the mail server accepted them, and sent as stored by
a later run when they did not go out; through real SMTP servers on 127.0.0.1 and, for a process
killed while sending, a real process."""

import datetime
import email
import email.utils
import os
import signal
import smtplib
import subprocess
import sys
import time
from email.message import Message

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from mess.emails import SUBJECT_MOST, Email, EmailsFailed, emails_check, emails_deliver, emails_store, emails_unsent, subject_line
from mess.models import Feedback, OutgoingEmail
from mess.notifications import notifications_send
from scheduling.models import JobRun, Outcome
from tests.factories import judged
from tests.helpers import ROOT, child_env, start
from tests.smtp_server import SilentServer, SMTPServer


def smtp_settings(settings, server) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.server_address


@pytest.fixture
def smtp(db, settings):
    with SMTPServer(refuse=frozenset({"nobody@example.org"})) as server:
        smtp_settings(settings, server)
        yield server


def stored(*addresses: str, link=lambda pairs: None) -> list[OutgoingEmail]:
    return emails_store(
        emails=[(Email("notification", {"mess": {"name": "Mess 1"}, "sections": [], "count": 0}, [to]), to) for to in addresses], link=link
    )


def marks(seen: list):
    return lambda stored_email, sent_at: seen.append((stored_email.to[0], OutgoingEmail.objects.get(pk=stored_email.pk).sent_at))


def parsed(raw: bytes) -> Message:
    return email.message_from_bytes(raw)


def parts(message: Message) -> dict[str, str]:
    return {part.get_content_type(): part.get_payload(decode=True).decode() for part in message.walk() if not part.is_multipart()}


@pytest.mark.parametrize(
    "variables, timeout",
    [
        ({}, "30"),
        ({"EMAIL_URL": "smtp://mail.example.edu:25"}, "30"),
        ({"EMAIL_URL": "smtp://mail.example.edu:25", "EMAIL_TIMEOUT": "5"}, "5"),
    ],
)
def test_the_mail_server_has_email_timeout_seconds_to_answer_whether_or_not_email_url_names_it(variables, timeout):
    env = {k: v for k, v in child_env(**variables).items() if k in variables or not k.startswith("EMAIL_")}
    read = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_TIMEOUT)"
    result = subprocess.run([sys.executable, "-c", read], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == timeout, result.stderr


# Storing


def test_it_stores_each_e_mail_unsent_and_links_its_item_in_the_same_transaction(db):
    linked = []

    def link(pairs):
        # the e-mails exist, with their ids, when their items are linked
        linked.extend((e.pk, item, OutgoingEmail.objects.filter(pk=e.pk, sent_at=None).exists()) for e, item in pairs)

    first, second = stored("olga@example.org", "ada@example.org", link=link)

    assert linked == [(first.pk, "olga@example.org", True), (second.pk, "ada@example.org", True)]
    assert (first.kind, first.to, first.subject, first.attempts) == (
        "notification",
        ["olga@example.org"],
        "[ManageIt] Mess 1: 0 critical feedback on",
        0,
    )
    assert first.message_id != second.message_id and first.message_id.startswith("<")
    assert emails_unsent(kind="notification") == [first, second]  # oldest first


def test_a_failure_while_linking_stores_no_e_mail(db):
    def link(pairs):
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        stored("olga@example.org", link=link)
    assert not OutgoingEmail.objects.exists()


# Delivering


def test_it_marks_each_e_mail_sent_once_the_server_accepted_it(smtp):
    seen = []
    first, second = stored("olga@example.org", "ada@example.org")

    delivery = emails_deliver(emails=[first, second], mark_sent=marks(seen))

    assert (delivery.sent, delivery.failed) == ([first, second], [])
    assert [to for to, sent_at in seen] == ["olga@example.org", "ada@example.org"]
    assert all(sent_at is not None for _, sent_at in seen)  # in the transaction that marks the e-mail
    assert len(smtp.messages) == 2 and smtp.connections == 1
    assert [parsed(raw)["Message-ID"] for raw in smtp.messages] == [first.message_id, second.message_id]
    assert list(OutgoingEmail.objects.values_list("attempts", "last_error")) == [(1, ""), (1, "")]
    assert emails_unsent(kind="notification") == []


def test_an_e_mail_another_run_is_sending_is_left_to_it_until_its_claim_runs_out(smtp):
    seen = []
    first, second = stored("olga@example.org", "ada@example.org")
    claimed = timezone.now() + datetime.timedelta(minutes=2)  # another run of the job (for another meal) claimed it
    OutgoingEmail.objects.filter(pk=first.pk).update(claimed_until=claimed)

    delivery = emails_deliver(emails=[first, second], mark_sent=marks(seen))

    assert (delivery.sent, delivery.failed) == ([second], [])  # neither sent twice nor failed
    assert [to for to, _ in seen] == ["ada@example.org"] and len(smtp.messages) == 1
    first.refresh_from_db()
    assert (first.sent_at, first.attempts) == (None, 0)
    later = emails_deliver(emails=emails_unsent(kind="notification"), mark_sent=marks(seen))
    assert later.sent == []  # still claimed
    OutgoingEmail.objects.filter(pk=first.pk).update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))  # that run died
    assert [e.pk for e in emails_deliver(emails=emails_unsent(kind="notification"), mark_sent=marks(seen)).sent] == [first.pk]


def test_a_refused_e_mail_does_not_stop_the_others_and_waits_for_the_next_run(smtp):
    seen = []
    emails = stored("olga@example.org", "nobody@example.org", "ada@example.org")

    delivery = emails_deliver(emails=emails, mark_sent=marks(seen))

    assert [e.to for e in delivery.sent] == [["olga@example.org"], ["ada@example.org"]]
    assert [e.to for e in delivery.failed] == [["nobody@example.org"]]
    assert [to for to, _ in seen] == ["olga@example.org", "ada@example.org"]
    assert len(smtp.messages) == 2 and smtp.connections == 1  # the server answered: the connection went on
    refused = OutgoingEmail.objects.get(sent_at=None)
    assert (refused.attempts, refused.last_error[:29]) == (1, "SMTPRecipientsRefused: {'nobo")
    with pytest.raises(EmailsFailed, match=r"^1 e-mail not sent, left for the next run: SMTPRecipientsRefused"):
        emails_check(delivery)


def test_a_server_that_takes_an_e_mail_and_stops_answering_costs_one_timeout_and_the_rest_go_over_a_new_connection(db, settings):
    settings.EMAIL_TIMEOUT = 1
    first, second = stored("olga@example.org", "ada@example.org")
    with SMTPServer(stall_after_first=True) as smtp:
        smtp_settings(settings, smtp)
        delivery = emails_deliver(emails=[first, second], mark_sent=marks([]))
        assert (delivery.sent, delivery.failed) == ([second], [first])
        assert smtp.connections == 2
        # the server may have taken it: the next run sends the same message again
        assert emails_deliver(emails=emails_unsent(kind="notification"), mark_sent=marks([])).sent == [first]
    assert [parsed(raw)["Message-ID"] for raw in smtp.messages] == [first.message_id, second.message_id, first.message_id]
    assert parts(parsed(smtp.messages[0])) == parts(parsed(smtp.messages[2]))
    assert OutgoingEmail.objects.get(pk=first.pk).attempts == 2


def test_with_nothing_to_send_it_opens_no_connection(smtp):
    assert emails_deliver(emails=[], mark_sent=marks([])).sent == []
    assert smtp.connections == 0


class ClosingFails(EmailBackend):
    """A mail server that drops the line when told goodbye, after taking every message."""

    def close(self):
        raise smtplib.SMTPServerDisconnected("gone")


def test_an_error_after_every_e_mail_went_out_leaves_them_sent(db, settings):
    settings.EMAIL_BACKEND = "tests.test_emails.ClosingFails"
    first = stored("olga@example.org")[0]

    delivery = emails_deliver(emails=[first], mark_sent=marks([]))  # the goodbye failed: nothing was lost

    assert (delivery.sent, delivery.failed) == ([first], [])
    assert len(mail.outbox) == 1
    assert emails_unsent(kind="notification") == []


def test_an_e_mail_refused_for_good_three_times_is_given_up_and_one_refused_for_now_never(db, settings):
    emails = stored("nobody@example.org")
    with SMTPServer(refuse=frozenset({"nobody@example.org"})) as server:  # 550 No such user here
        smtp_settings(settings, server)
        for _ in range(3):
            delivery = emails_deliver(emails=emails_unsent(kind="notification"), mark_sent=marks([]))
            assert len(delivery.failed) == 1  # each of the three runs fails, so that it is seen
        assert emails_unsent(kind="notification") == []  # the fourth run tries it no more
    refused = OutgoingEmail.objects.get(pk=emails[0].pk)
    assert (refused.attempts, refused.sent_at, refused.given_up_at is not None) == (3, None, True)

    later = stored("olga@example.org")
    with SMTPServer(data_reply="451 4.3.0 Try again later") as server:
        smtp_settings(settings, server)
        for _ in range(4):
            emails_deliver(emails=emails_unsent(kind="notification"), mark_sent=marks([]))
    assert emails_unsent(kind="notification") == later  # a server that is only busy is tried again, however often


# The job, its mail server failing


def complaints(mess1, mess2, student, other_student):
    today = timezone.localdate()
    judged(Feedback(student=student, mess=mess1, date=today, meal="breakfast", rating=1, comment="Hair in the upma"))
    judged(Feedback(student=other_student, mess=mess2, date=today, meal="breakfast", rating=1, comment="Cockroach in the poha"))


@pytest.fixture
def other_student(mess2, django_user_model):
    return django_user_model.objects.create(username="bina")


@pytest.fixture
def people(official, other_official, admin):
    """An official of each mess and an admin, all with e-mail addresses."""


def delivered(server) -> list[tuple[tuple[str, ...], str]]:
    """Who got which complaint: the recipients and the plain text of each message the server kept."""
    return sorted((tuple(parsed(raw)["To"].split(", ")), parts(parsed(raw))["text/plain"]) for raw in server.messages)


def test_a_mail_server_that_never_answers_fails_the_run_within_email_timeout_and_a_later_run_sends_everything(
    mess1, mess2, student, other_student, people, settings
):
    complaints(mess1, mess2, student, other_student)
    settings.EMAIL_TIMEOUT = 1
    with SilentServer() as silent:
        smtp_settings(settings, silent)
        began = time.monotonic()
        with pytest.raises(CommandError, match="EmailsFailed: 2 e-mails not sent, left for the next run"):
            call_command("send_admin_notifications", "--meal", "breakfast")
        took = time.monotonic() - began
    assert took < 1 + 2  # one wait for the greeting, not one per e-mail, and never for ever
    assert JobRun.objects.get().outcome == Outcome.FAILED
    assert OutgoingEmail.objects.filter(sent_at=None).count() == 2
    assert Feedback.objects.filter(notified_at=None).count() == 2

    with SMTPServer() as smtp:
        smtp_settings(settings, smtp)
        assert call_command("send_admin_notifications", "--meal", "breakfast").startswith("2 e-mails of an earlier run sent; ")
        call_command("send_admin_notifications", "--meal", "breakfast")
    texts = delivered(smtp)
    assert [to for to, _ in texts] == [("ada@example.org", "olga@example.org"), ("ada@example.org", "oscar@example.org")]
    assert "Hair in the upma" in texts[0][1] and "Cockroach in the poha" in texts[1][1]
    assert Feedback.objects.filter(notified_at=None).count() == 0


@pytest.mark.parametrize("reply", ["451 4.3.0 Try again later", "554 5.6.0 Transaction failed"])
def test_a_mail_server_that_fails_then_a_working_one_deliver_every_complaint_once(
    mess1, mess2, student, other_student, people, settings, reply
):
    complaints(mess1, mess2, student, other_student)
    with SMTPServer(data_reply=reply) as failing:
        smtp_settings(settings, failing)
        with pytest.raises(EmailsFailed, match=f"2 e-mails not sent, left for the next run: SMTPDataError: \\({reply[:3]}"):
            notifications_send(meal="breakfast")
    assert failing.messages == [] and failing.connections == 1  # both tried, over one connection
    assert list(OutgoingEmail.objects.values_list("attempts", flat=True)) == [1, 1]

    with SMTPServer() as working:
        smtp_settings(settings, working)
        notifications_send(meal="breakfast")
        notifications_send(meal="breakfast")
    texts = delivered(working)
    assert len(texts) == 2
    assert sum("Hair in the upma" in text for _, text in texts) == 1
    assert sum("Cockroach in the poha" in text for _, text in texts) == 1
    assert list(OutgoingEmail.objects.values_list("attempts", flat=True)) == [2, 2]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_process_killed_after_the_server_took_the_e_mail_leaves_it_to_the_next_run_which_sends_the_same_message(
    mess1, student, official, settings
):
    judged(Feedback(student=student, mess=mess1, date=timezone.localdate(), meal="breakfast", rating=1, comment="Hair in the upma"))
    with SMTPServer(stall_after_first=True) as smtp:
        process = start(["manage.py", "send_admin_notifications", "--meal", "breakfast"], EMAIL_URL=smtp.url)
        try:
            # the server has the message, and the process waits for its answer: it dies before it hears it
            assert smtp.received.wait(timeout=60), "the command never sent its e-mail"
            os.kill(process.pid, signal.SIGKILL)
            process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        smtp.release()
        assert Feedback.objects.get().notified_at is None
        assert OutgoingEmail.objects.get().attempts == 1

        smtp_settings(settings, smtp)
        assert notifications_send(meal="breakfast").startswith("1 notification")  # the dead run's claim holds a while
        OutgoingEmail.objects.update(claimed_until=timezone.now())  # ... and runs out
        summary = notifications_send(meal="breakfast")

    assert summary.startswith("1 e-mail of an earlier run sent; 1 notification (0 new, 0 updated), 0 critical entries e-mailed")
    first, second = (parsed(raw) for raw in smtp.messages)
    for header in ("Message-ID", "Date", "From", "To", "Subject"):
        assert first[header] == second[header], header
    assert parts(first) == parts(second)
    assert "Hair in the upma" in parts(first)["text/plain"]
    stored_email = OutgoingEmail.objects.get()
    assert (stored_email.message_id, stored_email.attempts) == (first["Message-ID"], 2)
    assert Feedback.objects.get().notified_at == stored_email.sent_at


def test_a_stored_e_mail_is_sent_as_stored_not_rendered_again(mess1, student, official, settings):
    judged(Feedback(student=student, mess=mess1, date=timezone.localdate(), meal="breakfast", rating=1, comment="Hair in the upma"))
    with SMTPServer(data_reply="451 4.3.0 Try again later") as failing:
        smtp_settings(settings, failing)
        with pytest.raises(EmailsFailed):
            notifications_send(meal="breakfast")
    mess1.name = "Mess One"
    mess1.save()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    notifications_send(meal="breakfast")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("[ManageIt] Mess 1: 1 critical feedback on breakfast, ")
    assert mail.outbox[0].extra_headers["Message-ID"] == OutgoingEmail.objects.get().message_id
    assert mail.outbox[0].extra_headers["Date"] == email.utils.format_datetime(OutgoingEmail.objects.get().created_at)
    assert datetime.datetime.now(datetime.UTC) >= OutgoingEmail.objects.get().sent_at


@pytest.mark.parametrize(
    "text, subject",
    [
        ("[ManageIt] Mess 1: 2 critical feedback on lunch", "[ManageIt] Mess 1: 2 critical feedback on lunch"),
        ("  two\n lines ", "two lines"),
        ("[ManageIt] Hall 7: 40 critical feedback on " + ", ".join(f"lunch of {d} Mar" for d in range(1, 30)), None),
        ("x" * 300, "x" * 99 + "…"),  # one word longer than a line: cut in it
    ],
)
def test_a_subject_is_one_line_that_a_phone_shows_whole_enough(text, subject):
    line = subject_line(text)
    assert len(line) <= SUBJECT_MOST
    if subject is not None:
        assert line == subject
    else:  # cut after a whole word, and says it was cut
        assert line.endswith("…") and text.startswith(line[:-1]) and text[len(line) - 1] in " ,"
