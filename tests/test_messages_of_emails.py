"""The e-mails of officials and admins on their phones too (mess/emails.py `emails_store(also_as=)`),
for those who chose them on a channel, and a student told on their phone whether their mess change
was granted (on by default, like a reply to their comment)."""

import pytest
import time_machine
from django.core import mail

from mess.emails import GIST_MOST, subject_line
from mess.mess_changes import mess_change_ask, mess_change_capacities_save, mess_change_window_save, mess_changes_assign
from mess.messages import channel_choices_save, messages_send
from mess.models import MessChangeCapacity, MessChangeWindow
from mess.notifications import notifications_send
from mess.people import profile_language_set
from tests import test_mess_changes
from tests.test_messages import service, subscribe, vapid  # noqa: F401 (the local push service, as fixtures)
from tests.test_notifications import TODAY, feedback, ist


@pytest.fixture
def phones(request):
    """The local push service that decrypts what it takes (tests/push_service.py)."""
    return request.getfixturevalue("service")


def test_an_official_who_chose_critical_feedback_on_their_phone_gets_it_there_too(mess1, official, other_official, admin, phones):
    for person in (official, other_official, admin):
        subscribe(phones, person, person.username)
    channel_choices_save(user=official, choices={("critical", "push"): True})
    channel_choices_save(user=other_official, choices={("critical", "push"): True})  # of another mess
    feedback(mess1, TODAY, "lunch", 1, "Cold dal, again", at=ist(TODAY, 12, 10))

    with time_machine.travel(ist(TODAY, 14), tick=False):
        notifications_send(meal="lunch")
        messages_send()

    [email] = mail.outbox
    [payload] = phones.payloads(official.username)
    assert payload["title"] == email.subject
    assert payload["body"].startswith(subject_line(email.body, GIST_MOST)[:40])
    assert payload["url"] == f"/mess/{mess1.code}/"
    assert phones.payloads(other_official.username) == phones.payloads(admin.username) == []  # another mess; did not choose


def test_the_text_on_a_phone_is_the_start_of_the_email_cut_at_a_word():
    text = "Mess 1: daily report " + "word " * 200
    gist = subject_line(text, GIST_MOST)
    assert len(gist) <= GIST_MOST and gist.endswith("word…")


def test_a_student_is_told_on_their_phone_whether_their_mess_change_was_granted(mess1, mess2, phones):
    window = mess_change_window_save(window=MessChangeWindow(first_day=test_mess_changes.FIRST, last_day=test_mess_changes.LAST))
    mess_change_capacities_save(window=window, capacities=[MessChangeCapacity(mess=mess2, capacity=1)])
    [alice, bob] = test_mess_changes.students(mess1, 2)
    subscribe(phones, alice, "alice")
    subscribe(phones, bob, "bob")
    channel_choices_save(user=bob, choices={("mess_change", "push"): False})
    profile_language_set(user=alice, language="hi")
    mess_change_ask(student=alice, to_mess_id=mess2.pk, reason="Closer to my hostel", today=test_mess_changes.OPEN)

    mess_changes_assign(today=test_mess_changes.AFTER)
    messages_send()

    [payload] = phones.payloads("alice")
    [email] = [e for e in mail.outbox if alice.email in e.to]
    assert payload["title"] == email.subject and any("\u0900" <= c <= "\u097f" for c in payload["title"])  # in Hindi, as the e-mail
    assert payload["url"].endswith("/mess-change/")
    assert phones.payloads("bob") == []
