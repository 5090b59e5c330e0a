"""Setting a new password by e-mail: the reset page hands the address to the cluster, doing the same
for an address nobody has as for a known one, and the send_password_reset job looks it up and sends
each of its users a link, stored before it is sent, so that a mail server that is down loses none."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import Schedule

from mess.emails import EmailsFailed
from mess.models import OutgoingEmail
from mess.password_resets import password_reset_send
from tests.factories import NOW
from tests.helpers import cluster_pass
from tests.smtp_server import SMTPServer
from tests.test_accounts import link_in, logs_in, set_password


def ask(email: str, *, ip: str = "10.0.0.7", capture):
    """Asks for a reset of `email` on the page, as a browser at `ip` would; returns the answer."""
    with capture(execute=True):  # the request commits: what it hands over is written
        return Client().post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def shape(sql: str) -> str:
    """A query without its values: what the database was asked to do, not about what."""
    # strings ('' in SQLite's, \' in MySQL's), numbers, and savepoints' names
    return re.sub(r"'(?:[^'\\]|\\.|'')*'|\b\d+(\.\d+)?\b|[\"`]s\d+_x\d+[\"`]", "?", sql)


def test_the_page_does_the_same_work_for_a_known_and_an_unknown_address(official, django_capture_on_commit_callbacks):
    with CaptureQueriesContext(connection) as known:
        known_answer = ask("olga@example.org", ip="10.0.0.7", capture=django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as unknown:
        unknown_answer = ask("nobody@example.org", ip="10.0.0.8", capture=django_capture_on_commit_callbacks)

    assert (known_answer.status_code, known_answer["Location"]) == (unknown_answer.status_code, unknown_answer["Location"])
    assert [shape(q["sql"]) for q in known.captured_queries] == [shape(q["sql"]) for q in unknown.captured_queries]
    assert not any("auth_user" in q["sql"] for q in known.captured_queries)  # nobody looked up in the request
    assert mail.outbox == [] and not OutgoingEmail.objects.exists()  # nor anything sent, nor stored

    assert sorted(cluster_pass()) == ["1 link to set a password e-mailed", "no active user has the address asked about"]
    assert [m.to for m in mail.outbox] == [["olga@example.org"]]


def test_the_e_mail_is_stored_then_sent_by_the_cluster_and_its_link_sets_the_password(official, django_capture_on_commit_callbacks):
    ask("OLGA@Example.org", capture=django_capture_on_commit_callbacks)
    waiting = Schedule.objects.get()
    assert waiting.name == "soon: send_password_reset email='olga@example.org'"  # it waits in the database for a cluster

    cluster_pass()

    stored = OutgoingEmail.objects.get()
    assert (stored.kind, stored.to, stored.sent_at is not None) == ("password-reset", ["olga@example.org"], True)
    assert mail.outbox[0].extra_headers["Message-ID"] == stored.message_id
    assert "olga" in mail.outbox[0].body and "3 days" in mail.outbox[0].body
    set_password(Client(), link_in(mail.outbox[0]))
    assert logs_in(Client(), "olga", "a-long-new-secret-7")


def test_asking_again_before_the_cluster_ran_sends_one_e_mail(official, django_capture_on_commit_callbacks):
    for _ in range(3):
        ask("olga@example.org", capture=django_capture_on_commit_callbacks)

    cluster_pass()

    assert len(mail.outbox) == 1


@time_machine.travel(NOW, tick=False)
def test_a_mail_server_that_is_down_loses_no_e_mail_a_run_ten_minutes_on_sends_it(official, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with SMTPServer(data_reply="451 4.3.0 Try again later") as down, django_capture_on_commit_callbacks(execute=True):
        settings.EMAIL_HOST, settings.EMAIL_PORT = down.server_address
        with pytest.raises(EmailsFailed, match="1 e-mail not sent, left for the next run"):
            password_reset_send(email="olga@example.org")
    assert OutgoingEmail.objects.get().sent_at is None
    assert list(Schedule.objects.values_list("name", "next_run")) == [("soon: send_password_reset", NOW + datetime.timedelta(minutes=10))]

    with SMTPServer() as up, time_machine.travel(NOW + datetime.timedelta(minutes=10), tick=False):
        settings.EMAIL_HOST, settings.EMAIL_PORT = up.server_address
        assert cluster_pass() == ["1 e-mail of an earlier run sent; no address asked about"]
    assert len(up.messages) == 1 and OutgoingEmail.objects.get().sent_at is not None
    assert not Schedule.objects.exists()  # sent: no more runs asked for


def test_the_command_sends_the_link_and_says_so(official, student):
    assert call_command("send_password_reset", "--email", "olga@example.org") == "1 link to set a password e-mailed"
    assert call_command("send_password_reset", "--email", "nobody@example.org") == "no active user has the address asked about"
    assert call_command("send_password_reset") == "no address asked about"
    assert [m.to for m in mail.outbox] == [["olga@example.org"]]
