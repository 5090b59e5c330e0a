"""The Telegram channel against a fake Bot API on 127.0.0.1 (tests/telegram_server.py): linking with
a one-time code, stop, each update handled once, and how each refusal of a message maps to the
channels' two failures. Nothing leaves the machine."""

import datetime
import io
import socket
import subprocess
import sys
import threading
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from mess.channels import DeliveryPermanent, DeliveryTemporary
from mess.messages import channels_offered
from mess.models import TelegramBot, TelegramLink
from mess.telegram import (
    CODE_ALPHABET,
    CODE_LENGTH,
    TelegramFailed,
    TelegramTooFast,
    telegram_code_new,
    telegram_reachable,
    telegram_send,
    telegram_unlink,
    telegram_updates,
)
from scheduling.registry import JOBS, JobRefused
from scheduling.sync import schedules_sync
from tests.helpers import ROOT, child_env
from tests.telegram_server import BAD_GATEWAY, BLOCKED, CHAT_NOT_FOUND, TOKEN, TOO_LONG, TOO_MANY, FakeTelegram

CHAT = 4242
MESSAGE = SimpleNamespace(title="Reply to your comment", body="The dal will be hotter tomorrow.", url="https://mess.example/feedback/")


@pytest.fixture
def fake(settings):
    with FakeTelegram() as server:
        settings.TELEGRAM_BOT_TOKEN = TOKEN
        settings.TELEGRAM_BOT_NAME = "ManageItMessBot"
        settings.TELEGRAM_API_URL = server.url
        settings.TELEGRAM_TIMEOUT = 0.5
        yield server


def message(update_id: int, text: str, *, chat: int = CHAT, chat_type: str = "private", language: str = "en") -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1,
            "chat": {"id": chat, "type": chat_type},
            "from": {"id": chat, "is_bot": False, "first_name": "Alice", "language_code": language},
            "text": text,
        },
    }


def linked(user, chat: int = CHAT) -> TelegramLink:
    return TelegramLink.objects.create(user=user, chat_id=chat, linked_at=timezone.now())


def test_a_code_is_random_expires_in_15_minutes_and_a_new_one_replaces_the_old(fake, student):
    first = telegram_code_new(user=student)
    assert len(first.code) == CODE_LENGTH and set(first.code) <= set(CODE_ALPHABET)
    assert abs(first.code_expires - timezone.now() - datetime.timedelta(minutes=15)) < datetime.timedelta(seconds=5)

    second = telegram_code_new(user=student)
    assert second.code != first.code
    assert list(TelegramLink.objects.values_list("code", flat=True)) == [second.code]


def test_linking_end_to_end_code_update_link_reply(fake, student):
    code = telegram_code_new(user=student).code
    fake.queue(message(7, f"/start {code}"))

    assert telegram_updates(wait=0) == "Handled 1 update, answered 1."

    link = TelegramLink.objects.get(user=student)
    assert (link.chat_id, link.code, link.code_expires) == (CHAT, None, None)
    assert link.linked_at is not None
    assert fake.sent == [(CHAT, fake.sent[0][1])] and fake.sent[0][1].startswith("Linked: this chat is alice's on ManageIt.")
    assert TelegramBot.objects.get().update_id == 7
    assert fake.calls[0] == ("getUpdates", {"offset": 1, "timeout": 0, "allowed_updates": ["message"]})


def test_the_bot_answers_in_the_persons_language(fake, student):
    student.profile.language = "hi"
    student.profile.save()
    fake.queue(message(1, telegram_code_new(user=student).code))  # the code alone, as typed

    telegram_updates(wait=0)

    assert TelegramLink.objects.get(user=student).chat_id == CHAT
    assert fake.sent[0][1].startswith("लिंक हो गया")


def test_a_typed_code_may_have_spaces_hyphens_and_small_letters(fake, student):
    code = telegram_code_new(user=student).code
    fake.queue(message(1, f"  {code[:5].lower()}-{code[5:]} "))
    telegram_updates(wait=0)
    assert TelegramLink.objects.get(user=student).chat_id == CHAT


