"""Each mess's own meal windows: a mess with its own window of a meal follows it, every other the
default; which meals have started, the notifications, the missing-waste reminders and the cook sheets
follow the mess's window, and the schedules follow the windows (one per job and distinct time)."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django_q.models import Schedule

from mess.absences import absence_skip
from mess.alerts import alert_conditions
from mess.meals import meal_window_remove, meal_window_update, meal_windows, meals_of_today, windows_read
from mess.missing_waste import waste_reminders_send
from mess.models import Floor, MealWindow, Mess, Role, WasteReminder
from mess.notifications import notifications_send
from mess.refusals import Refused
from mess.waste import waste_meal_check
from scheduling.schedules import schedule_kwargs
from scheduling.sync import schedules_sync
from tests.admin_rows import admin_url, field_errors
from tests.factories import feedback as entry
from tests.factories import waste
from tests.helpers import create_person

TODAY = datetime.date(2026, 3, 10)
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
T = datetime.time


def ist(date, hour, minute=0):
    return datetime.datetime.combine(date, T(hour, minute), tzinfo=IST)


@pytest.fixture
def late_lunch(mess2):
    """mess2 serves lunch from 13:00 to 15:00; mess1 keeps the default, 12:00 to 14:00."""
    meal_window_update(meal="lunch", starts_at=T(13, 0), ends_at=T(15, 0), mess=mess2)
    return mess2


def hours(windows):
    return {w.meal: (w.starts_at, w.ends_at) for w in windows}


# Which window applies


def test_a_mess_follows_its_own_window_of_a_meal_and_the_default_of_the_others(mess1, late_lunch):
    assert hours(meal_windows(mess=late_lunch))["lunch"] == (T(13, 0), T(15, 0))
    assert hours(meal_windows(mess=late_lunch))["dinner"] == hours(meal_windows())["dinner"]
    assert hours(meal_windows(mess=mess1)) == hours(meal_windows()) == hours(meal_windows(mess=None))
    assert hours(meal_windows())["lunch"] == (T(12, 0), T(14, 0))
    windows = windows_read()
    assert windows.window(late_lunch.pk, "lunch").mess_id == late_lunch.pk
    assert windows.window(mess1.pk, "lunch").is_default


def test_all_the_windows_of_every_mess_are_read_in_one_query(mess1, late_lunch):
    for n in range(5):
        mess = Mess.objects.create(code=f"m{n}", name=f"M {n}")
        meal_window_update(meal="dinner", starts_at=T(20, n), ends_at=T(22, 0), mess=mess)
    with CaptureQueriesContext(connection) as queries:
        windows = windows_read()
        picked = [windows.of(m.pk) for m in Mess.objects.all()]
    assert len(queries) == 2  # the windows, the messes
    assert len(picked) == 7 and all(len(w) == 4 for w in picked)


def test_a_meal_has_started_by_the_messs_own_window(mess1, late_lunch):
    at = ist(TODAY, 12, 30)
    assert "lunch" in [w.meal for w in meals_of_today(now=at, mess=mess1)[0]]
    assert "lunch" in [w.meal for w in meals_of_today(now=at, mess=late_lunch)[1]]
    waste_meal_check(date=TODAY, meal="lunch", now=at, mess=mess1)
    with pytest.raises(ValueError, match="Lunch of Tue 10 Mar 2026 has not started yet \\(it starts at 13:00\\)"):
        waste_meal_check(date=TODAY, meal="lunch", now=at, mess=late_lunch)


def test_the_absence_cut_off_follows_the_messs_own_window(mess1, late_lunch):
    alice = create_person(username="alice", role=Role.STUDENT, mess=mess1)
    bob = create_person(username="bob", role=Role.STUDENT, mess=late_lunch)
    at = ist(TODAY, 9, 30)  # after mess1's cut-off (12:00 less 3 hours), before mess2's (13:00 less 3 hours)
    with pytest.raises(ValueError, match="planned it at 09:00"):
        absence_skip(student=alice, date=TODAY, meal="lunch", now=at)
    assert absence_skip(student=bob, date=TODAY, meal="lunch", now=at)


# The rules of the windows


def test_a_messs_own_window_may_not_overlap_its_other_meals(mess1):
    with pytest.raises(Refused, match="overlaps snacks \\(17:00 to 18:00\\)"):
        meal_window_update(meal="lunch", starts_at=T(13, 0), ends_at=T(17, 30), mess=mess1)
    with pytest.raises(Refused, match="not after it starts"):
        meal_window_update(meal="lunch", starts_at=T(13, 0), ends_at=T(13, 0), mess=mess1)
    assert not MealWindow.objects.filter(mess=mess1).exists()


def test_a_default_may_not_move_onto_a_messs_own_window(mess1):
    meal_window_update(meal="snacks", starts_at=T(15, 0), ends_at=T(16, 0), mess=mess1)
    with pytest.raises(Refused, match="overlaps snacks at mess1, which has its own \\(15:00 to 16:00\\)"):
        meal_window_update(meal="lunch", starts_at=T(12, 0), ends_at=T(15, 30))
    assert hours(meal_windows())["lunch"] == (T(12, 0), T(14, 0))


def test_a_mess_has_one_window_per_meal_and_the_defaults_stay(mess1, late_lunch):
    meal_window_update(meal="lunch", starts_at=T(13, 30), ends_at=T(15, 0), mess=late_lunch)  # moved, not a second one
    assert MealWindow.objects.filter(mess=late_lunch).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        MealWindow.objects.create(mess=late_lunch, meal="lunch", starts_at=T(13, 0), ends_at=T(14, 0))
    with pytest.raises(Refused, match="default window stays"):
        meal_window_remove(window=MealWindow.objects.get(mess=None, meal="lunch"))
    meal_window_remove(window=MealWindow.objects.get(mess=late_lunch))
    assert hours(meal_windows(mess=late_lunch)) == hours(meal_windows())
    assert MealWindow.objects.filter(mess=None).count() == 4


# The schedules follow the windows


def crons(prefix):
    return {s.name: (s.cron, schedule_kwargs(s)) for s in Schedule.objects.filter(name__startswith=prefix)}


def test_a_messs_own_end_time_brings_its_own_schedules_and_takes_them_away_again(mess1, mess2):
    schedules_sync()
    moved = meal_window_update(meal="lunch", starts_at=T(13, 0), ends_at=T(15, 0), mess=mess2)

    assert crons("send_admin_notifications:lunch") == {
        "send_admin_notifications:lunch": ("0 14 * * *", {"meal": "lunch", "ends_at": "14:00"}),
        "send_admin_notifications:lunch@15:00": ("0 15 * * *", {"meal": "lunch", "ends_at": "15:00"}),
    }
    assert crons("send_waste_reminders:lunch")["send_waste_reminders:lunch@15:00"] == ("0 16 * * *", {"meal": "lunch", "ends_at": "15:00"})
    assert crons("send_cook_sheet:lunch")["send_cook_sheet:lunch:180m@13:00"] == ("0 10 * * *", {"meal": "lunch"})
    assert sorted(moved) == [
        "send_admin_notifications:lunch@15:00",
        "send_cook_sheet:lunch:180m@13:00",
        "send_cutoff_reminders:lunch@09:00",  # an hour before its cut-off, 10:00
        "send_menu_messages:lunch@12:30",  # its menu, 30 minutes before it starts
        "send_waste_reminders:lunch@15:00",
    ]

    # A second mess at the same time needs no other schedule: one per job and time.
    mess3 = Mess.objects.create(code="mess3", name="Mess 3")
    assert meal_window_update(meal="lunch", starts_at=T(13, 0), ends_at=T(15, 0), mess=mess3) == []

    meal_window_remove(window=MealWindow.objects.get(mess=mess2))
    assert "send_admin_notifications:lunch@15:00" in crons("send_admin_notifications:lunch")
    meal_window_remove(window=MealWindow.objects.get(mess=mess3))
    assert list(crons("send_admin_notifications:lunch")) == ["send_admin_notifications:lunch"]
    assert list(crons("send_waste_reminders:lunch")) == ["send_waste_reminders:lunch"]
    assert list(crons("send_menu_messages:lunch")) == ["send_menu_messages:lunch@11:30"]  # the default window's
    assert (
        not Schedule.objects.filter(name__contains="@")
        .exclude(name__startswith="send_menu_messages")
        .exclude(name__startswith="send_cutoff_reminders")
        .exists()
    )


def test_the_default_schedule_takes_over_a_time_the_default_window_moves_to(mess1, late_lunch):
    schedules_sync()
    meal_window_update(meal="lunch", starts_at=T(12, 0), ends_at=T(15, 0))  # the default now ends when mess2's does

    assert crons("send_waste_reminders:lunch") == {"send_waste_reminders:lunch": ("0 16 * * *", {"meal": "lunch", "ends_at": "15:00"})}


# The jobs run the messes whose window it is


def test_each_messs_reminder_comes_an_hour_after_its_own_lunch(mess1, late_lunch):
    with time_machine.travel(ist(TODAY, 15), tick=False):
        assert (
            waste_reminders_send(meal="lunch", ends_at=T(14, 0))
            == "1 mess missing waste for lunch of 2026-03-10 ending at 14:00 (2 floors), 0 e-mails sent"
        )
        assert waste_reminders_send(meal="lunch", ends_at=T(17, 0)) == "no active mess's lunch ends at 17:00"
    assert list(WasteReminder.objects.values_list("mess__code", flat=True)) == ["mess1"]
    with time_machine.travel(ist(TODAY, 16), tick=False):
        waste_reminders_send(meal="lunch", ends_at=T(15, 0))
    assert sorted(WasteReminder.objects.values_list("mess__code", "date")) == [("mess1", TODAY), ("mess2", TODAY)]


def test_a_run_by_hand_reminds_each_mess_of_its_own_last_lunch_over(mess1, late_lunch):
    with time_machine.travel(ist(TODAY, 14, 30), tick=False):
        waste_reminders_send(meal="lunch")  # mess2's lunch of today is still being served: yesterday's
    assert sorted(WasteReminder.objects.values_list("mess__code", "date")) == [
        ("mess1", TODAY),
        ("mess2", TODAY - datetime.timedelta(days=1)),
    ]
    with time_machine.travel(ist(TODAY, 14, 30), tick=False), pytest.raises(ValueError, match="not over yet at mess2: it ends at 15:00"):
        waste_reminders_send(meal="lunch", date=TODAY)


def test_each_messs_critical_feedback_goes_out_when_its_own_lunch_ends(mess1, late_lunch, admin):
    with time_machine.travel(ist(TODAY, 12, 30), tick=False):
        entry(mess1, TODAY, "lunch", 1, "Dal was cold")
    with time_machine.travel(ist(TODAY, 13, 30), tick=False):
        entry(late_lunch, TODAY, "lunch", 1, "Rice was raw")
    with time_machine.travel(ist(TODAY, 14), tick=False):
        notifications_send(meal="lunch", ends_at=T(14, 0))
        notifications_send(meal="lunch")  # by hand: mess2's lunch is still being served, and not covered
    assert [m.subject for m in mail.outbox] == ["[ManageIt] Mess 1: 1 critical feedback on lunch, Tue 10 Mar 2026"]
    with time_machine.travel(ist(TODAY, 15), tick=False):
        notifications_send(meal="lunch", ends_at=T(15, 0))
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["[ManageIt] Mess 1", "[ManageIt] Mess 2"]


# Django admin


def test_an_admin_gives_a_mess_its_own_lunch_and_the_list_says_which_applies(as_admin, mess1, mess2):
    response = as_admin.post(admin_url(MealWindow, "add"), {"mess": mess2.pk, "meal": "lunch", "starts_at": "13:00", "ends_at": "15:00"})

    assert response.status_code == 302
    assert hours(meal_windows(mess=mess2))["lunch"] == (T(13, 0), T(15, 0))
    listing = as_admin.get(admin_url(MealWindow, "changelist")).text
    assert "mess2 only (its own)" in listing and "every mess without its own (default)" in listing
    own = MealWindow.objects.get(mess=mess2)
    assert as_admin.post(admin_url(MealWindow, "delete", own.pk), {"post": "yes"}).status_code == 302
    assert not MealWindow.objects.filter(mess=mess2).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"meal": "lunch", "starts_at": "13:00", "ends_at": "17:30"}, "starts_at", "overlaps snacks (17:00 to 18:00)"),
        ({"meal": "lunch", "starts_at": "15:00", "ends_at": "13:00"}, "ends_at", "It ends at 13:00, not after it starts at 15:00"),
        ({"meal": "lunch", "starts_at": "13:00", "ends_at": "15:00", "mess": ""}, "mess", "Choose the mess these hours are for"),
    ],
)
def test_the_admin_refuses_an_own_window_that_overlaps_or_ends_before_it_starts(as_admin, mess1, data, field, message):
    response = as_admin.post(admin_url(MealWindow, "add"), {"mess": mess1.pk, **data})

    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field)), response.context["adminform"].form.errors
    assert not MealWindow.objects.filter(mess__isnull=False).exists()


def test_the_admin_refuses_a_second_own_window_of_a_meal(as_admin, late_lunch):
    response = as_admin.post(
        admin_url(MealWindow, "add"), {"mess": late_lunch.pk, "meal": "lunch", "starts_at": "12:30", "ends_at": "14:30"}
    )

    assert response.status_code == 200
    assert any("has its own window of this meal already" in e for e in field_errors(response, "meal"))


def test_todays_waste_counts_in_a_messs_daily_figures_once_its_own_last_meal_is_over(mess1, mess2):
    meal_window_update(meal="dinner", starts_at=T(19, 0), ends_at=T(22, 0), mess=mess2)
    for floor in Floor.objects.filter(name__in=["Ground", "Second"]):
        waste(floor, TODAY, "lunch", "60")

    _, found = alert_conditions(as_of=TODAY, now=ist(TODAY, 21, 30))  # mess1's dinner is over, mess2's is not

    assert [(c["mess"].code, c["kind"], c["subject"]) for c in found] == [("mess1", "high_waste", "Ground")]


def test_sync_schedules_removes_the_schedules_of_a_time_no_window_needs_any_more(mess1, late_lunch):
    schedules_sync()
    assert Schedule.objects.filter(name="send_waste_reminders:lunch@15:00").exists()
    MealWindow.objects.filter(mess=late_lunch).delete()  # as when the mess itself is deleted

    result = schedules_sync()

    assert sorted(result.removed) == [
        "send_admin_notifications:lunch@15:00",
        "send_cook_sheet:lunch:180m@13:00",
        "send_cutoff_reminders:lunch@09:00",
        "send_menu_messages:lunch@12:30",
        "send_waste_reminders:lunch@15:00",
    ]
    assert schedules_sync().removed == []
