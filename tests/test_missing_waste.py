"""Missing waste: send_waste_reminders stores one WasteReminder per mess, date and meal naming the
floors with no record and e-mails it once to the officials who chose reminders; the dashboard lists
the gaps of the last 7 days until they are filled."""

import datetime
import smtplib
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.models import Schedule

from mess.email_choices import EMAILS_MISSING_WASTE, email_choices_save
from mess.emails import EmailsFailed
from mess.missing_waste import waste_gaps, waste_reminders_send
from mess.models import Closure, Floor, MealWindow, Mess, OutgoingEmail, Role, WasteReminder
from scheduling.models import JobLease, JobRun, Outcome, Trigger
from scheduling.registry import JOBS
from scheduling.runs import job_run
from scheduling.sync import schedules_sync
from tests.factories import waste
from tests.helpers import create_person

TODAY = datetime.date(2026, 3, 10)  # a Tuesday
YESTERDAY = TODAY - datetime.timedelta(days=1)
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))


def ist(date, hour, minute=0):
    return datetime.datetime.combine(date, datetime.time(hour, minute), tzinfo=IST)


@pytest.fixture
def people(official, other_official, admin):
    """An official of each mess (olga of mess1, oscar of mess2) and an admin, all with addresses."""


# What a run stores and e-mails


@time_machine.travel(ist(TODAY, 15), tick=False)
def test_it_reminds_each_messs_officials_of_the_floors_with_no_record(mess1, mess2, ground, people):
    waste(ground, TODAY, "lunch", "4.50")

    summary = waste_reminders_send(meal="lunch")

    assert summary == "2 messes missing waste for lunch of 2026-03-10 (3 floors), 2 e-mails sent"
    reminders = {r.mess.code: r for r in WasteReminder.objects.select_related("mess")}
    assert reminders["mess1"].floors == ["First"] and reminders["mess2"].floors == ["Second", "Third"]
    assert all(r.emailed_at == ist(TODAY, 15) for r in reminders.values())
    assert [m.to for m in mail.outbox] == [["olga@example.org"], ["oscar@example.org"]]  # officials only, not the admins
    first = mail.outbox[0]
    assert first.subject == "[ManageIt] Mess 1: no waste recorded for lunch on Tue 10 Mar by 1 floor"
    assert "- First\n" in first.body and "Ground" not in first.body
    assert "/mess/mess1/waste/" in first.body and "/mess/mess1/waste/" in first.alternatives[0][0]


@time_machine.travel(ist(TODAY, 22, 30), tick=False)
def test_the_lunch_run_is_not_skipped_while_the_dinner_run_holds_its_own_lease(mess1, official):
    # On 6 December two clusters started both at once, and the lunch reminder was skipped for good.
    dinner = JobRun.objects.create(job="send_waste_reminders", trigger="schedule", started_at=ist(TODAY, 22, 30))
    JobLease.objects.create(job="send_waste_reminders meal='dinner'", run=dinner, expires_at=ist(TODAY, 22, 31))

    lunch = job_run(key="send_waste_reminders", trigger=Trigger.SCHEDULE, kwargs={"meal": "lunch"})
    again = job_run(key="send_waste_reminders", trigger=Trigger.SCHEDULE, kwargs={"meal": "dinner"})

    assert lunch.outcome == Outcome.SUCCEEDED and WasteReminder.objects.filter(meal="lunch").exists()
    assert (again.outcome, again.summary) == (
        Outcome.SKIPPED,
        f"skipped: send_waste_reminders meal='dinner' is already running (run {dinner.pk})",
    )


@time_machine.travel(ist(TODAY, 15), tick=False)
def test_a_second_run_stores_and_sends_nothing(mess1, official):
    waste_reminders_send(meal="lunch")

    assert waste_reminders_send(meal="lunch") == "every floor of every open mess recorded waste for lunch of 2026-03-10 or was reminded"
    assert waste_reminders_send(meal="lunch", date=TODAY).startswith("every floor")
    assert WasteReminder.objects.count() == 1 and len(mail.outbox) == 1 and OutgoingEmail.objects.count() == 1


