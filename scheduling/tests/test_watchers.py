"""The watchers hear of the jobs' problems once: a schedule that starts failing, one that works again,
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
from scheduling.watchers import watchers_emails

disk = {"full": True}


def job_flaky():
    if disk["full"]:
        raise RuntimeError("the disk is full")
    return "written"


@pytest.fixture(autouse=True)
def flaky(monkeypatch, db):
    """A job that fails until the disk has room, and its schedule."""
    disk["full"] = True
    monkeypatch.setitem(
        registry.JOBS, "test_flaky", registry.Job(key="test_flaky", func=job_flaky, description="writes", default_schedules=lambda key: [])
    )
    return Schedule.objects.create(name="flaky:noon", func=RUNNER, args="'test_flaky'", schedule_type=Schedule.CRON, cron="0 12 * * *")


@pytest.fixture
def watchers(admin_user, django_user_model):
    """The watchers the tests' jobs.py registers, the superusers: admin_user and gina; not olga."""
    django_user_model.objects.create_superuser(username="gina", email="gina@example.org", password="pw-gina-123")
    django_user_model.objects.create_user(username="olga", email="olga@example.org", password="pw-olga-123")
    return watchers_emails()


def work_the_queue() -> int:
    """What a cluster's worker does with the queued tasks (here, the watchers' e-mails the scheduler
    hands over rather than wait on a mail server). Returns how many it ran."""
    broker, ran = get_broker(), 0
    while tasks := broker.dequeue():
        for _, package in tasks:
            task = SignedPackage.loads(package)
            import_string(task["func"])(*task["args"], **task["kwargs"])
            ran += 1
    return ran


def run(schedule):
    return job_run(key="test_flaky", trigger=Trigger.SCHEDULE, schedule_id=schedule.pk)


def test_a_schedule_that_starts_failing_and_recovers_is_told_once_each_to_the_watchers_only(flaky, watchers):
    assert watchers == ["admin@example.com", "gina@example.org"]
    run(flaky)
    run(flaky)
    assert [m.subject for m in mail.outbox] == ["[Django] flaky:noon failed"]  # after settings.EMAIL_SUBJECT_PREFIX
    assert sorted(mail.outbox[0].to) == ["admin@example.com", "gina@example.org"]  # the watchers; not olga
    assert "the disk is full" in mail.outbox[0].body
    disk["full"] = False
    run(flaky)
    run(flaky)
    assert [m.subject for m in mail.outbox][1:] == ["[Django] flaky:noon works again"]


def test_runs_not_started_by_a_schedule_tell_nobody(flaky, watchers):
    job_run(key="test_flaky", trigger=Trigger.COMMAND)  # the operator at the terminal sees it
    assert mail.outbox == []


def test_a_broken_schedule_is_told_once(watchers):
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
    assert [m.subject for m in mail.outbox] == ["[Django] feb30 failed"]
    assert "never fires" in mail.outbox[0].body


def test_schedules_a_cluster_finds_late_are_told_in_one_email(watchers):
    with time_machine.travel(dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC), tick=False):
        schedules_sync()
        Schedule.objects.filter(name="fail").update(repeats=0)  # its failure at 07:00 would be told too: not this test's business
    # 06:00 and 06:05 in Kolkata were 20 and 15 minutes ago, 07:00 not yet: two schedules late (the cluster was down)
    with time_machine.travel(dt.datetime(2026, 3, 1, 0, 50, tzinfo=dt.UTC), tick=False):
        schedules_start_due()
        schedules_start_due()
    work_the_queue()
    assert [m.subject for m in mail.outbox] == ["[Django] 2 schedules ran late"]
    assert "- tick, due at 2026-03-01 06:00\n- sleep, due at 2026-03-01 06:05\n" in mail.outbox[0].body
    # on time, within the grace period: nothing to tell
    with time_machine.travel(dt.datetime(2026, 3, 1, 1, 30, 30, tzinfo=dt.UTC), tick=False):
        schedules_start_due()
    work_the_queue()
    assert len(mail.outbox) == 1


def test_nobody_is_told_when_no_watcher_has_an_address(flaky, caplog):
    run(flaky)
    assert mail.outbox == []
    assert "nobody to tell (no watcher has an e-mail address): flaky:noon failed" in caplog.text


def test_a_mail_server_that_never_answers_leaves_the_run_recorded(flaky, watchers):
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
            failed = run(flaky)
    finally:
        silent.close()
    assert accepted  # the server took the connection, and said nothing
    failed.refresh_from_db()
    assert failed.outcome == Outcome.FAILED and failed.finished_at is not None
    assert JobRun.objects.count() == 1
