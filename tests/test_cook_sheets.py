"""The cook sheet (mess/cook_sheets.py, the send_cook_sheet job): at each meal's cut-off each mess's
kitchen hears how many will come and what to cook, once per mess, date and meal, never of a closed
day, and never lost to a mail server that fails."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django_q.models import Schedule

from mess.absences import absence_skip
from mess.cook_sheets import cook_sheet_next, cook_sheets_recent, cook_sheets_send
from mess.jobs import at_each_cutoff
from mess.messes import mess_save
from mess.models import Closure, CookedFood, CookSheet, OutgoingEmail, Profile, Role, WasteRecord
from scheduling.sync import schedules_sync
from tests.helpers import create_person

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
TODAY = datetime.date(2026, 3, 10)  # a Tuesday


def at(hour: int, minute: int = 0, day: datetime.date = TODAY) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=IST)


@pytest.fixture
def students(mess1, student):
    """alice and nine more students of mess1."""
    return [student] + [create_person(username=f"s{n}", role=Role.STUDENT, mess=mess1) for n in range(9)]


def test_a_skipped_dinner_reaches_the_kitchen_at_the_cut_off_with_one_fewer_signed_up(mess1, students, official, settings):
    mess1.kitchen_email = "kitchen@mess1.example.org"
    mess1.save()
    with time_machine.travel(at(10), tick=False):
        absence_skip(student=students[0], date=TODAY, meal="dinner")
    with time_machine.travel(at(15, 59), tick=False):
        assert cook_sheets_send(meal="dinner").startswith("0 cook sheets")  # dinner (19:00) closes at 16:00
    with time_machine.travel(at(16), tick=False):
        summary = cook_sheets_send(meal="dinner")

    sheet = CookSheet.objects.get()
    assert summary == "1 cook sheet of dinner (2026-03-10), 1 e-mail sent"
    assert (sheet.students, sheet.absent, sheet.signed_up, sheet.forecast) == (10, 1, 9, 9)
    assert sheet.to_cook == 10  # 9 and a 5 % margin, rounded up
    assert sheet.explanation == "expected 9: the 9 signed up (no head count recorded yet to learn from)"
    (message,) = mail.outbox
    assert message.to == ["kitchen@mess1.example.org", "olga@example.org"]
    assert message.subject == "[ManageIt] Mess 1: cook 10 for dinner, Tue 10 Mar"
    assert "Signed up: 9 of the 10 students; 1 said they will not eat." in message.body


def test_a_second_run_sends_nothing_and_resend_sends_the_stored_sheet_again(mess1, students, official):
    with time_machine.travel(at(16, 5), tick=False):
        cook_sheets_send(meal="dinner")
        absence_skip(student=students[1], date=TOMORROW, meal="dinner")  # the next day's: not this sheet's
        assert cook_sheets_send(meal="dinner").startswith("0 cook sheets")
        resent = cook_sheets_send(meal="dinner", date=TODAY, resend=True)

    assert resent == "0 cook sheets of dinner (2026-03-10), 1 e-mail sent"
    assert len(mail.outbox) == 2 and mail.outbox[0].body == mail.outbox[1].body
    assert CookSheet.objects.count() == 1


TOMORROW = TODAY + datetime.timedelta(days=1)


def test_a_closed_day_has_no_sheet_and_tells_nobody(mess1, students, official):
    Closure.objects.create(mess=mess1, first_day=TODAY, last_day=TODAY, reason="Holi")
    with time_machine.travel(at(16, 5), tick=False):
        summary = cook_sheets_send(meal="dinner")

    assert summary == "0 cook sheets of dinner (2026-03-10), 0 e-mails sent, 1 mess closed"
    assert not CookSheet.objects.exists() and mail.outbox == []


def test_officials_who_chose_not_to_get_sheets_get_none_and_admins_never_do(mess1, students, official, admin):
    Profile.objects.filter(user=official).update(emails_cook_sheet=False)
    with time_machine.travel(at(16, 5), tick=False):
        cook_sheets_send(meal="dinner")

    assert CookSheet.objects.count() == 1 and mail.outbox == []  # kept for the dashboard, told to nobody


def test_a_cut_off_that_reaches_back_past_midnight_sends_tomorrows_breakfast_the_evening_before(mess1, students, official):
    mess1.absence_cutoff_minutes = 10 * 60  # breakfast at 07:00: its sheet at 21:00 the evening before
    mess1.save()
    with time_machine.travel(at(21), tick=False):
        cook_sheets_send(meal="breakfast")
        assert cook_sheet_next(mess=mess1, now=at(21)).date == TOMORROW

    assert CookSheet.objects.get().date == TOMORROW


def test_the_sheet_says_kilograms_where_the_mess_records_what_it_cooks(mess1, students, official, ground):
    for weeks in range(1, 5):
        day = TODAY - datetime.timedelta(weeks=weeks)
        CookedFood.objects.create(mess=mess1, date=day, meal="dinner", kg=Decimal("4.00"))
        WasteRecord.objects.create(floor=ground, date=day, meal="dinner", total_kg=Decimal("1"), diners=8)
    with time_machine.travel(at(16, 5), tick=False):
        cook_sheets_send(meal="dinner")

    sheet = CookSheet.objects.get()
    assert sheet.forecast == 8  # 10 signed up × 80 % who came on recent Tuesday dinners
    assert (sheet.to_cook, sheet.cook_kg) == (9, Decimal("4.5"))  # 0.5 kg cooked a diner


def test_a_sheet_the_mail_server_refused_goes_out_with_the_next_run_as_stored(mess1, students, official, settings):
    settings.EMAIL_BACKEND = "tests.test_derived.MailServerDown"
    with time_machine.travel(at(16, 5), tick=False), pytest.raises(Exception, match="not sent, left for the next run"):
        cook_sheets_send(meal="dinner")
    assert CookSheet.objects.get().emailed_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(at(16, 10), tick=False):
        summary = cook_sheets_send(meal="dinner")

    assert summary.startswith("1 e-mail of an earlier run sent; 0 cook sheets")
    assert CookSheet.objects.get().emailed_at is not None and OutgoingEmail.objects.get().sent_at is not None


def test_the_command_runs_the_job_and_refuses_resend_without_a_date(mess1, students, official):
    with time_machine.travel(at(16, 5), tick=False):
        call_command("send_cook_sheet", meal="dinner")
        with pytest.raises(CommandError, match="--resend needs the --date"):
            call_command("send_cook_sheet", meal="dinner", resend=True)
    assert CookSheet.objects.count() == 1


def test_there_is_a_schedule_at_each_meals_cut_off_of_each_messs_cut_off(mess1, mess2):
    mess2.absence_cutoff_minutes = 120
    mess2.save()

    crons = {d.name: d.cron for d in at_each_cutoff("send_cook_sheet")}

    assert crons["send_cook_sheet:lunch:180m"] == "0 9 * * *"
    assert crons["send_cook_sheet:lunch:120m"] == "0 10 * * *"
    assert crons["send_cook_sheet:breakfast:180m"] == "0 4 * * *"
    assert len(crons) == 8


def test_the_dashboard_sets_each_forecast_beside_the_head_count_recorded_afterwards(mess1, students, official, ground, first):
    with time_machine.travel(at(16, 5, TODAY - datetime.timedelta(days=1)), tick=False):
        cook_sheets_send(meal="dinner")
    WasteRecord.objects.create(floor=ground, date=TODAY - datetime.timedelta(days=1), meal="dinner", total_kg=Decimal("2"), diners=4)
    WasteRecord.objects.create(floor=first, date=TODAY - datetime.timedelta(days=1), meal="dinner", total_kg=Decimal("2"), diners=3)

    (row,) = cook_sheets_recent(mess=mess1, today=TODAY)

    assert (row["sheet"].forecast, row["came"], row["error"]) == (10, 7, -3)


def test_a_messs_new_cut_off_brings_its_schedules_and_the_one_no_mess_has_any_more_goes(mess1, mess2, admin):
    schedules_sync()
    for mess in (mess1, mess2):
        mess.absence_cutoff_minutes = 120
        mess_save(mess=mess, changed_by=admin)

    names = set(Schedule.objects.filter(name__startswith="send_cook_sheet:").values_list("name", flat=True))
    assert names == {f"send_cook_sheet:{meal}:120m" for meal in ("breakfast", "lunch", "snacks", "dinner")}
    assert Schedule.objects.get(name="send_cook_sheet:lunch:120m").cron == "0 10 * * *"
