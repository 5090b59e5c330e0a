"""The jobs' management commands: thin interfaces that print a summary, record the run and exit
non-zero on bad input or failure. The jobs' logic is tested in test_job_<name>.py."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from mess.models import Alert, DailyReport, Feedback, Notification, TemporaryMenu, WasteRecord
from scheduling.models import JobRun, Outcome, Trigger
from tests.helpers import start

NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
TODAY = NOON.date()


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False):
        yield


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_cleanup_old_menu_deletes_past_menus_and_records_the_run(mess1):
    TemporaryMenu.objects.create(mess=mess1, date=TODAY - dt.timedelta(days=1), meal="lunch", dishes="Rajma")
    TemporaryMenu.objects.create(mess=mess1, date=TODAY, meal="lunch", dishes="Chole")

    assert "1 temporary menu" in run("cleanup_old_menu", "--dry-run")
    assert TemporaryMenu.objects.count() == 2

    summary = run("cleanup_old_menu")
    assert summary.startswith("deleted 1 temporary menu")
    assert list(TemporaryMenu.objects.values_list("date", flat=True)) == [TODAY]
    last = JobRun.objects.filter(job="cleanup_old_menu").latest("pk")
    assert (last.trigger, last.outcome, last.summary) == (Trigger.COMMAND, Outcome.SUCCEEDED, summary)


def test_generate_alerts_prints_the_active_alerts_as_json(mess1, ground, first):
    WasteRecord.objects.create(floor=ground, date=TODAY, meal="lunch", total_kg=Decimal("50.01"))
    WasteRecord.objects.create(floor=first, date=TODAY, meal="lunch", total_kg=Decimal("50.00"))

    alerts = json.loads(run("generate_alerts", "--json"))

    assert alerts == [
        {
            "mess": "mess1",
            "kind": "high_waste",
            "subject": "Ground",
            "value": 50.01,
            "threshold": 50.0,
            "window_start": "2026-03-04",
            "window_end": "2026-03-10",
        }
    ]
    assert Alert.objects.filter(is_open=True).count() == 1


def test_generate_alerts_as_of_a_past_date_stores_nothing(mess1, ground):
    WasteRecord.objects.create(floor=ground, date=TODAY - dt.timedelta(days=20), meal="dinner", total_kg=Decimal("80"))

    alerts = json.loads(run("generate_alerts", "--as-of", "2026-02-20", "--json"))

    assert [(a["subject"], a["window_end"]) for a in alerts] == [("Ground", "2026-02-20")]
    assert not Alert.objects.exists()
    assert not JobRun.objects.exists()


def test_generate_alerts_refuses_an_unknown_mess(mess1):
    with pytest.raises(CommandError, match="nomess"):
        call_command("generate_alerts", "--mess", "nomess")
    assert JobRun.objects.get().outcome == Outcome.FAILED


def test_send_admin_notifications_takes_the_meal_in_any_case(mess1, student, official):
    Feedback.objects.create(student=student, mess=mess1, date=TODAY, meal="breakfast", rating=1, comment="Cold idli")

    summary = run("send_admin_notifications", "--meal", "Breakfast")

    assert summary
    assert Notification.objects.get().critical_count == 1
    assert len(mail.outbox) == 1
    run("send_admin_notifications", "--meal", "breakfast")
    assert len(mail.outbox) == 1  # nothing new to send


@pytest.mark.parametrize("args", [["--meal", "brunch"], ["--meal", "lunch", "--date", "10-03-2026"], []])
def test_send_admin_notifications_refuses_bad_arguments(db, args):
    with pytest.raises(CommandError):
        call_command("send_admin_notifications", *args)
    assert not JobRun.objects.exists()


def test_send_daily_report_for_a_date_and_resend(mess1, official, ground):
    WasteRecord.objects.create(floor=ground, date=TODAY - dt.timedelta(days=3), meal="lunch", total_kg=Decimal("7.5"), diners=150)

    run("send_daily_report", "--date", "2026-03-07")
    assert DailyReport.objects.get().date == dt.date(2026, 3, 7)
    assert len(mail.outbox) == 1
    run("send_daily_report", "--date", "2026-03-07")
    assert len(mail.outbox) == 1
    run("send_daily_report", "--date", "2026-03-07", "--resend")
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failed_job_exits_non_zero_from_the_shell():
    process = start(["manage.py", "generate_alerts", "--mess", "nomess"])
    output = process.communicate(timeout=60)[0]
    assert process.returncode == 1
    assert "nomess" in output and "Traceback" not in output
    assert JobRun.objects.get().outcome == Outcome.FAILED