def test_an_expired_or_unknown_code_links_nothing_and_says_why(fake, student):
    code = telegram_code_new(user=student).code
    TelegramLink.objects.update(code_expires=timezone.now() - datetime.timedelta(seconds=1))
    fake.queue(message(1, f"/start {code}"))
    fake.queue(message(2, "/start NOPENOPE23", language="hi"))  # no person: Telegram's language of the sender

    assert telegram_updates(wait=0) == "Handled 2 updates, answered 2."

    assert TelegramLink.objects.get(user=student).chat_id is None
    assert fake.sent[0][1] == "That code has expired. Get a new one on your Telegram page."
    assert "कोड" in fake.sent[1][1]


def test_start_without_a_code_and_other_words_get_the_help(fake, student):
    fake.queue(message(1, "/start"))
    fake.queue(message(2, "hello there, what is for dinner?"))
    telegram_updates(wait=0)
    assert [text for _, text in fake.sent] == [
        "Send the code from your Telegram page on ManageIt to link this chat, or stop to unlink it."
    ] * 2


@pytest.mark.parametrize("word", ["stop", "/stop", "STOP", "/stop@ManageItMessBot"])
def test_stop_unlinks_the_chat_and_says_so(fake, student, word):
    linked(student)
    fake.queue(message(1, word))
    telegram_updates(wait=0)
    assert not TelegramLink.objects.exists()
    assert fake.sent == [(CHAT, "Unlinked: ManageIt sends nothing more to this chat.")]


def test_stop_from_a_chat_not_linked_changes_nothing(fake, student):
    linked(student, chat=1)
    fake.queue(message(1, "stop"))
    telegram_updates(wait=0)
    assert TelegramLink.objects.get().chat_id == 1
    assert fake.sent == [(CHAT, "This chat is not linked to ManageIt.")]


def test_a_chat_that_sends_another_persons_code_becomes_theirs(fake, student, official):
    linked(student)
    fake.queue(message(1, telegram_code_new(user=official).code))
    telegram_updates(wait=0)
    assert list(TelegramLink.objects.values_list("user__username", "chat_id")) == [("olga", CHAT)]


def test_group_chats_are_not_linked_nor_answered(fake, student):
    fake.queue(message(1, telegram_code_new(user=student).code, chat=-100, chat_type="group"))
    assert telegram_updates(wait=0) == "Handled 1 update, answered 0."
    assert TelegramLink.objects.get().chat_id is None and fake.sent == []


def test_an_update_is_handled_once_even_if_the_job_runs_twice(fake, student, official):
    fake.forget_offset = True  # Telegram serves the same update to both runs, as to two runs at once
    fake.queue(message(3, telegram_code_new(user=student).code))

    assert telegram_updates(wait=0) == "Handled 1 update, answered 1."
    TelegramLink.objects.filter(user=student).update(chat_id=None)  # were it handled again, it would link again
    assert telegram_updates(wait=0) == "Handled 0 updates, answered 0."

    assert TelegramLink.objects.get().chat_id is None
    assert len(fake.sent) == 1
    assert fake.calls[-1] == ("getUpdates", {"offset": 4, "timeout": 0, "allowed_updates": ["message"]})


def test_the_command_reads_the_updates_and_the_job_waits_for_them(fake, student):
    """The command runs the job; a run with a wait handles an update that comes while it waits."""
    code = telegram_code_new(user=student).code
    timer = threading.Timer(0.3, fake.queue, [message(1, code)])
    timer.start()
    out = io.StringIO()
    call_command("telegram_updates", wait=1, stdout=out)
    timer.join()
    assert "Handled 1 update, answered 1." in out.getvalue()
    assert TelegramLink.objects.get().chat_id == CHAT


def test_an_answer_telegram_refuses_leaves_the_link_and_is_counted(fake, student):
    fake.queue(message(1, telegram_code_new(user=student).code))
    fake.failures = [BAD_GATEWAY]
    assert telegram_updates(wait=0) == "Handled 1 update, answered 0, 1 answer not sent."
    assert TelegramLink.objects.get().chat_id == CHAT


