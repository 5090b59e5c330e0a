"""Runs handed to the cluster soon: calls in a row give one waiting schedule and one run, also from
several processes at once; the schedule goes once its run is queued, and never shows as a problem."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, transaction
from django_q.models import OrmQ, Schedule
from django_q.signing import SignedPackage

from scheduling.models import JobLease, JobRun, Outcome, Trigger
from scheduling.registry import JobRefused
from scheduling.scheduler import schedules_start_due
from scheduling.schedules import RUNNER
from scheduling.selectors import jobs_health
from scheduling.soon import SOON, job_soon, schedule_soon, soon_name
from scheduling.tasks import run_job

NOW = dt.datetime(2026, 3, 1, 8, 30, 0, tzinfo=dt.UTC)


def waiting():
    return list(
        Schedule.objects.filter(func=RUNNER, schedule_type=Schedule.ONCE).exclude(repeats=0).values_list("name", "kwargs", "next_run")
    )


def queued():
    return [SignedPackage.loads(q.payload) for q in OrmQ.objects.all()]


def test_it_hands_calls_in_a_row_over_as_one_run_when_the_transaction_commits(db, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            for _ in range(10):
                job_soon("prune_job_runs", kwargs={"days": 30}, within_seconds=15)
            assert waiting() == []  # not before the commit
        assert len(callbacks) == 10
        with django_capture_on_commit_callbacks(execute=True):
            job_soon("prune_job_runs", kwargs={"days": 30}, within_seconds=15)  # one is waiting: nothing new
            job_soon("prune_job_runs", kwargs={"days": 7}, within_seconds=15)  # other arguments: a run of their own
    assert sorted(waiting()) == [
        ("soon: prune_job_runs days=30", "{'days': 30}", NOW + dt.timedelta(seconds=15)),
        ("soon: prune_job_runs days=7", "{'days': 7}", NOW + dt.timedelta(seconds=15)),
    ]

    with time_machine.travel(NOW + dt.timedelta(seconds=14), tick=False):
        assert schedules_start_due() == []
    with time_machine.travel(NOW + dt.timedelta(seconds=15), tick=False):
        assert len(schedules_start_due()) == 2
        assert schedules_start_due() == []
    assert not Schedule.objects.exists()  # gone once queued, like django-q2's own once-only schedules
    tasks = sorted(queued(), key=lambda task: task["kwargs"]["days"])
    assert [(t["args"], t["kwargs"]) for t in tasks] == [
        (("prune_job_runs",), {"trigger": "schedule", "schedule_id": None, "soon": True, "days": 7}),
        (("prune_job_runs",), {"trigger": "schedule", "schedule_id": None, "soon": True, "days": 30}),
    ]

    # a change after the run was queued asks for a run of its own
    with time_machine.travel(NOW + dt.timedelta(seconds=16), tick=False), django_capture_on_commit_callbacks(execute=True):
        job_soon("prune_job_runs", kwargs={"days": 30}, within_seconds=15)
    assert [name for name, _, _ in waiting()] == ["soon: prune_job_runs days=30"]


def test_a_rolled_back_write_hands_nothing_over(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                job_soon("prune_job_runs", within_seconds=15)
                raise RuntimeError("the write failed")
        except RuntimeError:
            pass
    assert waiting() == []


def test_arguments_the_job_refuses_are_refused_at_once(db):
    with pytest.raises(JobRefused, match="days"):
        job_soon("prune_job_runs", kwargs={"days": "soon"}, within_seconds=15)
    with pytest.raises(LookupError, match="unknown job 'make_tea'"):
        job_soon("make_tea", within_seconds=15)
    assert waiting() == []


def test_a_database_error_while_handing_over_leaves_the_callers_work_standing(db, django_capture_on_commit_callbacks, monkeypatch, caplog):
    def fails(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("scheduling.soon.schedule_soon", fails)
    with django_capture_on_commit_callbacks(execute=True):
        job_soon("prune_job_runs", within_seconds=15)
    assert "database gone" in caplog.text


def test_a_long_name_is_cut_with_a_digest_that_still_tells_arguments_apart():
    one, two = soon_name("tick", {"username": "x" * 120 + "1"}), soon_name("tick", {"username": "x" * 120 + "2"})
    assert len(one) <= 100 and len(two) <= 100 and one != two and one.startswith("soon: tick")


def test_waiting_and_late_one_off_runs_are_no_problem_and_not_in_the_health_checks(db):
    with time_machine.travel(NOW, tick=False):
        schedule_soon(key="prune_job_runs", within_seconds=15)
    health = jobs_health(now=NOW + dt.timedelta(hours=1))  # long overdue: no cluster ran it
    assert health.schedules == [] and health.late == []
    assert health.problems == ["no cluster is running the jobs (never seen): start one with `manage.py qcluster`"]


def test_a_one_off_run_that_cannot_run_goes_and_is_recorded_as_failed(db):
    with time_machine.travel(NOW, tick=False):
        schedule_soon(key="echo", kwargs={"word": "noon"}, within_seconds=0)
    Schedule.objects.update(kwargs=repr({"word": "brunch"}))  # as if refused since
    with time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False):
        assert schedules_start_due() == []
    assert not Schedule.objects.exists() and queued() == []
    run = JobRun.objects.get()
    assert (run.job, run.outcome, run.schedule_id) == ("echo", Outcome.FAILED, None)
    assert "unknown word 'brunch'" in run.summary


def test_a_one_off_or_scheduled_run_that_finds_its_job_running_is_handed_over_again(db, django_capture_on_commit_callbacks):
    running = JobRun.objects.create(job="prune_job_runs", trigger=Trigger.SCHEDULE, started_at=NOW)
    JobLease.objects.create(job="prune_job_runs", run=running, expires_at=NOW + dt.timedelta(minutes=1))
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert run_job("prune_job_runs", trigger=Trigger.SCHEDULE.value, schedule_id=None, soon=True, days=30).startswith("skipped")
        run_job("prune_job_runs", trigger=Trigger.SCHEDULE.value, schedule_id=None, days=7)  # a schedule's: never dropped either
    assert sorted(waiting()) == [
        ("soon: prune_job_runs days=30", "{'days': 30}", NOW + dt.timedelta(seconds=5)),
        ("soon: prune_job_runs days=7", "{'days': 7}", NOW + dt.timedelta(seconds=5)),
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_call_that_finds_a_run_waiting_takes_no_lock_and_writes_nothing(monkeypatch):
    assert schedule_soon(key="echo", kwargs={"word": "noon"}, within_seconds=15)

    def locked(self):
        raise AssertionError("took the lock")

    monkeypatch.setattr("scheduling.soon._NamedLock.__enter__", locked)
    assert not schedule_soon(key="echo", kwargs={"word": "noon"}, within_seconds=15)
    assert Schedule.objects.filter(name__startswith=SOON).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_processes_asking_at_once_leave_exactly_one_schedule_waiting():
    # Eight web workers save at the same moment: each reads "nothing waiting" unless they take turns.
    start, errors, created = threading.Barrier(8), [], []

    def ask():
        try:
            start.wait(10)
            created.append(schedule_soon(key="prune_job_runs", kwargs={"days": 30}, within_seconds=15))
        except Exception as error:  # noqa: BLE001 - reported below, from the test's own thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(created) == [False] * 7 + [True]
    assert len(waiting()) == 1


def test_the_admins_schedule_list_leaves_one_off_runs_out(admin_client):
    schedule_soon(key="prune_job_runs", kwargs={"days": 30}, within_seconds=15)
    Schedule.objects.create(name="nightly prune", func=RUNNER, args="'prune_job_runs'", schedule_type=Schedule.CRON, cron="30 0 * * *")
    page = admin_client.get("/admin/scheduling/jobschedule/").content.decode()
    assert "nightly prune" in page and "soon: prune_job_runs" not in page
