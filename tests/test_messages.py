"""Messages that reach a phone (mess/messages.py, mess/channels.py, mess/push.py): what a person
chooses, messages stored once, sent once through a real (local) push service that decrypts them,
retried, given up, and their subscriptions removed when the service says they are gone."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from py_vapid import Vapid

from mess.announcements import announcement_change, announcement_post
from mess.channels import REFUSALS_GIVEN_UP, _claim, messages_deliver
from mess.menu_editing import temporary_menu_delete, temporary_menu_save
from mess.messages import CHANNELS, channel_choices, channel_choices_save, messages_send, messages_store
from mess.models import ChannelChoice, OutgoingMessage, PushSubscription, Role
from mess.people import profile_language_set
from mess.push import push_payload, push_subscription_remove, push_subscription_save, vapid_keys_generate
from mess.replies import feedback_reply
from tests.factories import feedback
from tests.helpers import create_person
from tests.push_service import BrowserKeys, PushService

PUBLIC, PRIVATE = vapid_keys_generate()


@pytest.fixture
def vapid(settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY, settings.VAPID_SUBJECT = PUBLIC, PRIVATE, "mailto:mess@example.org"


@pytest.fixture
def service(vapid):
    with PushService(vapid_public_key=PUBLIC) as service:
        yield service


def subscribe(service: PushService, user, name: str) -> PushSubscription:
    endpoint, keys = service.subscribe(name)
    # a local http endpoint, which push_subscription_save refuses (only https push services): stored as the test's own row
    return PushSubscription.objects.create(user=user, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth)


def critical_comment(mess, student):
    entry = feedback(mess, timezone.localdate(), "lunch", 1, "Cold rice")
    entry.student = student
    entry.save()
    return entry


def test_it_pushes_a_reply_to_the_student_who_wrote_the_comment(mess1, student, official, service):
    subscribe(service, student, "alice-phone")
    entry = critical_comment(mess1, student)

    feedback_reply(mess=mess1, feedback_id=entry.pk, reply="We reheated it; sorry.", replied_by=official)
    assert messages_send() == "1 message sent"

    assert service.payloads("alice-phone") == [
        {"title": "The mess replied to your comment", "body": "We reheated it; sorry.", "url": "/feedback/"}
    ]
    message = OutgoingMessage.objects.get()
    assert (message.channel, message.user, message.kind, message.key, message.attempts) == ("push", student, "reply", str(entry.pk), 1)
    assert message.sent_at and not message.last_error
    assert messages_send() == "0 messages sent"  # sent once
    assert len(service.received) == 1


def test_a_second_reply_to_the_same_comment_is_not_pushed_again(mess1, student, official, service):
    subscribe(service, student, "alice-phone")
    entry = critical_comment(mess1, student)
    feedback_reply(mess=mess1, feedback_id=entry.pk, reply="We are looking into it.", replied_by=official)
    messages_send()
    feedback_reply(mess=mess1, feedback_id=entry.pk, reply="Fixed: new rice cooker.", replied_by=official)
    messages_send()
    assert [p["body"] for p in service.payloads()] == ["We are looking into it."]


def test_a_student_who_turned_replies_off_or_has_no_browser_gets_nothing(mess1, student, official, service):
    bob = create_person(username="bob", role=Role.STUDENT, mess=mess1)
    subscribe(service, student, "alice-phone")
    channel_choices_save(user=student, choices={("reply", "push"): False})
    for who in (student, bob):
        feedback_reply(mess=mess1, feedback_id=critical_comment(mess1, who).pk, reply="Noted.", replied_by=official)
    assert not OutgoingMessage.objects.exists()


def test_nothing_is_stored_when_push_is_not_set_up(mess1, student, official, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    PushSubscription.objects.create(user=student, endpoint="https://push.example.org/x", p256dh="k", auth="a")
    feedback_reply(mess=mess1, feedback_id=critical_comment(mess1, student).pk, reply="Noted.", replied_by=official)
    assert not OutgoingMessage.objects.exists()


def test_it_pushes_to_every_browser_of_the_person(mess1, student, service):
    subscribe(service, student, "phone")
    subscribe(service, student, "laptop")
    messages_store(kind="reply", key="1", users=[student], title="T", body="B")
    messages_send()
    assert len(service.payloads("phone")) == len(service.payloads("laptop")) == 1


def test_a_subscription_that_answers_410_is_removed_and_its_message_given_up(mess1, student, service):
    subscribe(service, student, "gone")
    service.answers = [410]
    messages_store(kind="reply", key="1", users=[student], title="T", body="B")

    assert messages_send() == "0 messages sent, 1 given up"

    assert not PushSubscription.objects.exists()
    message = OutgoingMessage.objects.get()
    assert message.given_up_at and not message.sent_at and message.attempts == 1
    assert "410" not in message.last_error and message.last_error  # the error is kept for the admin


def test_one_browser_gone_and_another_taking_it_is_sent(mess1, student, service):
    subscribe(service, student, "gone")
    subscribe(service, student, "phone")
    service.answers = [404, 201]
    messages_store(kind="reply", key="1", users=[student], title="T", body="B")
    assert messages_send() == "1 message sent"
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [f"http://127.0.0.1:{service.server_address[1]}/phone"]


def test_a_temporary_failure_is_retried_by_a_later_run_and_sent_once(mess1, student, service):
    subscribe(service, student, "phone")
    service.answers = [500, 429, 201]
    messages_store(kind="reply", key="1", users=[student], title="T", body="B")

    assert messages_send() == "0 messages sent, 1 left for a later run"
    message = OutgoingMessage.objects.get()
    assert not message.sent_at and not message.given_up_at and "500" in message.last_error
    assert messages_send() == "0 messages sent, 1 left for a later run"
    assert messages_send() == "1 message sent"
    assert messages_send() == "0 messages sent"

    message.refresh_from_db()
    assert message.sent_at and message.attempts == 3 and not message.last_error
    assert len(service.payloads()) == 1
    assert PushSubscription.objects.exists()  # a failing service is no reason to forget the browser


def test_a_push_service_that_does_not_answer_is_a_temporary_failure(mess1, student, vapid):
    PushSubscription.objects.create(
        user=student, endpoint="http://127.0.0.1:9/nobody", p256dh=BrowserKeys().p256dh, auth=BrowserKeys().auth
    )
    messages_store(kind="reply", key="1", users=[student], title="T", body="B")
    assert messages_send() == "0 messages sent, 1 left for a later run"
    assert "ConnectionError" in OutgoingMessage.objects.get().last_error


def test_it_gives_up_after_three_permanent_refusals(mess1, student, service):
    subscribe(service, student, "phone")
    service.answers = [400]
    messages_store(kind="reply", key="1", users=[student], title="T", body="B")
    for _ in range(REFUSALS_GIVEN_UP - 1):
        assert messages_send() == "0 messages sent, 1 left for a later run"
    assert messages_send() == "0 messages sent, 1 given up"
    assert messages_send() == "0 messages sent"
    message = OutgoingMessage.objects.get()
    assert message.attempts == REFUSALS_GIVEN_UP and message.given_up_at and "400" in message.last_error
    assert len(service.received) == REFUSALS_GIVEN_UP
    assert PushSubscription.objects.exists()


def test_a_person_with_no_browser_left_has_the_message_given_up(mess1, student, vapid):
    messages_store(kind="reply", key="1", users=[student], title="T", body="B")  # no subscription: nothing stored
    assert not OutgoingMessage.objects.exists()
    OutgoingMessage.objects.create(channel="push", user=student, kind="reply", key="1", title="T")
    assert messages_send() == "0 messages sent, 1 given up"


def test_an_announcement_is_pushed_once_to_the_students_who_chose_it(mess1, mess2, student, official, service):
    bob = create_person(username="bob", role=Role.STUDENT, mess=mess1)  # did not choose announcements
    carol = create_person(username="carol", role=Role.STUDENT, mess=mess2)  # another mess
    for person in (student, bob, carol, official):
        subscribe(service, person, person.username)
        channel_choices_save(user=person, choices={("announcement", "push"): person != bob})
    today = timezone.localdate()

    [posted] = announcement_post(messes=[mess1], title="Pest control", text="Closed Sunday dinner.", first_day=today, last_day=today)
    messages_send()
    announcement_change(
        mess=mess1, announcement_id=posted.pk, title="Pest control", text="Closed Sunday lunch and dinner.", first_day=today, last_day=today
    )
    messages_send()

    assert service.payloads("alice") == [{"title": "Pest control", "body": "Closed Sunday dinner.", "url": "/feedback/"}]
    assert service.payloads("bob") == service.payloads("carol") == service.payloads("olga") == []
    assert list(OutgoingMessage.objects.values_list("user__username", "kind", "key")) == [("alice", "announcement", str(posted.pk))]


def test_a_message_produced_twice_is_stored_once(mess1, student, service):
    subscribe(service, student, "phone")
    assert messages_store(kind="reply", key="7", users=[student], title="T", body="B") == 1
    assert messages_store(kind="reply", key="7", users=[student.pk], title="T again", body="B") == 0
    assert list(OutgoingMessage.objects.values_list("title", flat=True)) == ["T"]


def test_each_message_is_in_its_persons_language(mess1, student, official, service):
    subscribe(service, student, "phone")
    profile_language_set(user=student, language="hi")
    feedback_reply(mess=mess1, feedback_id=critical_comment(mess1, student).pk, reply="ठीक है", replied_by=official)
    with translation.override("hi"):
        expected = str(translation.gettext("The mess replied to your comment"))
    assert OutgoingMessage.objects.get().title == expected != "The mess replied to your comment"


def test_choices_are_off_by_default_but_the_answers_to_what_one_asked(student):
    choices = channel_choices(user=student)
    assert choices[("reply", "push")] and choices[("reply", "telegram")] and choices[("mess_change", "push")]
    assert not any(on for (kind, _), on in choices.items() if kind not in ("reply", "mess_change"))
    channel_choices_save(user=student, choices={("announcement", "push"): True, ("reply", "push"): False})
    channel_choices_save(user=student, choices={("announcement", "push"): True})
    assert ChannelChoice.objects.count() == 2
    choices = channel_choices(user=student)
    assert choices[("announcement", "push")] and not choices[("reply", "push")] and choices[("reply", "telegram")]
    with pytest.raises(ValueError):
        channel_choices_save(user=student, choices={("lottery", "push"): True})


def test_a_long_text_is_cut_to_fit_a_push_message(student):
    message = OutgoingMessage(title="T", body="खाना " * 1000, url="/feedback/")
    assert len(push_payload(message).encode()) <= 3000


def test_a_subscription_is_saved_once_per_endpoint_and_removed(student, official):
    keys = BrowserKeys()
    endpoint = "https://fcm.googleapis.com/fcm/send/abc123"
    push_subscription_save(user=student, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth)
    push_subscription_save(user=official, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth)  # another person signed in there
    assert list(PushSubscription.objects.values_list("user__username", flat=True)) == ["olga"]
    assert push_subscription_remove(user=student, endpoint=endpoint) == 0
    assert push_subscription_remove(user=official, endpoint=endpoint) == 1


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://fcm.googleapis.com/x",
        "https://127.0.0.1/x",
        "https://localhost/x",
        "https://[::1]/x",
        "file:///etc/passwd",
        "https://a.b/" + "x" * 700,
    ],
)
def test_an_endpoint_that_is_no_push_service_is_refused(student, endpoint):
    keys = BrowserKeys()
    with pytest.raises(ValueError):
        push_subscription_save(user=student, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth)
    assert not PushSubscription.objects.exists()


def test_keys_that_are_not_a_browsers_are_refused(student):
    keys = BrowserKeys()
    for p256dh, auth in ((keys.p256dh, "c2hvcnQ"), ("bm90IGEga2V5", keys.auth), ("!!", keys.auth)):
        with pytest.raises(ValueError):
            push_subscription_save(user=student, endpoint="https://push.example.org/1", p256dh=p256dh, auth=auth)


def test_a_claimed_message_is_sent_by_one_run_only(student):
    message = OutgoingMessage.objects.create(channel="push", user=student, kind="reply", key="1", title="T")
    assert _claim(message)
    assert not _claim(message)  # the other run
    OutgoingMessage.objects.filter(pk=message.pk).update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    assert _claim(message)  # a claim a killed worker left runs out
    OutgoingMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now(), claimed_until=None)
    assert not _claim(message)


def test_a_message_another_run_holds_is_left_to_it(mess1, student, service):
    subscribe(service, student, "phone")
    messages_store(kind="reply", key="1", users=[student], title="T", body="B")
    message = OutgoingMessage.objects.get()
    assert _claim(message)
    assert messages_deliver(ways=CHANNELS).summary() == "0 messages sent"
    assert not service.received


def test_the_command_sends_what_is_left(mess1, student, service, capsys):
    subscribe(service, student, "phone")
    messages_store(kind="reply", key="1", users=[student], title="T", body="B")
    call_command("send_messages")
    assert "1 message sent" in capsys.readouterr().out
    assert len(service.payloads()) == 1


def test_generate_vapid_keys_prints_a_pair_pywebpush_signs_with(capsys):
    call_command("generate_vapid_keys")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    assert set(lines) == {"VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT"}
    assert Vapid.from_string(lines["VAPID_PRIVATE_KEY"]).public_key is not None


def test_a_change_to_todays_menu_is_pushed_to_the_students_who_chose_it(mess1, student, official, service):
    subscribe(service, student, "phone")
    channel_choices_save(user=student, choices={("menu_change", "push"): True})
    today = timezone.localdate()

    temporary_menu_save(mess=mess1, date=today + datetime.timedelta(days=1), meal="lunch", dishes="Rajma\nRice", changed_by=official)
    temporary_menu_save(mess=mess1, date=today, meal="lunch", dishes="Paneer\nRice", changed_by=official)
    temporary_menu_save(mess=mess1, date=today, meal="lunch", dishes="Paneer\nRice", changed_by=official)  # the same: no change
    temporary_menu_delete(mess=mess1, date=today, meal="lunch", changed_by=official)
    messages_send()

    assert [(p["title"], p["body"]) for p in service.payloads()] == [
        ("Today's Lunch has changed", "Paneer, Rice"),
        ("Today's Lunch has changed", "The weekly menu is served again."),
    ]
