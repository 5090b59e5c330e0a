"""Default schedules from the registry, kept by sync_schedules without undoing admins' edits, and
fired by django-q2's scheduler in local time, once after downtime."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command, get_commands
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ, Schedule

from mess.models import MealWindow
from scheduling.models import JobRun, Trigger
from scheduling.registry import JOBS
from scheduling.scheduler import heartbeat, schedules_start_due
from scheduling.services import RUNNER, schedule_job_key, schedule_kwargs, schedule_next_runs, schedules_sync
from scheduling.tasks import run_job
from tests.helpers import schedule_run_failed

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def test_every_job_is_a_management_command_of_its_app_with_help(capsys):
    commands = get_commands()
    for key, job in JOBS.items():
        assert commands[key] == job.func.__module__.partition(".")[0]
        with pytest.raises(SystemExit):
            call_command(key, "--help")
        assert job.description in " ".join(capsys.readouterr().out.split())


def test_it_creates_the_default_schedules(db):
    result = schedules_sync()
    schedules = {s.name: s for s in Schedule.objects.all()}
    assert sorted(result.created) == sorted(schedules)
    assert {name: s.cron for name, s in schedules.items()} == {
        "cleanup_old_menu": "0 0 * * *",
        "generate_alerts": "0 * * * *",
        "send_admin_notifications:breakfast": "0 9 * * *",
        "send_admin_notifications:lunch": "0 14 * * *",
        "send_admin_notifications:snacks": "0 18 * * *",
        "send_admin_notifications:dinner": "0 21 * * *",
        "send_waste_reminders:breakfast": "0 10 * * *",
        "send_waste_reminders:lunch": "0 15 * * *",
        "send_waste_reminders:snacks": "0 19 * * *",
        "send_waste_reminders:dinner": "0 22 * * *",
        "send_daily_report": "0 7 * * *",
        "refresh_day_totals": "5 * * * *",
        "prune_job_runs": "30 0 * * *",
    }
    lunch = schedules["send_admin_notifications:lunch"]
    assert (lunch.func, schedule_job_key(lunch), schedule_kwargs(lunch)) == (RUNNER, "send_admin_notifications", {"meal": "lunch"})
    assert all(s.schedule_type == Schedule.CRON and s.repeats == -1 for s in schedules.values())


def test_notification_schedules_follow_the_meal_windows(db):
    MealWindow.objects.filter(meal="snacks").update(starts_at=dt.time(16, 0), ends_at=dt.time(17, 45))
    schedules_sync()
    assert Schedule.objects.get(name="send_admin_notifications:snacks").cron == "45 17 * * *"


def test_a_second_sync_changes_nothing_and_keeps_admin_edits(db):
    schedules_sync()
    Schedule.objects.filter(name="send_daily_report").update(cron="30 6 * * *", kwargs="{'resend': True}", repeats=0)
    before = list(Schedule.objects.order_by("pk").values())
    out = io.StringIO()
    call_command("sync_schedules", stdout=out)
    assert out.getvalue().strip() == "created 0 schedules, 13 already there"
    assert list(Schedule.objects.order_by("pk").values()) == before


def test_it_reports_schedules_whose_job_no_longer_exists(db):
    schedules_sync()
    Schedule.objects.create(name="weekly_menu_mail", func=RUNNER, args="'weekly_menu_mail'", schedule_type=Schedule.CRON, cron="0 8 * * 1")
    err = io.StringIO()
    call_command("sync_schedules", stdout=io.StringIO(), stderr=err)
    assert "schedule weekly_menu_mail runs no known job" in err.getvalue()
    assert schedules_sync().orphaned == ["weekly_menu_mail"]


def queued_jobs() -> list[str]:
    return [t.task["args"][0] for t in OrmQ.objects.all()]


# transactional: django-q2's scheduler closes the connection, which would end a test's transaction
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_midnight_schedule_fires_at_1830_utc_the_day_before():
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)):
        schedules_sync()
        cleanup = Schedule.objects.get(name="cleanup_old_menu")
        assert cleanup.next_run == dt.datetime(2026, 3, 1, 18, 30, tzinfo=dt.UTC)
        assert schedule_next_runs(cron="0 0 * * *", count=2) == [
            dt.datetime(2026, 3, 2, 0, 0, tzinfo=IST),
            dt.datetime(2026, 3, 3, 0, 0, tzinfo=IST),
        ]
    with time_machine.travel(dt.datetime(2026, 3, 1, 18, 29, 59, tzinfo=dt.UTC)):
        schedules_start_due(broker=get_broker())
        assert "cleanup_old_menu" not in queued_jobs()
    with time_machine.travel(dt.datetime(2026, 3, 1, 18, 30, 1, tzinfo=dt.UTC)):
        schedules_start_due(broker=get_broker())
        assert queued_jobs().count("cleanup_old_menu") == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_after_downtime_each_job_runs_once_not_once_per_missed_slot():
    with time_machine.travel(dt.datetime(2026, 3, 1, 4, 0, tzinfo=dt.UTC)):
        schedules_sync()
    # the cluster was down for three days
    with time_machine.travel(dt.datetime(2026, 3, 4, 4, 10, tzinfo=dt.UTC)):
        schedules_start_due(broker=get_broker())
        assert OrmQ.objects.count() == Schedule.objects.count() == 13
        assert all(s.next_run > timezone.now() for s in Schedule.objects.all())
        schedules_start_due(broker=get_broker())
        assert OrmQ.objects.count() == 13


def test_jobs_shows_each_schedule_its_next_run_and_own_last_outcome(db):
    with time_machine.travel(dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)):  # 05:30 in Kolkata
        schedules_sync()
        Schedule.objects.filter(name="generate_alerts").update(repeats=0)
        prune = Schedule.objects.get(name="prune_job_runs")
        run_job("prune_job_runs", trigger="schedule", schedule_id=prune.pk)
        out = io.StringIO()
        call_command("jobs", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["SCHEDULE", "JOB", "WHEN", "NEXT", "RUN", "LAST", "RUN", "OUTCOME", "TOOK"]
    rows = {line.split()[0]: line for line in lines[1:] if not line.startswith("!")}
    assert set(rows) == set(Schedule.objects.values_list("name", flat=True))
    assert "At 07:00" in rows["send_daily_report"] and "2026-03-01 07:00" in rows["send_daily_report"]
    assert "paused" in rows["generate_alerts"]
    assert "2026-03-01 05:30  succeeded" in rows["prune_job_runs"]
    assert "never" in rows["send_admin_notifications:lunch"]
    assert lines[-1].startswith("! no cluster is running the jobs (never seen)")


def check() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("jobs", "--check", stdout=out, stderr=err)
    except CommandError as e:
        return e.returncode, str(e)
    return 0, out.getvalue()


def test_jobs_check_says_when_the_cluster_is_down_a_schedule_late_broken_or_failing(db):
    start = dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)  # 05:30 in Kolkata
    with time_machine.travel(start, tick=False):
        schedules_sync()
        assert check() == (1, "no cluster is running the jobs (never seen): start one with `manage.py qcluster`")
        heartbeat(cluster="host:1", started_at=timezone.now())
        code, text = check()
        assert code == 0 and "all 13 schedules on time" in text
    # 06:00 came and went: the hourly schedule is due, and within the grace period nobody worries
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        heartbeat(cluster="host:1", started_at=start)
        assert check()[0] == 0
    with time_machine.travel(start + dt.timedelta(minutes=32, seconds=1), tick=False):
        heartbeat(cluster="host:1", started_at=start)
        assert check() == (1, "generate_alerts is late: it was due at 2026-03-01 06:00")
    with time_machine.travel(start + dt.timedelta(minutes=34, seconds=2), tick=False):
        assert check() == (
            1,
            "no cluster is running the jobs (last seen 2026-03-01 06:02:01): start one with `manage.py qcluster`\n"
            "generate_alerts is late: it was due at 2026-03-01 06:00",
        )
        heartbeat(cluster="host:1", started_at=start)
        schedules_start_due()  # the cluster is back: the late schedule is queued
        assert check()[0] == 0
        report = Schedule.objects.get(name="send_daily_report")
        Schedule.objects.filter(pk=report.pk).update(cron="0 0 30 2 *", next_run=timezone.now())
        schedules_start_due()
        schedule_run_failed(name="send_admin_notifications:lunch", summary="failed: SMTPServerDisconnected")
        code, text = check()
    assert code == 1
    failing, broken = text.splitlines()  # in the registry's order of jobs
    assert broken.startswith("send_daily_report is broken: its cron '0 0 30 2 *' never fires")
    assert failing == "send_admin_notifications:lunch failed at 2026-03-01 06:04: failed: SMTPServerDisconnected"


def test_jobs_check_says_when_a_schedules_last_run_never_finished(db):
    start = dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        schedules_sync()
        prune = Schedule.objects.get(name="prune_job_runs")
        JobRun.objects.create(job="prune_job_runs", trigger=Trigger.SCHEDULE, started_at=timezone.now(), schedule=prune)  # running
    with time_machine.travel(start + dt.timedelta(minutes=12), tick=False):  # Q_TIMEOUT (10 min) and the grace (2 min)
        heartbeat(cluster="host:1", started_at=timezone.now())
        assert check()[0] == 0  # a long run is no problem yet
    with time_machine.travel(start + dt.timedelta(minutes=12, seconds=1), tick=False):
        heartbeat(cluster="host:1", started_at=timezone.now())
        assert check() == (1, "prune_job_runs started at 2026-03-01 05:30 and never finished")