@time_machine.travel(ist(TODAY, 15), tick=False)
def test_a_floor_that_records_after_the_reminder_gets_no_second_one(mess1, ground, first, official):
    waste_reminders_send(meal="lunch")
    waste(ground, TODAY, "lunch", "2")

    waste_reminders_send(meal="lunch")

    assert WasteReminder.objects.get().floors == ["First", "Ground"]
    assert len(mail.outbox) == 1


@time_machine.travel(ist(TODAY, 15), tick=False)
def test_a_mess_whose_floors_all_recorded_is_not_reminded(mess1, ground, first, official):
    waste(ground, TODAY, "lunch", "1")
    waste(first, TODAY, "lunch", "0")  # nothing thrown away is a record too

    waste_reminders_send(meal="lunch")

    assert not WasteReminder.objects.exists() and not mail.outbox


@time_machine.travel(ist(TODAY, 15), tick=False)
def test_closed_and_inactive_messes_are_not_reminded(mess1, mess2, people):
    Closure.objects.create(mess=mess1, first_day=YESTERDAY, last_day=TODAY, reason="Holi")
    Closure.objects.create(mess=mess2, first_day=TODAY - datetime.timedelta(days=20), last_day=YESTERDAY)  # over
    mess3 = Mess.objects.create(code="mess3", name="Mess 3", is_active=False)
    Floor.objects.create(mess=mess3, name="Attic")

    waste_reminders_send(meal="lunch")

    assert list(WasteReminder.objects.values_list("mess__code", flat=True)) == ["mess2"]


@time_machine.travel(ist(TODAY, 15), tick=False)
def test_only_officials_who_chose_reminders_get_them_and_a_mess_without_any_is_still_reminded(mess1, mess2, people):
    create_person(username="omar", role=Role.OFFICIAL, mess=mess1, email="omar@example.org")
    email_choices_save(user=people_official(mess1, "olga"), choices={EMAILS_MISSING_WASTE: False})
    email_choices_save(user=people_official(mess2, "oscar"), choices={EMAILS_MISSING_WASTE: False})

    waste_reminders_send(meal="lunch")

    assert [m.to for m in mail.outbox] == [["omar@example.org"]]
    mess2_reminder = WasteReminder.objects.get(mess=mess2)
    assert (mess2_reminder.email, mess2_reminder.emailed_at) == (None, None)  # on the dashboard alone
    assert waste_gaps(mess=mess2, now=ist(TODAY, 15))[0]["floors"] == ["Second", "Third"]


def people_official(mess, username):
    return mess.profiles.get(user__username=username).user