def test_a_run_fails_when_telegram_cannot_be_read_and_never_shows_the_token(fake, settings, db):
    settings.TELEGRAM_BOT_TOKEN = "999:another-token"
    with pytest.raises(TelegramFailed) as failed:
        telegram_updates(wait=0)
    assert failed.value.status == 404 and "another-token" not in str(failed.value)
    assert TelegramBot.objects.get().update_id == 0


def test_the_jobs_wait_is_checked():
    with pytest.raises(JobRefused, match="wait: not a number of seconds from 0 to 55"):
        JOBS["telegram_updates"].arguments({"wait": "56"})
    assert JOBS["telegram_updates"].arguments({"wait": "0"}) == {"wait": 0}


def test_without_a_token_nothing_happens(fake, settings, student):
    linked(student)
    settings.TELEGRAM_BOT_TOKEN = ""
    fake.queue(message(1, "stop"))

    assert telegram_updates(wait=0) == "No TELEGRAM_BOT_TOKEN: nothing to do."
    with pytest.raises(DeliveryPermanent) as refused:
        telegram_send(user=student, message=MESSAGE)
    assert not refused.value.gone
    with pytest.raises(ValueError, match="not set up"):
        telegram_code_new(user=student)
    assert fake.calls == []
    assert TelegramLink.objects.exists()


# Sending


def test_a_message_goes_to_the_persons_chat_as_plain_text(fake, student, settings):
    settings.SITE_URL = "https://mess.example"
    linked(student)
    telegram_send(user=student, message=SimpleNamespace(title="<b>Menu</b>", body="Dal & rice", url=""))
    telegram_send(user=student, message=MESSAGE)
    telegram_send(user=student, message=SimpleNamespace(title="Lunch at 12:00", body="Dal", url="/feedback/"))
    assert fake.sent == [
        (CHAT, "<b>Menu</b>\n\nDal & rice"),
        (CHAT, "Reply to your comment\n\nThe dal will be hotter tomorrow.\n\nhttps://mess.example/feedback/"),
        (CHAT, "Lunch at 12:00\n\nDal\n\nhttps://mess.example/feedback/"),  # a page of ManageIt, in full
    ]
    assert "parse_mode" not in fake.calls[0][1]  # shown as typed, never as HTML


def test_a_long_message_is_cut_to_telegrams_limit(fake, student):
    linked(student)
    telegram_send(user=student, message=SimpleNamespace(title="T", body="x" * 5000, url=""))
    assert len(fake.sent[0][1]) == 4096 and fake.sent[0][1].endswith("…")


def test_a_person_without_a_chat_is_gone(fake, student):
    telegram_code_new(user=student)  # a code asked for, never sent
    with pytest.raises(DeliveryPermanent) as refused:
        telegram_send(user=student, message=MESSAGE)
    assert refused.value.gone and fake.calls == []


@pytest.mark.parametrize("failure", [BLOCKED, CHAT_NOT_FOUND], ids=["blocked", "chat not found"])
def test_a_chat_that_blocked_the_bot_or_is_gone_is_unlinked(fake, student, failure):
    linked(student)
    fake.failures = [failure]
    with pytest.raises(DeliveryPermanent) as refused:
        telegram_send(user=student, message=MESSAGE)
    assert refused.value.gone
    assert not TelegramLink.objects.exists()


def test_any_other_refusal_is_permanent_and_keeps_the_link(fake, student):
    linked(student)
    fake.failures = [TOO_LONG]
    with pytest.raises(DeliveryPermanent) as refused:
        telegram_send(user=student, message=MESSAGE)
    assert not refused.value.gone and "message is too long" in str(refused.value)
    assert TelegramLink.objects.exists()


def test_429_is_temporary_and_nothing_is_sent_before_its_retry_after(fake, student):
    linked(student)
    fake.failures = [TOO_MANY]
    with pytest.raises(TelegramTooFast) as first:
        telegram_send(user=student, message=MESSAGE)
    assert first.value.retry_after == 30 and isinstance(first.value, DeliveryTemporary)
    calls = len(fake.calls)

    with pytest.raises(TelegramTooFast) as second:
        telegram_send(user=student, message=MESSAGE)
    assert 0 < second.value.retry_after <= 31
    assert len(fake.calls) == calls  # Telegram was not asked

    TelegramBot.objects.update(quiet_until=timezone.now() - datetime.timedelta(seconds=1))
    telegram_send(user=student, message=MESSAGE)
    assert len(fake.sent) == 1


