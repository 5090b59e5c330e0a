"""The admins hear of the jobs' problems once: a schedule that starts failing, one that works again,
a broken one, and schedules a cluster found late. A mail server that never answers changes nothing
else."""

import datetime as dt
import socket
import threading

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.brokers import get_broker
from django_q.models import Schedule
from django_q.signing import SignedPackage

from scheduling import registry
from scheduling.models import JobRun, Outcome, Trigger
from scheduling.runs import job_run
from scheduling.scheduler import schedules_start_due
from scheduling.schedules import RUNNER
from scheduling.sync import schedules_sync

kitchen = {"on_fire": True}


def job_cook():
    if kitchen["on_fire"]:
        raise RuntimeError("the kitchen is on fire")
    return "cooked"


@pytest.fixture(autouse=True)
def cook(monkeypatch, db):
    kitchen["on_fire"] = True
    monkeypatch.setitem(
        registry.JOBS, "test_cook", registry.Job(key="test_cook", func=job_cook, description="cooks", default_schedules=lambda key: [])
    )
    return Schedule.objects.create(name="cook:lunch", func=RUNNER, args="'test_cook'", schedule_type=Schedule.CRON, cron="0 12 * * *")


def work_the_queue() -> int:
    """What a cluster's worker does with the queued tasks (here, the admins' e-mails the scheduler
    hands over rather than wait on a mail server). Returns how many it ran."""
    broker, ran = get_broker(), 0
    while tasks := broker.dequeue():
        for _, package in tasks:
            task = SignedPackage.loads(package)
            import_string(task["func"])(*task["args"], **task["kwargs"])
            ran += 1
    return ran


def run(schedule):
    return job_run(key="test_cook", trigger=Trigger.SCHEDULE, schedule_id=schedule.pk)


def test_a_schedule_that_starts_failing_and_recovers_is_told_once_each_to_the_admins_only(cook, admin, group_admin, official):
    run(cook)
    run(cook)
    assert [m.subject for m in mail.outbox] == ["[ManageIt] cook:lunch failed"]
    assert sorted(mail.outbox[0].to) == ["ada@example.org", "gina@example.org"]  # the admins, by permission; no official
    assert "the kitchen is on fire" in mail.outbox[0].body
    kitchen["on_fire"] = False
    run(cook)
    run(cook)
    assert [m.subject for m in mail.outbox][1:] == ["[ManageIt] cook:lunch works again"]


def test_runs_not_started_by_a_schedule_tell_nobody(cook, admin):
    job_run(key="test_cook", trigger=Trigger.COMMAND)  # the operator at the terminal sees it
    assert mail.outbox == []


def test_a_broken_schedule_is_told_once(admin):
    Schedule.objects.bulk_create(
        [
            Schedule(
                name="feb30", func=RUNNER, args="'prune_job_runs'", schedule_type=Schedule.CRON, cron="0 0 30 2 *", next_run=timezone.now()
            )
        ]
    )
    schedules_start_due()
    schedules_start_due()
    assert mail.outbox == []  # the scheduler does not wait on the mail server: a worker sends it
    assert work_the_queue() == 1
    assert [m.subject for m in mail.outbox] == ["[ManageIt] feb30 failed"]
    assert "never fires" in mail.outbox[0].body


def test_schedules_a_cluster_finds_late_are_told_in_one_email(admin):
    with time_machine.travel(dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC), tick=False):
        schedules_sync()
    # 06:00 and 06:05 in Kolkata were 20 and 15 minutes ago, 07:00 not yet: two schedules late (the cluster was down)
    with time_machine.travel(dt.datetime(2026, 3, 1, 0, 50, tzinfo=dt.UTC), tick=False):
        schedules_start_due()
        schedules_start_due()
    work_the_queue()
    assert [m.subject for m in mail.outbox] == ["[ManageIt] 2 schedules ran late"]
    assert "- generate_alerts, due at 2026-03-01 06:00\n- refresh_day_totals, due at 2026-03-01 06:05\n" in mail.outbox[0].body
    # on time, within the grace period: nothing to tell
    with time_machine.travel(dt.datetime(2026, 3, 1, 1, 30, 30, tzinfo=dt.UTC), tick=False):
        schedules_start_due()
    work_the_queue()
    assert len(mail.outbox) == 1


def test_a_mail_server_that_never_answers_leaves_the_run_recorded(cook, admin):
    silent = socket.create_server(("127.0.0.1", 0))
    accepted = []
    threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True).start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=silent.getsockname()[1],
            EMAIL_TIMEOUT=1,
        ):
            failed = run(cook)
    finally:
        silent.close()
    assert accepted  # the server took the connection, and said nothing
    failed.refresh_from_db()
    assert failed.outcome == Outcome.FAILED and failed.finished_at is not None
    assert JobRun.objects.count() == 1