class FailingForOscar(EmailBackend):
    def send_messages(self, messages):
        if any("oscar@example.org" in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({"oscar@example.org": (450, b"try later")})
        return super().send_messages(messages)


def test_an_e_mail_that_fails_is_sent_by_the_next_run_and_never_twice(mess1, mess2, people, settings):
    settings.EMAIL_BACKEND = "tests.test_missing_waste.FailingForOscar"
    with time_machine.travel(ist(TODAY, 15), tick=False), pytest.raises(EmailsFailed, match="SMTPRecipientsRefused"):
        waste_reminders_send(meal="lunch")
    assert [m.to for m in mail.outbox] == [["olga@example.org"]]
    assert WasteReminder.objects.get(mess=mess2).emailed_at is None
    assert WasteReminder.objects.count() == 2  # both stored, each with its e-mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(ist(TODAY, 19), tick=False):
        summary = waste_reminders_send(meal="snacks")
        assert waste_reminders_send(meal="snacks").startswith("every floor")

    assert summary == "1 e-mail of an earlier run sent; 2 messes missing waste for snacks of 2026-03-10 (4 floors), 2 e-mails sent"
    lunch_to_oscar = [m for m in mail.outbox if m.to == ["oscar@example.org"] and "lunch" in m.subject]
    assert len(lunch_to_oscar) == 1 and len(mail.outbox) == 4
    assert WasteReminder.objects.get(mess=mess2, meal="lunch").emailed_at == ist(TODAY, 19)


# Which day a run looks at


@pytest.mark.parametrize(
    ("now", "meal", "day"),
    [
        (ist(TODAY, 15), "lunch", TODAY),  # the default schedule: an hour after lunch ends at 14:00
        (ist(TODAY, 13), "lunch", YESTERDAY),  # before today's lunch is over: yesterday's
        (ist(TODAY, 0, 30), "dinner", YESTERDAY),  # after midnight, for a dinner that ended late
    ],
)
def test_without_a_date_a_run_takes_the_latest_day_the_meal_is_over(mess1, official, now, meal, day):
    with time_machine.travel(now, tick=False):
        waste_reminders_send(meal=meal)

    assert WasteReminder.objects.get().date == day


def test_it_refuses_an_unknown_meal_a_future_date_or_a_meal_not_over(db):
    with time_machine.travel(ist(TODAY, 13), tick=False):
        with pytest.raises(ValueError, match="unknown meal 'brunch'"):
            waste_reminders_send(meal="brunch")
        with pytest.raises(ValueError, match="2026-03-11 is in the future"):
            waste_reminders_send(meal="lunch", date=TODAY + datetime.timedelta(days=1))
        with pytest.raises(ValueError, match="lunch of 2026-03-10 is not over yet: it ends at 14:00"):
            waste_reminders_send(meal="lunch", date=TODAY)
    assert not WasteReminder.objects.exists()


@time_machine.travel(ist(TODAY, 15), tick=False)
def test_it_uses_as_many_queries_for_six_messes_as_for_two(db, django_assert_num_queries):
    def make_messes(n, prefix):
        for i in range(n):
            mess = Mess.objects.create(code=f"{prefix}{i}", name=f"Mess {prefix}{i}")
            Floor.objects.bulk_create([Floor(mess=mess, name="Ground"), Floor(mess=mess, name="First")])
            create_person(username=f"o-{prefix}{i}", role=Role.OFFICIAL, mess=mess, email=f"o-{prefix}{i}@example.org")

    make_messes(2, "a")
    with CaptureQueriesContext(connection) as two:
        waste_reminders_send(meal="lunch")
    assert len(mail.outbox) == 2
    make_messes(6, "b")
    # and, for each e-mail, its attempt and one write that marks it and its reminder as sent (5 with its savepoint)
    with django_assert_num_queries(len(two.captured_queries) + (6 - 2) * 6):  # six for each e-mail more: its claim among them
        waste_reminders_send(meal="lunch", date=TODAY)
    assert len(mail.outbox) == 2 + 6
    print("queries of a run that reminds 2 messes:", len(two.captured_queries))


# The command and the schedules


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


@time_machine.travel(ist(TODAY, 15), tick=False)
def test_send_waste_reminders_takes_the_meal_in_any_case_and_a_date(mess1, official):
    assert run("send_waste_reminders", "--meal", "Lunch") == "1 mess missing waste for lunch of 2026-03-10 (2 floors), 1 e-mail sent"
    run("send_waste_reminders", "--meal", "lunch", "--date", "2026-03-09")

    assert list(WasteReminder.objects.order_by("date").values_list("date", flat=True)) == [YESTERDAY, TODAY]
    assert JobRun.objects.filter(job="send_waste_reminders").count() == 2


@pytest.mark.parametrize("args", [["--meal", "brunch"], ["--meal", "lunch", "--date", "10-03-2026"], []])
def test_send_waste_reminders_refuses_bad_arguments(db, args):
    with pytest.raises(CommandError):
        call_command("send_waste_reminders", *args)
    assert not JobRun.objects.exists()


def test_its_default_schedules_run_an_hour_after_each_meal_ends(db):
    MealWindow.objects.filter(meal="dinner").update(starts_at=datetime.time(21, 0), ends_at=datetime.time(23, 30))

    crons = {s.name: (s.cron, s.kwargs) for s in JOBS["send_waste_reminders"].defaults()}

    assert crons == {
        "send_waste_reminders:breakfast": ("0 10 * * *", {"meal": "breakfast", "ends_at": "09:00"}),
        "send_waste_reminders:lunch": ("0 15 * * *", {"meal": "lunch", "ends_at": "14:00"}),
        "send_waste_reminders:snacks": ("0 19 * * *", {"meal": "snacks", "ends_at": "18:00"}),
        "send_waste_reminders:dinner": ("30 0 * * *", {"meal": "dinner", "ends_at": "23:30"}),  # after midnight, for the day before
    }


def test_moving_a_meal_window_in_the_admin_moves_its_reminder_with_it(as_admin):
    schedules_sync()
    lunch = MealWindow.objects.get(meal="lunch")

    response = as_admin.post(f"/admin/mess/mealwindow/{lunch.pk}/change/", {"starts_at": "12:30", "ends_at": "14:30"}, follow=True)

    assert Schedule.objects.get(name="send_waste_reminders:lunch").cron == "30 15 * * *"
    assert Schedule.objects.get(name="send_admin_notifications:lunch").cron == "30 14 * * *"
    assert "Moved the schedules send_admin_notifications:lunch, send_waste_reminders:lunch" in response.text


# The gaps on the dashboard


def test_the_gaps_are_the_meals_of_the_last_7_days_over_and_open_with_floors_missing(mess1, ground, first):
    for back in range(8):
        day = TODAY - datetime.timedelta(days=back)
        for meal in ("breakfast", "lunch", "snacks", "dinner"):
            waste(ground, day, meal, "1")
            if back != 2 or meal != "dinner":
                waste(first, day, meal, "1")
    WasteReminder.objects.create(mess=mess1, date=TODAY, meal="breakfast", floors=["First"])  # reminded, then filled: no gap
    Closure.objects.create(mess=mess1, first_day=TODAY - datetime.timedelta(days=4), last_day=TODAY - datetime.timedelta(days=3))
    for back in (3, 4, 7):  # closed days, and a day before the 7
        day = TODAY - datetime.timedelta(days=back)
        first.waste_records.filter(date=day, meal="lunch").delete()
    first.waste_records.filter(date=TODAY, meal__in=["lunch", "dinner"]).delete()  # lunch is over at 15:00, dinner is not

    gaps = waste_gaps(mess=mess1, now=ist(TODAY, 15))

    assert gaps == [
        {"date": TODAY, "meal": "Lunch", "key": "lunch", "floors": ["First"]},
        {"date": TODAY - datetime.timedelta(days=2), "meal": "Dinner", "key": "dinner", "floors": ["First"]},
    ]


def test_a_mess_with_no_record_has_every_meal_over_as_a_gap_and_an_inactive_one_none(mess1, django_assert_num_queries):
    with django_assert_num_queries(3):
        gaps = waste_gaps(mess=mess1, now=ist(TODAY, 10))

    assert len(gaps) == 6 * 4 + 1  # six whole days and today's breakfast
    assert gaps[0] == {"date": TODAY, "meal": "Breakfast", "key": "breakfast", "floors": ["First", "Ground"]}
    assert gaps[-1] == {"date": TODAY - datetime.timedelta(days=6), "meal": "Dinner", "key": "dinner", "floors": ["First", "Ground"]}
    mess1.is_active = False
    assert waste_gaps(mess=mess1, now=ist(TODAY, 10)) == []


@time_machine.travel(ist(TODAY, 15), tick=False)
def test_the_dashboard_lists_the_gaps_until_they_are_filled(as_official, mess1, ground, first):
    for back in range(7):
        for meal in ("breakfast", "lunch", "snacks", "dinner"):
            if back or meal in ("breakfast", "lunch"):
                waste(ground, TODAY - datetime.timedelta(days=back), meal, "1")
                waste(first, TODAY - datetime.timedelta(days=back), meal, "1")
    first.waste_records.filter(date=YESTERDAY, meal="snacks").delete()

    section = as_official.get("/mess/mess1/").text.split('id="waste-gaps"')[1].split("</section>")[0]
    link = '<a class="gap" href="/mess/mess1/waste/?date=2026-03-09&amp;meal=snacks" aria-label="Record the waste of snacks, Mon 9 Mar">'
    assert f"<strong>Mon 9 Mar</strong>: {link}snacks (First)</a></li>" in section  # opens the waste page at the gap's meal
    page = as_official.get("/mess/mess1/waste/?date=2026-03-09&meal=snacks")
    assert page.context["pick"].cleaned_data == {"date": YESTERDAY, "meal": "snacks"}

    waste(first, YESTERDAY, "snacks", "1")
    section = as_official.get("/mess/mess1/").text.split('id="waste-gaps"')[1].split("</section>")[0]
    assert "Every floor recorded its waste" in section
