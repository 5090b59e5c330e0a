"""Running jobs exactly as declared, once at a time, with every run in the run log; and keeping
the django-q2 schedules in step with the registry without undoing what admins changed."""

import ast
import hashlib
import logging
import os
import socket
import threading
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from scheduling.cron import cron_next_runs
from scheduling.models import BrokenSchedule, JobLease, JobRun, Outcome, Trigger
from scheduling.registry import JOBS, JobRefused, get_job
from scheduling.watchers import schedule_outcome_tell

# What every ManageIt schedule runs; its first argument is the job's key.
RUNNER = "scheduling.tasks.run_job"
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


class _LeaseKeeper:
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


def _lease_take(*, job: str, run: JobRun) -> bool:
    """Gives `run` the job's lease if nobody holds it, with one conditional UPDATE so that of two
    processes asking at once exactly one gets it. A run whose lease expired while it was still
    marked running died without finishing; it is marked failed here."""
    now = timezone.now()
    lease, _ = JobLease.objects.get_or_create(job=job, defaults={"expires_at": now})
    taken = JobLease.objects.filter(job=job, expires_at__lte=now).update(run=run, expires_at=now + lease_duration())
    if taken and lease.run_id and lease.run_id != run.pk:
        JobRun.objects.filter(pk=lease.run_id, outcome=Outcome.RUNNING).update(
            outcome=Outcome.FAILED,
            finished_at=lease.expires_at,
            summary="did not finish: its process stopped before the job ended (lease expired)",
        )
    return bool(taken)


def _lease_release(*, job: str, run: JobRun) -> None:
    JobLease.objects.filter(job=job, run=run).update(expires_at=timezone.now())


