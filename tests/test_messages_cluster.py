"""Done when: a student who opted in gets a push notification and a Telegram message within 60 s of
an official's reply, sent by a real `qcluster` worker (through Redis) to a local push service that
decrypts it and a fake Telegram Bot API, and a browser the service says is gone (410) is removed.

It starts a real cluster on the test database, so it commits its data (a transactional test); run it
on its own, like scheduling/tests/test_cluster.py.
"""

import time

import pytest
import redis
from django.utils import timezone

from mess.models import OutgoingMessage, PushSubscription, TelegramLink
from mess.push import vapid_keys_generate
from mess.replies import feedback_reply
from scheduling.models import JobRun, Outcome
from tests.factories import feedback
from tests.helpers import redis_url, start
from tests.push_service import PushService
from tests.telegram_server import TOKEN, FakeTelegram


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reply_reaches_the_students_browser_through_a_cluster_within_a_minute(mess1, student, official, settings):
    url = redis_url()
    redis.Redis.from_url(url).flushdb()
    public, private = vapid_keys_generate()
    vapid = {"VAPID_PUBLIC_KEY": public, "VAPID_PRIVATE_KEY": private, "VAPID_SUBJECT": "mailto:mess@example.org"}
    for name, value in vapid.items():
        setattr(settings, name, value)
    entry = feedback(mess1, timezone.localdate(), "lunch", 1, "Cold rice", student=student)
    TelegramLink.objects.create(user=student, chat_id=4242, linked_at=timezone.now())
    with PushService(vapid_public_key=public, answers=[201, 410]) as service, FakeTelegram() as telegram:
        bot = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": telegram.url}
        for name, value in bot.items():
            setattr(settings, name, value)
        for name in ("phone", "old-laptop"):  # the phone takes it; the laptop's browser was reset (410)
            endpoint, keys = service.subscribe(name)
            PushSubscription.objects.create(user=student, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth)
        cluster = start(["manage.py", "qcluster"], REDIS_URL=url, Q_WORKERS="1", **vapid, **bot)
        try:
            time.sleep(3)  # the cluster starting, as it would be already
            replied_at = time.monotonic()
            feedback_reply(mess=mess1, feedback_id=entry.pk, reply="We reheated it; sorry.", replied_by=official)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (len(service.received) < 2 or not telegram.sent):
                time.sleep(0.1)
            took = time.monotonic() - replied_at
            time.sleep(2)  # a second send, if there were one, would show by now
        finally:
            cluster.terminate()
            output = cluster.communicate(timeout=60)[0]
    assert service.payloads("phone") == [
        {"title": "The mess replied to your comment", "body": "We reheated it; sorry.", "url": "/feedback/"}
    ], output
    assert [(path, status) for path, status, _ in service.received] == [("/phone", 201), ("/old-laptop", 410)], output
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [f"http://127.0.0.1:{service.server_address[1]}/phone"]
    [(chat, text)] = telegram.sent
    assert chat == 4242 and text.startswith("The mess replied to your comment\n\nWe reheated it; sorry.\n\nhttp"), output
    assert text.endswith("/feedback/"), text  # the page, in full
    messages = OutgoingMessage.objects.order_by("channel")
    assert [(m.channel, bool(m.sent_at), m.attempts) for m in messages] == [("push", True, 1), ("telegram", True, 1)]
    assert all(outcome == Outcome.SUCCEEDED for outcome in JobRun.objects.values_list("outcome", flat=True)), output
    assert took < 60, took
    print(f"pushed and sent to Telegram {took:.1f} s after the reply")
