"""Exactly once across processes, and the cluster taking jobs through Redis.

These start real processes on the test database, so they commit their data (transactional tests).
"""

import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from scheduling.models import BrokenSchedule, ClusterHeartbeat, JobRun, Outcome, Trigger
from scheduling.schedules import RUNNER
from scheduling.selectors import jobs_health
from scheduling.tests.helpers import ROOT, child_env, redis_url, start

SCHEDULES = 60
PASSES = 4
QCLUSTER = ["-m", "django", "qcluster"]  # scheduling's, as each process's settings install it before django_q


def broken_schedules(due) -> list[Schedule]:
    """Due schedules the scheduler cannot run, ordered among the good ones: a cron that never fires
    (django-q2's own pass failed on it and ran nothing), an unknown job, refused arguments."""
    return Schedule.objects.bulk_create(
        [
            Schedule(
                name="a-30-february", func=RUNNER, args="'prune_job_runs'", schedule_type=Schedule.CRON, cron="0 0 30 2 *", next_run=due
            ),
            Schedule(name="a-gone-job", func=RUNNER, args="'make_tea'", schedule_type=Schedule.CRON, cron="* * * * *", next_run=due),
            Schedule(
                name="a-brunch",
                func=RUNNER,
                args="'echo'",
                kwargs="{'word': 'brunch'}",
                schedule_type=Schedule.CRON,
                cron="* * * * *",
                next_run=due,
            ),
        ]
    )


