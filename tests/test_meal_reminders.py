"""What students hear before a meal (mess/meal_reminders.py): the menu, at the time each mess sets,
and a reminder before the absence cut-off; once per student, day and meal, only to those who chose
it, not on closed days, and at each mess's own times."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from django_q.models import Schedule

from mess.absences import absence_skip
from mess.jobs import before_each_cutoff, before_each_menu
from mess.meal_reminders import cutoff_reminders_parts, cutoff_reminders_send, menu_messages_parts, menu_messages_send
from mess.messages import channel_choices_save, messages_send
from mess.messes import mess_save
from mess.models import Closure, MealWindow, OutgoingMessage, RegularMenu, Role
from mess.people import profile_language_set
from scheduling.sync import schedules_sync
from tests.helpers import create_person
from tests.test_messages import service, subscribe, vapid  # noqa: F401 (the local push service, as fixtures)

DAY = datetime.date(2026, 12, 9)  # a Wednesday


def at(day: datetime.date, hh_mm: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.fromisoformat(hh_mm)))


def lunch_starts() -> datetime.time:
    return MealWindow.objects.get(mess=None, meal="lunch").starts_at


def minutes_before(time: datetime.time, minutes: int) -> str:
    moment = datetime.datetime.combine(DAY, time) - datetime.timedelta(minutes=minutes)
    return f"{moment:%H:%M}"


@pytest.fixture
def menu(mess1):
    RegularMenu.objects.create(mess=mess1, weekday=DAY.weekday(), meal="lunch", dishes="Dal\nRice")
    RegularMenu.objects.create(mess=mess1, weekday=DAY.weekday(), meal="lunch", dishes="Chicken curry", is_veg=False)


@pytest.fixture
def phones(request):
    """The local push service that decrypts what it takes (tests/push_service.py)."""
    return request.getfixturevalue("service")


def choosing(phones, user, kind: str):
    subscribe(phones, user, user.username)
    channel_choices_save(user=user, choices={(kind, "push"): True})
    return user


def test_the_menu_reaches_the_students_who_chose_it_at_the_time_the_mess_sets(mess1, student, phones, menu):
    bob = create_person(username="bob", role=Role.STUDENT, mess=mess1)
    subscribe(phones, bob, "bob")  # a browser, but did not ask for menus
    choosing(phones, student, "menu")

    with time_machine.travel(at(DAY, minutes_before(lunch_starts(), 31)), tick=False):
        assert menu_messages_send(meal="lunch") == "the lunch menu of 0 messes told: 0 messages stored"
    with time_machine.travel(at(DAY, minutes_before(lunch_starts(), 30)), tick=False):
        assert menu_messages_send(meal="lunch") == "the lunch menu of 1 mess told: 1 message stored"
        assert menu_messages_send(meal="lunch") == "the lunch menu of 1 mess told: 0 messages stored"  # once
        messages_send()

    [payload] = phones.payloads(student.username)
    assert payload["title"] == f"Lunch at {lunch_starts():%H:%M}"
    assert payload["body"] == "Dal, Rice\nNon-veg: Chicken curry"
    assert phones.payloads("bob") == []
    assert OutgoingMessage.objects.get().key == f"{DAY}:lunch:{mess1.pk}"


def test_a_mess_with_its_own_window_and_minutes_is_told_at_its_own_time(mess1, mess2, student, phones, menu):
    mess1.menu_message_minutes = 60
    mess1.save()
    MealWindow.objects.create(mess=mess1, meal="lunch", starts_at=datetime.time(13, 0), ends_at=datetime.time(15, 0))
    choosing(phones, student, "menu")

    assert "send_menu_messages:lunch@12:00" in [s.name for s in before_each_menu("send_menu_messages")]
    with time_machine.travel(at(DAY, minutes_before(lunch_starts(), 30)), tick=False):
        assert menu_messages_parts({"meal": "lunch"}) == [(mess2.code, mess2.name)]  # the default's time: mess2's
    with time_machine.travel(at(DAY, "12:00"), tick=False):
        assert menu_messages_parts({"meal": "lunch"}) == [(mess1.code, mess1.name)]
        assert menu_messages_send(meal="lunch", mess=mess1.code).endswith("1 message stored")


def test_nothing_is_told_on_a_closed_day_or_of_a_meal_without_dishes(mess1, student, phones, menu):
    choosing(phones, student, "menu")
    with time_machine.travel(at(DAY, minutes_before(lunch_starts(), 10)), tick=False):
        assert menu_messages_send(meal="dinner").startswith("the dinner menu of 0 messes")  # no dinner dishes
        Closure.objects.create(mess=mess1, first_day=DAY, last_day=DAY, reason="Pest control")
        assert menu_messages_send(meal="lunch").startswith("the lunch menu of 0 messes")
    assert not OutgoingMessage.objects.exists()


def test_the_reminder_before_the_cutoff_skips_those_who_said_they_will_not_eat(mess1, student, phones):
    bob = choosing(phones, create_person(username="bob", role=Role.STUDENT, mess=mess1), "cutoff_reminder")
    choosing(phones, student, "cutoff_reminder")
    starts = lunch_starts()
    cutoff = minutes_before(starts, mess1.absence_cutoff_minutes)
    with time_machine.travel(at(DAY, minutes_before(starts, mess1.absence_cutoff_minutes + 90)), tick=False):
        absence_skip(student=bob, date=DAY, meal="lunch")
        assert cutoff_reminders_parts({"meal": "lunch"}) == []
    with time_machine.travel(at(DAY, minutes_before(starts, mess1.absence_cutoff_minutes + 60)), tick=False):
        assert [s.name for s in before_each_cutoff("send_cutoff_reminders") if s.kwargs["meal"] == "lunch"] == [
            f"send_cutoff_reminders:lunch@{minutes_before(starts, mess1.absence_cutoff_minutes + 60)}"
        ]
        assert cutoff_reminders_send(meal="lunch") == "the lunch reminders of 1 mess: 1 message stored"
        messages_send()

    assert phones.payloads("bob") == []
    [payload] = phones.payloads(student.username)
    assert payload["title"] == f"Lunch at {starts:%H:%M}: will you eat?"
    assert payload["body"] == f"You are counted in. If you will not eat, say so before {cutoff}: the kitchen cooks for those who come."


def test_each_student_hears_in_their_language(mess1, student, phones, menu):
    choosing(phones, student, "menu")
    profile_language_set(user=student, language="hi")
    with time_machine.travel(at(DAY, minutes_before(lunch_starts(), 5)), tick=False):
        menu_messages_send(meal="lunch")
        messages_send()
    [payload] = phones.payloads(student.username)
    assert payload["title"] == f"दोपहर का खाना {lunch_starts():%H:%M} बजे"
    assert payload["body"] == "Dal, Rice\nमांसाहारी: Chicken curry"


def test_the_schedules_follow_a_mess_that_changes_its_menu_minutes(mess1, admin):
    schedules_sync()
    mess1.menu_message_minutes = 45
    mess_save(mess=mess1, changed_by=admin)
    names = set(Schedule.objects.filter(name__startswith="send_menu_messages:lunch").values_list("name", flat=True))
    assert names == {f"send_menu_messages:lunch@{minutes_before(lunch_starts(), 45)}"}
