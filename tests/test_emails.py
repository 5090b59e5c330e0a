"""E-mails that must never go out twice: claimed before sending, unclaimed when the mail server
refuses one, so that the next run sends it, through a real SMTP server on 127.0.0.1."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from mess.emails import Email, emails_send_once
from tests.smtp_server import SMTPServer


@pytest.fixture
def smtp(settings):
    with SMTPServer(refuse=frozenset({"nobody@example.org"})) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.server_address
        yield server


def email(to: str) -> Email:
    return Email("notification", {"mess": {"name": "Mess 1"}, "entries": []}, [to])


def test_it_claims_everything_before_the_first_e_mail_and_returns_what_it_sent(smtp):
    seen = []

    sent = emails_send_once(
        emails=[(email("olga@example.org"), "first"), (email("ada@example.org"), "second")],
        claim=lambda items: seen.append(("claim", items, len(smtp.messages))),
        unclaim=lambda items: seen.append(("unclaim", items)),
    )

    assert sent == ["first", "second"]
    assert seen == [("claim", ["first", "second"], 0)]
    assert len(smtp.messages) == 2 and b"Mess 1" in smtp.messages[0]


def test_it_unclaims_what_was_not_sent_and_raises_when_the_server_refuses_one(smtp):
    seen = []

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        emails_send_once(
            emails=[(email("olga@example.org"), "first"), (email("nobody@example.org"), "second"), (email("ada@example.org"), "third")],
            claim=lambda items: seen.append(("claim", items)),
            unclaim=lambda items: seen.append(("unclaim", items)),
        )

    assert seen == [("claim", ["first", "second", "third"]), ("unclaim", ["second", "third"])]
    assert len(smtp.messages) == 1


def test_with_nothing_to_send_it_claims_no_item_and_opens_no_connection(smtp):
    claimed = []

    assert emails_send_once(emails=[], claim=claimed.append, unclaim=claimed.append) == []
    assert claimed == [[]]  # called, so that a job can store its rows in the write that claims them
    assert smtp.connections == 0


class ClosingFails(EmailBackend):
    """A mail server that drops the line when told goodbye, after taking every message."""

    def close(self):
        raise smtplib.SMTPServerDisconnected("gone")


def test_an_error_after_every_e_mail_went_out_unclaims_nothing(settings):
    settings.EMAIL_BACKEND = "tests.test_emails.ClosingFails"
    unclaimed = []

    with pytest.raises(smtplib.SMTPServerDisconnected):
        emails_send_once(emails=[(email("olga@example.org"), "first")], claim=lambda items: None, unclaim=unclaimed.append)

    assert unclaimed == []
    assert len(mail.outbox) == 1
