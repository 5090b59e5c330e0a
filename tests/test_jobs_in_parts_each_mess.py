"""send_waste_reminders, send_cook_sheet and generate_alerts run by the cluster: a task per mess, so
that one mess's broken data leaves the other messes reminded, their kitchens told and their alerts
raised, the run log naming the mess that failed; run twice, nothing is sent twice."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

import mess.alerts
import mess.cook_sheets
import mess.missing_waste
from mess.alerts import alerts_parts
from mess.cook_sheets import cook_sheets_parts
from mess.meals import meal_window_update
from mess.missing_waste import waste_reminders_parts
from mess.models import Alert, CookSheet, Mess, WasteReminder
from scheduling.models import JobRun, Outcome, Trigger
from scheduling.tasks import run_job
from tests.alerts_rows import NOON, TODAY, waste
from tests.test_jobs_in_parts import work_the_queue

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))


def at(hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(TODAY.year, TODAY.month, TODAY.day, hour, minute, tzinfo=IST)


@pytest.fixture
def people(official, other_official, admin):
    """An official of each mess (olga of mess1, oscar of mess2) and an admin, all with addresses."""


def failed_at_mess2(run: JobRun) -> None:
    run.refresh_from_db()
    assert run.outcome == Outcome.FAILED
    assert run.summary.startswith("failed: 1 of 2 parts failed: Mess 2: ValueError: a broken row of mess2"), run.summary
    parts = {p.key: p for p in run.parts.all()}
    assert parts["mess1"].outcome == Outcome.SUCCEEDED
    assert parts["mess2"].outcome == Outcome.FAILED and "a broken row of mess2" in parts["mess2"].traceback


def test_the_reminders_parts_are_the_active_messes_whose_window_ends_then(mess1, mess2):
    meal_window_update(meal="lunch", starts_at=datetime.time(13), ends_at=datetime.time(15), mess=mess2)
    assert waste_reminders_parts({"meal": "lunch"}) == [("mess1", "Mess 1"), ("mess2", "Mess 2")]
    assert waste_reminders_parts({"meal": "lunch", "ends_at": datetime.time(15)}) == [("mess2", "Mess 2")]
    Mess.objects.filter(pk=mess2.pk).update(is_active=False)
    assert waste_reminders_parts({"meal": "lunch", "ends_at": datetime.time(15)}) == []


@time_machine.travel(at(15), tick=False)
def test_waste_reminders_run_a_task_per_mess_and_a_broken_mess_leaves_the_others_reminded(mess1, mess2, people, monkeypatch):
    real = mess.missing_waste._email_context

    def rendering(reminder):
        if reminder.mess.code == "mess2":
            raise ValueError("a broken row of mess2")
        return real(reminder)

    monkeypatch.setattr(mess.missing_waste, "_email_context", rendering)
    run_job("send_waste_reminders", trigger=Trigger.ADMIN, meal="lunch")
    run = JobRun.objects.get()
    assert list(run.parts.values_list("key", flat=True)) == ["mess1", "mess2"]
    work_the_queue()

    assert [m.to for m in mail.outbox] == [["olga@example.org"]]
    failed_at_mess2(run)
    # Mess 2's reminder is neither stored nor half-sent: the next run reminds it, and Mess 1 not again.
    assert list(WasteReminder.objects.values_list("mess__code", flat=True)) == ["mess1"]
    monkeypatch.setattr(mess.missing_waste, "_email_context", real)
    run_job("send_waste_reminders", trigger=Trigger.ADMIN, meal="lunch")
    work_the_queue()
    assert [m.to for m in mail.outbox] == [["olga@example.org"], ["oscar@example.org"]]
    assert JobRun.objects.latest("pk").outcome == Outcome.SUCCEEDED


def test_cook_sheets_run_a_task_per_mess_whose_sheet_is_due_and_a_broken_mess_leaves_the_others_sent(mess1, mess2, monkeypatch):
    Mess.objects.update(kitchen_email="kitchen@example.org")
    with time_machine.travel(at(15), tick=False):
        assert cook_sheets_parts({"meal": "dinner"}) == []  # dinner (19:00) closes at 16:00: no sheet is due
    real = mess.cook_sheets.forecasts

    def forecasting(*, messes, meals):
        if any(m.code == "mess2" for m in messes):
            raise ValueError("a broken row of mess2")
        return real(messes=messes, meals=meals)

    monkeypatch.setattr(mess.cook_sheets, "forecasts", forecasting)
    with time_machine.travel(at(16, 5), tick=False):
        assert cook_sheets_parts({"meal": "dinner"}) == [("mess1", "Mess 1"), ("mess2", "Mess 2")]
        run_job("send_cook_sheet", trigger=Trigger.ADMIN, meal="dinner")
        work_the_queue()
        failed_at_mess2(JobRun.objects.get())
        assert [m.subject for m in mail.outbox] == ["[ManageIt] Mess 1: cook 0 for dinner, Tue 10 Mar"]
        assert list(CookSheet.objects.values_list("mess__code", flat=True)) == ["mess1"]
        # Mess 1's sheet is stored: the next run at the next cut-off hands out Mess 2 alone.
        assert cook_sheets_parts({"meal": "dinner"}) == [("mess2", "Mess 2")]


@time_machine.travel(NOON, tick=False)
def test_alerts_run_a_task_per_mess_and_a_broken_mess_leaves_the_others_raised(mess1, mess2, ground, monkeypatch):
    second = mess2.floors.get(name="Second")
    waste(ground, TODAY, "70.50")
    waste(second, TODAY, "80.00")
    real = mess.alerts._rating_conditions

    def rating(windows):
        if any(m.code == "mess2" for m in windows.by_id.values()):
            raise ValueError("a broken row of mess2")
        return real(windows)

    monkeypatch.setattr(mess.alerts, "_rating_conditions", rating)
    run_job("generate_alerts", trigger=Trigger.ADMIN)
    work_the_queue()

    failed_at_mess2(JobRun.objects.get())
    assert list(Alert.objects.values_list("mess__code", "kind", "subject")) == [("mess1", "high_waste", "Ground")]


@time_machine.travel(NOON, tick=False)
def test_an_inactive_messs_open_alerts_are_a_part_that_resolves_them(mess1, mess2, ground):
    waste(ground, TODAY, "70.50")
    call_command("generate_alerts")  # in its own process, whole, as at a console
    assert Alert.objects.filter(is_open=True).count() == 1
    Mess.objects.filter(pk=mess1.pk).update(is_active=False)
    assert alerts_parts({}) == [("mess1", "Mess 1"), ("mess2", "Mess 2")]
    assert alerts_parts({"mess_code": "mess2"}) == []  # one mess's run runs whole

    run_job("generate_alerts", trigger=Trigger.ADMIN)
    work_the_queue()
    run = JobRun.objects.latest("pk")
    assert run.outcome == Outcome.SUCCEEDED, run.summary
    assert run.summary.startswith("2 parts: Mess 1: 0 active alerts (0 new, 1 resolved) in 0 messes; Mess 2: ")
    assert not Alert.objects.filter(is_open=True).exists()
    assert alerts_parts({}) == [("mess2", "Mess 2")]
