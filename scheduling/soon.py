"""Handing a job to the cluster without waiting for its schedule: at once (the admin's "run now",
`job_enqueue`), or soon after a change of the data it reads (`job_soon`), as one run however many
changes ask for it."""

import hashlib
from datetime import timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from scheduling.models import Trigger
from scheduling.registry import get_job
from scheduling.schedules import RUNNER, schedule_fields

# The names of the one-off schedules job_soon makes: "soon: prune_job_runs days=30". The scheduler
# deletes such a schedule when it queues its run, and the admin and the health checks pass over
# them: they live for seconds, and a cluster that is down is reported on its own.
SOON = "soon: "
SOON_AGAIN_SECONDS = 5  # a run handed over by job_soon that finds its job running tries again this much later


def job_enqueue(*, key: str, kwargs: dict | None = None, schedule_id: int | None = None) -> str:
    """Hands job `key` to the cluster to run as soon as a worker is free (the admin's "run now").
    Returns django-q2's task id; the run shows in the run log once a worker has taken it.
    Raises JobRefused for arguments the job refuses, before anything is queued."""
    get_job(key).arguments(kwargs or {})
    return async_task(RUNNER, key, trigger=Trigger.ADMIN.value, schedule_id=schedule_id, **(kwargs or {}))


def soon_name(key: str, kwargs: dict | None) -> str:
    """The name of the one-off schedule that runs job `key` with `kwargs` soon: the same for the same
    job and arguments, so that a second call finds the first one's schedule waiting."""
    name = f"{SOON}{key}" + "".join(f" {k}={v!r}" for k, v in sorted((kwargs or {}).items()))
    if len(name) > 100:  # Schedule.name's length
        name = f"{name[:59]} {hashlib.sha256(name.encode()).hexdigest()[:40]}"
    return name


def schedule_is_soon(schedule: Schedule) -> bool:
    return schedule.schedule_type == Schedule.ONCE and (schedule.name or "").startswith(SOON)


def schedules_lasting(schedules: QuerySet[Schedule] | None = None) -> QuerySet[Schedule]:
    """Every schedule (of `schedules`, default all) but the one-off ones job_soon makes."""
    return (Schedule.objects.all() if schedules is None else schedules).exclude(schedule_type=Schedule.ONCE, name__startswith=SOON)


class _NamedLock:
    """Holds the database's named lock `name` (MySQL/MariaDB GET_LOCK) until the block ends, so that
    processes doing the same read-then-write take turns. On SQLite the transaction inside the block
    does it, when the settings open transactions IMMEDIATE: it takes the database's one write lock at once."""

    def __init__(self, name: str):
        self.name = f"scheduling:{hashlib.sha256(name.encode()).hexdigest()[:40]}"  # at most 64 characters
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
    waiting = Schedule.objects.filter(name=name, func=RUNNER, schedule_type=Schedule.ONCE).exclude(repeats=0)
    # Most calls find a run waiting (a round of saves hands over one): a plain read says so without
    # the lock and a write transaction, which on SQLite would take a turn at the database's one lock.
    if not connection.in_atomic_block and waiting.exists():
        return False
    with _NamedLock(name), transaction.atomic():
        if waiting.exists():
            return False
        Schedule.objects.create(
            name=name,
            **schedule_fields(key=key, kwargs=kwargs),
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