def test_a_5xx_is_temporary(fake, student):
    linked(student)
    fake.failures = [BAD_GATEWAY]
    with pytest.raises(DeliveryTemporary):
        telegram_send(user=student, message=MESSAGE)
    assert TelegramLink.objects.exists()


def test_a_timeout_is_temporary(fake, student):
    linked(student)
    fake.failures = ["hang"]
    fake.hang_seconds = 1.5
    with pytest.raises(DeliveryTemporary, match="no answer from Telegram"):
        telegram_send(user=student, message=MESSAGE)


def test_no_connection_is_temporary(fake, settings, student):
    linked(student)
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        settings.TELEGRAM_API_URL = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with pytest.raises(DeliveryTemporary, match="no answer from Telegram"):
        telegram_send(user=student, message=MESSAGE)


def test_unlinking_forgets_the_chat(fake, student):
    linked(student)
    assert telegram_unlink(user=student) is True
    assert telegram_unlink(user=student) is False
    assert not TelegramLink.objects.exists()


def test_a_run_that_waits_asks_telegram_to_hold_the_call_instead_of_asking_again_and_again(fake, db):
    assert telegram_updates(wait=1) == "Handled 0 updates, answered 0."
    polls = [params["timeout"] for method, params in fake.calls if method == "getUpdates"]
    assert polls[0] == 1 and len(polls) <= 2


def _settings_from(env: dict) -> subprocess.CompletedProcess:
    show = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.TELEGRAM_BOT_TOKEN, s.TELEGRAM_BOT_NAME, s.TELEGRAM_API_URL, s.TELEGRAM_TIMEOUT, s.TELEGRAM_POLL_SECONDS)"
    )
    return subprocess.run([sys.executable, "-c", show], cwd=ROOT, env=child_env() | env, capture_output=True, text=True)


def test_the_settings_come_from_the_environment_and_refuse_a_wait_past_the_minute():
    assert _settings_from({}).stdout.split() == ["https://api.telegram.org", "10", "50"]  # no token, no name: empty

    seen = _settings_from({"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_BOT_NAME": "@MessBot", "TELEGRAM_API_URL": "http://127.0.0.1:9/"})
    assert seen.stdout.split() == ["1:x", "MessBot", "http://127.0.0.1:9", "10", "50"]

    refused = _settings_from({"TELEGRAM_POLL_SECONDS": "60"})
    assert refused.returncode != 0 and "TELEGRAM_POLL_SECONDS must be from 0 to 55" in refused.stderr


def test_the_job_is_scheduled_every_minute_only_while_there_is_a_bot(settings, db):
    settings.TELEGRAM_BOT_TOKEN = ""
    schedules_sync()
    assert not Schedule.objects.filter(name__startswith="telegram_updates").exists()

    settings.TELEGRAM_BOT_TOKEN = TOKEN
    schedules_sync()
    assert list(Schedule.objects.filter(name__startswith="telegram_updates").values_list("name", "cron")) == [
        ("telegram_updates:each_minute", "* * * * *")
    ]

    settings.TELEGRAM_BOT_TOKEN = ""
    assert schedules_sync().removed == ["telegram_updates:each_minute"]


def test_who_a_telegram_message_can_reach(settings, student, official, admin, django_assert_num_queries):
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    linked(student)
    TelegramLink.objects.create(user=official, code="ABCDEFGHJK", code_expires=timezone.now())  # a code, no chat
    with django_assert_num_queries(1):
        assert set(User.objects.filter(telegram_reachable()).values_list("pk", flat=True)) == {student.pk}
    settings.TELEGRAM_BOT_TOKEN = ""
    assert not channels_offered()  # without a bot (and VAPID keys) no message is stored for anyone