def job_run(*, key: str, trigger: Trigger, kwargs: dict | None = None, schedule_id: int | None = None) -> JobRun:
    """Runs job `key` once and returns its run-log entry, finished: succeeded with the job's
    summary, failed with the error and its traceback, or skipped because another run of the same
    job holds the lease (on this machine or another). `schedule_id` is the schedule that started it.
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
    if not _lease_take(job=key, run=run):
        holder = JobLease.objects.filter(job=key).values_list("run_id", flat=True).first()
        run.outcome = Outcome.SKIPPED
        run.summary = f"skipped: {key} is already running (run {holder})"
        run.finished_at = timezone.now()
        run.save(update_fields=["outcome", "summary", "finished_at"])
        return run
    interrupted = None
    try:
        with _LeaseKeeper(job=key, run=run):
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
    _lease_release(job=key, run=run)
    if interrupted is not None:
        raise interrupted
    schedule_outcome_tell(run=run)
    return run


def job_runs_prune(*, days: int = RUN_LOG_DAYS) -> str:
    """Deletes run-log entries that started more than `days` days ago."""
    deleted, _ = JobRun.objects.filter(started_at__lt=timezone.now() - timedelta(days=days)).delete()
    return f"deleted {deleted} run-log entries older than {days} days"


def job_enqueue(*, key: str, kwargs: dict | None = None, schedule_id: int | None = None) -> str:
    """Hands job `key` to the cluster to run as soon as a worker is free (the admin's "run now").
    Returns django-q2's task id; the run shows in the run log once a worker has taken it.
    Raises JobRefused for arguments the job refuses, before anything is queued."""
    get_job(key).arguments(kwargs or {})
    return async_task(RUNNER, key, trigger=Trigger.ADMIN.value, schedule_id=schedule_id, **(kwargs or {}))


# Runs soon ---------------------------------------------------------------------------------

# The names of the one-off schedules job_soon makes: "soon: generate_alerts mess_code='north'". The
# scheduler deletes such a schedule when it queues its run, and the admin and the health checks
# pass over them: they live for seconds, and a cluster that is down is reported on its own.
SOON = "soon: "
SOON_AGAIN_SECONDS = 5  # a run handed over by job_soon that finds its job running tries again this much later


def soon_name(key: str, kwargs: dict | None) -> str:
    """The name of the one-off schedule that runs job `key` with `kwargs` soon: the same for the same
    job and arguments, so that a second call finds the first one's schedule waiting."""
    name = f"{SOON}{key}" + "".join(f" {k}={v!r}" for k, v in sorted((kwargs or {}).items()))
    if len(name) > 100:  # Schedule.name's length
        name = f"{name[:59]} {hashlib.sha256(name.encode()).hexdigest()[:40]}"
    return name


def schedule_is_soon(schedule: Schedule) -> bool:
    return schedule.schedule_type == Schedule.ONCE and (schedule.name or "").startswith(SOON)


def schedules_lasting() -> QuerySet[Schedule]:
    """Every schedule but the one-off ones job_soon makes."""
    return Schedule.objects.exclude(schedule_type=Schedule.ONCE, name__startswith=SOON)


class _NamedLock:
    """Holds the database's named lock `name` (MySQL/MariaDB GET_LOCK) until the block ends, so that
    processes doing the same read-then-write take turns. On SQLite the transaction inside the block
    does it: ManageIt opens them IMMEDIATE, taking the database's one write lock at once."""

    def __init__(self, name: str):
        self.name = f"manageit:{hashlib.sha256(name.encode()).hexdigest()[:40]}"  # at most 64 characters
        self.held = connection.vendor == "mysql"

    def __enter__(self):
        if self.held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT GET_LOCK(%s, 10)", [self.name])
                if cursor.fetchone()[0] != 1:
                    raise DatabaseError(f"could not take the lock {self.name} within 10 seconds")
        return self

    def __exit__(self, *exc):
        if self.held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT RELEASE_LOCK(%s)", [self.name])


def schedule_soon(*, key: str, kwargs: dict | None = None, within_seconds: int) -> bool:
    """Creates a one-off schedule that runs job `key` with `kwargs` `within_seconds` from now,
    unless one for the same job and arguments is still waiting to be queued: that one then runs for
    both. Returns whether it created one. Of several processes calling it at once, exactly one
    creates the schedule (they take turns under a lock); call it outside a transaction, or the
    others cannot see the schedule until the caller commits (job_soon does this for you)."""
    name = soon_name(key, kwargs)
    with _NamedLock(name), transaction.atomic():
        waiting = Schedule.objects.filter(name=name, func=RUNNER, schedule_type=Schedule.ONCE).exclude(repeats=0)
        if waiting.exists():
            return False
        Schedule.objects.create(
            name=name,
            func=RUNNER,
            args=repr(key),
            kwargs=repr(kwargs) if kwargs else None,
            schedule_type=Schedule.ONCE,
            repeats=-1,
            next_run=timezone.now() + timedelta(seconds=within_seconds),
        )
        return True


def job_soon(key: str, *, kwargs: dict | None = None, within_seconds: int) -> None:
    """Hands job `key` with `kwargs` to the cluster, to run within `within_seconds`; calls in a row
    for the same job and arguments give one run (see schedule_soon), later than the first call by
    at most `within_seconds`. Inside a transaction it does so once the transaction commits, and not
    at all if it rolls back. The run waits in the database as a schedule, so that a cluster that is
    down runs it when it is back; and if even that cannot be written, the error is logged and the
    caller's committed work stands (its job's regular schedule catches up).
    Raises JobRefused at once for arguments the job refuses."""
    get_job(key).arguments(kwargs or {})

    def hand_over():  # a function, not a partial: a robust callback's failure is logged by its __qualname__
        schedule_soon(key=key, kwargs=kwargs, within_seconds=within_seconds)

    # robust: the caller's work is committed by now, and an error would tell its user it was not.
    transaction.on_commit(hand_over, robust=True)


# Schedules ---------------------------------------------------------------------------------


def schedule_named_job(schedule: Schedule) -> str | None:
    """The job a schedule names, registered or not, or None when it runs something else."""
    if schedule.func != RUNNER or not schedule.args:
        return None
    try:
        key = ast.literal_eval(schedule.args)
    except (SyntaxError, ValueError):
        return None
    if isinstance(key, tuple):
        key = key[0] if key else None
    return key if isinstance(key, str) else None


def schedule_job_key(schedule: Schedule) -> str | None:
    """The job a schedule runs, or None when it runs anything but a registered ManageIt job."""
    key = schedule_named_job(schedule)
    return key if key in JOBS else None


def schedule_kwargs(schedule: Schedule) -> dict:
    if not schedule.kwargs:
        return {}
    try:
        value = ast.literal_eval(schedule.kwargs)
    except (SyntaxError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def schedule_run_refused(*, schedule: Schedule, summary: str, key: str | None = None, linked: bool = True) -> JobRun:
    """Records in the run log a run of `schedule`'s job (or of `key`) that could not start: failed at
    once, saying why in `summary`; linked to the schedule unless it is gone (not `linked`)."""
    now = timezone.now()
    return JobRun.objects.create(
        job=(key or schedule_named_job(schedule) or schedule.func or "")[:64],
        trigger=Trigger.SCHEDULE,
        arguments=schedule_kwargs(schedule),
        started_at=now,
        finished_at=now,
        outcome=Outcome.FAILED,
        summary=summary[:1000],
        host=host_name(),
        schedule=schedule if linked else None,
    )


def schedule_break(*, schedule: Schedule, reason: str, key: str | None = None, tell_via_cluster: bool = False) -> None:
    """Marks `schedule` broken, so that the scheduler passes over it until an admin saves it again,
    and records why in the run log, as a failed run of its job started by that schedule. The admins'
    e-mail goes through the cluster with `tell_via_cluster` (the scheduler never waits for a mail
    server)."""
    now = timezone.now()
    with transaction.atomic():
        _, created = BrokenSchedule.objects.update_or_create(schedule=schedule, defaults={"reason": reason, "since": now})
        if created:
            schedule_run_refused(
                schedule=schedule,
                key=key,
                summary=f"schedule {schedule.name or schedule.pk} is broken and will not run until it is corrected: {reason}",
            )
    if created:
        logger.error("schedule %s is broken: %s", schedule.name or schedule.pk, reason)
        run = JobRun.objects.filter(schedule=schedule).order_by("-started_at", "-pk").first()
        schedule_outcome_tell(run=run, via_cluster=tell_via_cluster)


def schedule_problem(schedule: Schedule) -> str | None:
    """Why the scheduler cannot run `schedule`, or None: it runs no registered job, its arguments
    are refused, or its timing never comes."""
    key = schedule_job_key(schedule)
    if key is None:
        return f"it runs no known job ({schedule.func} {schedule.args or ''}); the jobs are: {', '.join(JOBS)}"
    if schedule.kwargs and schedule_kwargs(schedule) == {} and schedule.kwargs.strip() not in {"{}", ""}:
        return f"its arguments are not a dict: {schedule.kwargs}"
    try:
        JOBS[key].arguments(schedule_kwargs(schedule))
    except JobRefused as e:
        return f"its arguments are refused: {e}"
    if schedule.schedule_type == Schedule.CRON:
        try:
            schedule_next_runs(cron=schedule.cron, count=1)
        except Exception as e:  # croniter raises several kinds for expressions that never fire
            return f"its cron {schedule.cron!r} never fires ({type(e).__name__}: {e})"
    return None


def schedule_is_paused(schedule: Schedule) -> bool:
    # django-q2's scheduler passes over schedules with no repeats left; pausing uses just that.
    return schedule.repeats == 0


def schedule_pause(*, schedule: Schedule) -> None:
    """Pauses `schedule`. An UPDATE, not a save: a broken schedule stays marked until it is corrected."""
    schedule.repeats = 0
    Schedule.objects.filter(pk=schedule.pk).update(repeats=0)


def schedule_resume(*, schedule: Schedule) -> None:
    """Resumes a paused schedule from its next slot after now, so it does not fire at once for the
    slots it missed while paused. Raises ValueError for a schedule whose cron never fires."""
    if schedule.schedule_type == Schedule.CRON:
        try:
            schedule.next_run = schedule_next_runs(cron=schedule.cron, count=1)[0]
        except Exception as e:  # croniter raises several kinds for expressions that never come
            raise ValueError(f"its cron {schedule.cron!r} never fires: correct it first") from e
    schedule.repeats = -1
    Schedule.objects.filter(pk=schedule.pk).update(repeats=-1, next_run=schedule.next_run)


def schedule_next_runs(*, cron: str, count: int = 5, start: datetime | None = None) -> list[datetime]:
    """The next `count` times a cron expression fires after `start` (default now), in local time.
    Raises croniter's CroniterBadDateError for an expression that never fires (30 February)."""
    return cron_next_runs(cron, count=count, start=start)


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)

    def __str__(self):
        text = f"created {len(self.created)} schedules, {len(self.unchanged)} already there"
        if self.orphaned:
            text += f"; {len(self.orphaned)} run no known job: {', '.join(self.orphaned)}"
        return text


@transaction.atomic
def schedules_sync() -> SyncResult:
    """Creates every default schedule of the registry that is missing, matched by name. Never
    touches an existing schedule (admins may have changed its timing, arguments or paused it), so
    running it again changes nothing. Reports schedules whose job is no longer in the registry."""
    result = SyncResult()
    existing = {s.name: s for s in Schedule.objects.all()}
    for job in JOBS.values():
        for default in job.defaults():
            if default.name in existing:
                result.unchanged.append(default.name)
                continue
            Schedule.objects.create(
                name=default.name,
                func=RUNNER,
                args=repr(job.key),
                kwargs=repr(default.kwargs) if default.kwargs else None,
                schedule_type=Schedule.CRON,
                cron=default.cron,
                repeats=-1,
            )
            result.created.append(default.name)
    result.orphaned = sorted(str(s.name or s.pk) for s in existing.values() if schedule_job_key(s) is None)
    return result


def default_crons() -> dict[str, str]:
    """Each default schedule's name and cron, as the registry derives them now."""
    return {d.name: d.cron for job in JOBS.values() for d in job.defaults()}


def schedules_follow_defaults(*, before: dict[str, str]) -> list[str]:
    """After a change of the data that default schedules are computed from, moves every schedule
    still at its old default time to its new one, effective on the cluster's next pass. Schedules
    an admin has re-timed keep their own time. Returns the names of the schedules moved."""
    moved = []
    for name, cron in default_crons().items():
        if name in before and before[name] != cron:
            for schedule in Schedule.objects.filter(name=name, cron=before[name]):
                schedule.cron = cron
                schedule.next_run = schedule_next_runs(cron=cron, count=1)[0]
                schedule.save(update_fields=["cron", "next_run"])
                moved.append(name)
    return moved
