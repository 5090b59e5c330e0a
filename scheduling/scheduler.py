"""The scheduler: each due schedule's run is queued within a second of its time, exactly once
however many clusters run, and a schedule that cannot run is marked broken instead of stopping the
others.

django-q2's own scheduler pass runs every 30 seconds (hard-coded in its Sentinel) and queues every
due schedule in one transaction: one schedule whose next run cannot be computed rolls the whole
pass back, every pass, and nothing runs. ManageIt turns it off (`Q_CLUSTER["scheduler"] = False`)
and runs this loop instead, in the main process of each `qcluster` (see
scheduling/management/commands/qcluster.py): once a second it reads the due schedules' ids (one
small query; nothing else when none is due), and starts each in its own transaction, claimed with a
conditional UPDATE of its `next_run` so that of several clusters exactly one queues it. Every few
seconds it renews its cluster's heartbeat, from which pages and `jobs --check` tell that the cluster
is down.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import close_old_connections, transaction
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from scheduling.models import BrokenSchedule, ClusterHeartbeat, Trigger
from scheduling.selectors import grace
from scheduling.services import RUNNER, host_name, schedule_break, schedule_job_key, schedule_kwargs, schedule_next_runs, schedule_problem
from scheduling.telling import schedules_late_tell

TICK = 1.0  # seconds between two looks at the schedules
HEARTBEAT_SECONDS = 10
HEARTBEATS_KEPT = timedelta(days=1)  # a stopped cluster's heartbeat is deleted after a day

logger = logging.getLogger(__name__)


def schedules_start_due(*, now: datetime | None = None, broker=None) -> list[int]:
    """Queues a run of every schedule due at `now` (default now) that is not paused or broken,
    each on its own, and returns the ids of the schedules this call queued. A schedule that cannot
    run is marked broken (see `schedule_break`); an error queuing one (the broker is away) leaves it
    due, to be tried again on the next call; neither stops the others."""
    now = now or timezone.now()
    due = list(
        Schedule.objects.exclude(repeats=0)
        .filter(next_run__lte=now)
        .exclude(pk__in=BrokenSchedule.objects.values("schedule_id"))
        .order_by("next_run", "pk")
        .values_list("pk", "next_run")
    )
    started, late = [], []
    for pk, due_at in due:
        try:
            name = _schedule_start(pk=pk, due_at=due_at, now=now, broker=broker)
        except Exception:
            logger.exception("could not queue schedule %s; it is tried again within a second", pk)
            continue
        if name is not None:
            started.append(pk)
            if due_at < now - grace():
                late.append((name, due_at))
    schedules_late_tell(late=late)
    return started


def _schedule_start(*, pk: int, due_at: datetime, now: datetime, broker) -> str | None:
    """Queues the schedule's run if it is still due at `due_at`; returns its name if it did."""
    schedule = Schedule.objects.filter(pk=pk, next_run=due_at).exclude(repeats=0).first()
    if schedule is None:
        return None  # another cluster queued it, or an admin changed it, since the ids were read
    problem = schedule_problem(schedule)
    if problem:
        schedule_break(schedule=schedule, reason=problem)
        return None
    changes = {"next_run": _next_run(schedule, after=max(now, due_at))}
    if schedule.schedule_type == Schedule.ONCE:
        changes = {"repeats": 0}
    elif schedule.repeats > 0:
        changes["repeats"] = schedule.repeats - 1
    key = schedule_job_key(schedule)
    with transaction.atomic():
        # Of several clusters reading the same due schedule, the one whose UPDATE finds it still due
        # queues it. With the database as the broker, the task is written in this transaction too;
        # with Redis, a failed push rolls the claim back, and the schedule is tried again.
        if not Schedule.objects.filter(pk=pk, next_run=due_at).exclude(repeats=0).update(**changes):
            return None
        task = async_task(
            RUNNER,
            key,
            trigger=Trigger.SCHEDULE.value,
            schedule_id=pk,
            q_options={"broker": broker, "group": schedule.name or str(pk)},
            **schedule_kwargs(schedule),
        )
    logger.info("queued schedule %s (due %s) as task %s", schedule.name or pk, timezone.localtime(due_at), task)
    return schedule.name or str(pk)


def _next_run(schedule: Schedule, *, after: datetime) -> datetime:
    """The schedule's first time after `after`: slots missed while no cluster ran are not made up
    here (the jobs make up missed days themselves, see mess.meals)."""
    if schedule.schedule_type == Schedule.CRON:
        return schedule_next_runs(cron=schedule.cron, count=1, start=after)[0]
    next_run = schedule.next_run
    while next_run <= after:
        next_run = schedule.calculate_next_run(next_run)
    return next_run


def heartbeat(*, cluster: str, started_at: datetime) -> None:
    now = timezone.now()
    ClusterHeartbeat.objects.update_or_create(
        cluster=cluster, defaults={"seen_at": now}, create_defaults={"started_at": started_at, "seen_at": now}
    )


def heartbeats_prune() -> None:
    ClusterHeartbeat.objects.filter(seen_at__lt=timezone.now() - HEARTBEATS_KEPT).delete()


def scheduler_loop(*, alive: Callable[[], bool], broker=None, tick: float = TICK) -> None:
    """Starts due schedules once a tick, just after each whole second, and renews this process's
    heartbeat every HEARTBEAT_SECONDS, for as long as `alive()` is true. An error (the database is
    away) is logged and the loop goes on."""
    cluster, started_at = host_name(), timezone.now()
    beat_due = 0.0
    try:
        heartbeats_prune()
    except Exception:
        logger.exception("could not prune the clusters' heartbeats")
    while alive():
        close_old_connections()
        try:
            if time.monotonic() >= beat_due:
                heartbeat(cluster=cluster, started_at=started_at)
                beat_due = time.monotonic() + HEARTBEAT_SECONDS
            schedules_start_due(broker=broker)
        except Exception:
            logger.exception("the scheduler could not read the schedules; it tries again in %s s", tick)
        # Crons are due on whole minutes: look just after each whole second.
        time.sleep(tick - (time.time() % tick) + 0.005)
    ClusterHeartbeat.objects.filter(cluster=cluster).delete()
