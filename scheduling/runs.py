"""Running a job exactly as declared, once at a time, with every run in the run log: the lease that
keeps two processes from running a job at once, and the pruning that keeps the log short."""

import logging
import os
import socket
import threading
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from scheduling.models import JobLease, JobRun, Outcome, Trigger
from scheduling.registry import get_job
from scheduling.watchers import schedule_outcome_tell

RUN_LOG_DAYS = 90
MAX_LEASE = timedelta(seconds=60)

logger = logging.getLogger(__name__)


def host_name() -> str:
    """This machine and process, as the run log and the heartbeats name them."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_duration() -> timedelta:
    """How long a run holds its job's lease before it must renew it: a minute, or less when the
    cluster hands out a dead worker's task again sooner (`retry`), so that the retried task always
    finds the dead run's lease expired."""
    q = settings.Q_CLUSTER
    return min(MAX_LEASE, timedelta(seconds=q["timeout"] + (q["retry"] - q["timeout"]) / 2))


class LeaseKeeper:
    """Renews a run's lease every third of its length while the job runs, from a thread with its
    own database connection: a long run keeps its job however long it takes, and a run whose
    process died loses it within one lease length."""

    def __init__(self, *, job: str, run: JobRun):
        self.job, self.run_id = job, run.pk
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._renew, name=f"lease-{job}", daemon=True)

    def _renew(self):
        try:
            while not self.stopped.wait(lease_duration().total_seconds() / 3):
                try:
                    JobLease.objects.filter(job=self.job, run_id=self.run_id).update(expires_at=timezone.now() + lease_duration())
                except DatabaseError:
                    # The job goes on; the next renewal comes before the lease runs out.
                    logger.warning("could not renew the lease of %s (run %s)", self.job, self.run_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()


def lease_take(*, job: str, run: JobRun, mark_dead_run: bool = True) -> bool:
    """Gives `run` the job's lease if nobody holds it, with one conditional UPDATE so that of two
    processes asking at once exactly one gets it. A run whose lease expired while it was still
    marked running died without finishing; it is marked failed here, unless not `mark_dead_run` (a
    part's lease: its run goes on in its other parts, and django-q2 hands the dead part out again)."""
    now = timezone.now()
    lease, _ = JobLease.objects.get_or_create(job=job, defaults={"expires_at": now})
    taken = JobLease.objects.filter(job=job, expires_at__lte=now).update(run=run, expires_at=now + lease_duration())
    if taken and mark_dead_run and lease.run_id and lease.run_id != run.pk:
        JobRun.objects.filter(pk=lease.run_id, outcome=Outcome.RUNNING).update(
            outcome=Outcome.FAILED,
            finished_at=lease.expires_at,
            summary="did not finish: its process stopped before the job ended (lease expired)",
        )
    return bool(taken)


def lease_release(*, job: str, run: JobRun) -> None:
    JobLease.objects.filter(job=job, run=run).update(expires_at=timezone.now())


def job_run(*, key: str, trigger: Trigger, kwargs: dict | None = None, schedule_id: int | None = None) -> JobRun:
    """Runs job `key` once and returns its run-log entry, finished: succeeded with the job's
    summary, failed with the error and its traceback, or skipped because another run of the same
    job (with the same values of its `lease_by` parameters) holds the lease, on this machine or
    another. `schedule_id` is the schedule that started it.
    Never raises for a failure of the job itself; an interrupt (KeyboardInterrupt, SystemExit) is
    recorded as a failure and raised again. Arguments the job's parameters refuse raise JobRefused
    before anything runs or is recorded: the job did not fail, it was not started."""
    job = get_job(key)
    kwargs = job.arguments(kwargs or {})
    run = JobRun.objects.create(
        job=key,
        trigger=trigger,
        arguments=kwargs,
        started_at=timezone.now(),
        host=host_name(),
        schedule_id=schedule_id,
    )
    lease = job.lease_key(kwargs)
    if not lease_take(job=lease, run=run):
        holder = JobLease.objects.filter(job=lease).values_list("run_id", flat=True).first()
        run.outcome = Outcome.SKIPPED
        run.summary = f"skipped: {lease} is already running (run {holder})"
        run.finished_at = timezone.now()
        run.save(update_fields=["outcome", "summary", "finished_at"])
        return run
    interrupted = None
    try:
        with LeaseKeeper(job=lease, run=run):
            run.summary = job.run(**kwargs)
        run.outcome = Outcome.SUCCEEDED
    except BaseException as e:  # recorded in every case; an interrupt (Ctrl-C) is raised again below
        run.outcome = Outcome.FAILED
        run.summary = f"failed: {type(e).__name__}: {e}"[:1000]
        run.traceback = traceback.format_exc()
        if not isinstance(e, Exception):
            interrupted = e
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "summary", "traceback", "finished_at"])
    lease_release(job=lease, run=run)
    if interrupted is not None:
        raise interrupted
    schedule_outcome_tell(run=run)
    return run


def job_runs_prune(*, days: int = RUN_LOG_DAYS) -> str:
    """Deletes run-log entries that started more than `days` days ago."""
    deleted, _ = JobRun.objects.filter(started_at__lt=timezone.now() - timedelta(days=days)).delete()
    return f"deleted {deleted} run-log entries older than {days} days"
