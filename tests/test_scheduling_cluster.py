"""Exactly once across processes, and the cluster taking jobs through Redis.

These start real processes on the test database, so they commit their data (transactional tests).
"""

import os
import time

import pytest
import redis
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from scheduling.models import JobRun, Outcome, Trigger
from scheduling.services import RUNNER
from tests.helpers import start

SCHEDULES = 60
PASSES = 4


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_due_schedule_is_queued_once_by_simultaneous_scheduler_passes():
    due = timezone.now() - timezone.timedelta(minutes=1)
    Schedule.objects.bulk_create(
        Schedule(name=f"due-{i}", func=RUNNER, args="'prune_job_runs'", schedule_type=Schedule.CRON, cron="* * * * *", next_run=due)
        for i in range(SCHEDULES)
    )
    at = time.time() + 3  # every process has imported Django by then
    passes = [start(["-m", "tests.scheduler_pass", str(at)]) for _ in range(PASSES)]
    results = [(p.wait(timeout=120), p.stdout.read()) for p in passes]

    assert [code for code, _ in results] == [0] * PASSES, results
    assert OrmQ.objects.count() == SCHEDULES
    assert sorted(t.task["group"] for t in OrmQ.objects.all()) == sorted(f"due-{i}" for i in range(SCHEDULES))
    assert not Schedule.objects.filter(next_run__lte=timezone.now()).exists()


def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {url} (set TEST_REDIS_URL); CI always runs this test")
    return url


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_reaches_a_cluster_worker_through_redis():
    url = redis_url()
    redis.Redis.from_url(url).flushdb()
    cluster = start(["manage.py", "qcluster"], REDIS_URL=url, Q_WORKERS="1")
    try:
        enqueue = start(
            ["manage.py", "shell", "-c", "from scheduling.services import job_enqueue; job_enqueue(key='prune_job_runs')"], REDIS_URL=url
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