def assert_broken_recorded(names):
    runs = JobRun.objects.filter(schedule__name__in=names, outcome=Outcome.FAILED)
    assert sorted(run.schedule.name for run in runs) == sorted(names)  # one run-log entry each, with the reason
    by_name = {run.schedule.name: run.summary for run in runs}
    assert "never fires" in by_name["a-30-february"]
    assert "runs no known job" in by_name["a-gone-job"]
    assert "word: unknown word 'brunch'" in by_name["a-brunch"]
    assert BrokenSchedule.objects.count() == len(names)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_due_schedule_is_queued_once_by_simultaneous_scheduler_passes():
    due = timezone.now() - timezone.timedelta(minutes=1)
    Schedule.objects.bulk_create(
        Schedule(name=f"due-{i}", func=RUNNER, args="'prune_job_runs'", schedule_type=Schedule.CRON, cron="* * * * *", next_run=due)
        for i in range(SCHEDULES)
    )
    broken = broken_schedules(due)
    at = time.time() + 3  # every process has imported Django by then
    passes = [start(["-m", "scheduling.tests.scheduler_pass", str(at)]) for _ in range(PASSES)]
    results = [(p.wait(timeout=120), p.stdout.read()) for p in passes]

    assert [code for code, _ in results] == [0] * PASSES, results
    assert OrmQ.objects.count() == SCHEDULES
    assert sorted(t.task["group"] for t in OrmQ.objects.all()) == sorted(f"due-{i}" for i in range(SCHEDULES))
    assert not Schedule.objects.filter(next_run__lte=timezone.now()).exclude(pk__in=[s.pk for s in broken]).exists()
    assert_broken_recorded([s.name for s in broken])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_reaches_a_cluster_worker_through_redis():
    url = redis_url()
    redis.Redis.from_url(url).flushdb()
    cluster = start(QCLUSTER, REDIS_URL=url, Q_WORKERS="1")
    try:
        enqueue = start(
            ["-m", "django", "shell", "-c", "from scheduling.soon import job_enqueue; job_enqueue(key='prune_job_runs')"], REDIS_URL=url
        )
        assert enqueue.wait(timeout=60) == 0, enqueue.stdout.read()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not JobRun.objects.filter(outcome=Outcome.SUCCEEDED).exists():
            time.sleep(0.5)
    finally:
        cluster.terminate()
        output = cluster.communicate(timeout=60)[0]
    run = JobRun.objects.get()
    assert (run.job, run.trigger, run.outcome) == ("prune_job_runs", Trigger.ADMIN, Outcome.SUCCEEDED), output
    assert OrmQ.objects.count() == 0  # it went through Redis, not the database queue


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_through_redis_broken_schedules_leave_every_other_due_schedule_running_once():
    url = redis_url()
    redis.Redis.from_url(url).flushdb()
    due = timezone.now() - timezone.timedelta(seconds=5)
    broken = broken_schedules(due)
    good = Schedule.objects.bulk_create(  # three jobs, so that no run waits for another's lease
        Schedule(name=f"z-due-{job}", func=RUNNER, args=repr(job), schedule_type=Schedule.CRON, cron="0 0 * * *", next_run=due)
        for job in ["prune_job_runs", "sleep", "tick"]
    )
    clusters = [start(QCLUSTER, REDIS_URL=url, Q_WORKERS="1") for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and JobRun.objects.filter(outcome=Outcome.SUCCEEDED).count() < len(good):
            time.sleep(0.5)
        time.sleep(3)  # three more scheduler ticks of each cluster: nothing may run again
    finally:
        for cluster in clusters:
            cluster.terminate()
        outputs = [cluster.communicate(timeout=60)[0] for cluster in clusters]
    succeeded = JobRun.objects.exclude(outcome=Outcome.FAILED)
    assert sorted((run.schedule.name, run.outcome) for run in succeeded) == [(s.name, Outcome.SUCCEEDED) for s in good], outputs
    assert {run.trigger for run in succeeded} == {Trigger.SCHEDULE}
    assert_broken_recorded([s.name for s in broken])


def cluster_started(**env) -> subprocess.Popen:
    """A qcluster in a process group of its own, as systemd or a shell starts it, once its
    scheduler has said it is alive."""
    process = subprocess.Popen(
        [sys.executable, *QCLUSTER],
        cwd=ROOT,
        env=child_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not ClusterHeartbeat.objects.filter(cluster__endswith=f":{process.pid}").exists():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[0]
        time.sleep(0.2)
    return process


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("to_group", [True, False], ids=["to its process group", "to its main process"])
def test_a_cluster_sent_sigterm_stops_with_its_workers_and_says_it_is_gone(to_group):
    clusters = [cluster_started(Q_WORKERS="2") for _ in range(3)]
    assert ClusterHeartbeat.objects.count() == 3
    for cluster in clusters:
        (os.killpg if to_group else os.kill)(cluster.pid, signal.SIGTERM)
    for cluster in clusters:
        try:
            cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            pytest.fail(f"a cluster did not stop: {cluster.communicate()[0]}")
    deadline = time.monotonic() + 10
    while not all(group_gone(c.pid) for c in clusters) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all(group_gone(c.pid) for c in clusters)  # no worker left behind
    assert [c.returncode for c in clusters] == [0, 0, 0]
    # each said it stopped: nobody waits for the grace period, and when they were last seen is still known
    assert ClusterHeartbeat.objects.filter(stopped_at__isnull=True).count() == 0
    health = jobs_health()
    assert health.cluster_down and health.last_seen_at == ClusterHeartbeat.objects.latest("seen_at").stopped_at


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_cluster_whose_sentinel_dies_stops_its_workers_and_exits_non_zero():
    cluster = cluster_started(Q_WORKERS="2")
    with open(f"/proc/{cluster.pid}/task/{cluster.pid}/children") as children:
        [sentinel] = [int(pid) for pid in children.read().split()]
    os.kill(sentinel, signal.SIGKILL)  # as an out-of-memory kill would
    try:
        output = cluster.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        os.killpg(cluster.pid, signal.SIGKILL)
        pytest.fail("the cluster went on without its sentinel")
    assert cluster.returncode == 1  # systemd's Restart=on-failure starts it again
    assert "the cluster stopped by itself" in output
    deadline = time.monotonic() + 10
    while not group_gone(cluster.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert group_gone(cluster.pid)  # no worker left behind
