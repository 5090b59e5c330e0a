"""The scheduler: each due schedule's run is queued within a second of its time, exactly once
however many clusters run, and a schedule that cannot run is marked broken instead of stopping the
others.

django-q2's own scheduler pass runs every 30 seconds (hard-coded in its Sentinel) and queues every
due schedule in one transaction: one schedule whose next run cannot be computed rolls the whole
pass back, every pass, and nothing runs. The settings turn it off (`Q_CLUSTER["scheduler"] = False`)
and this loop runs instead, in the main process of each `qcluster` (see
scheduling/management/commands/qcluster.py): once a second it reads the due schedules' ids (one
small query on a connection it keeps; nothing else when none is due), and queues them in batches
of BATCH per transaction, each schedule in a savepoint of its own and claimed with a conditional
UPDATE of its `next_run`, so that of several clusters exactly one queues it. Every
HEARTBEAT_SECONDS it renews its cluster's heartbeat, from which the pages and `jobs --check` tell
that no cluster is running.
"""

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import connection, connections, transaction
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from scheduling.models import BrokenSchedule, ClusterHeartbeat, Trigger
from scheduling.runs import host_name
from scheduling.schedules import (
    RUNNER,
    schedule_break,
    schedule_job_key,
    schedule_kwargs,
    schedule_next_runs,
    schedule_problem,
    schedule_run_refused,
)
from scheduling.selectors import grace
from scheduling.soon import SOON, schedule_is_soon
from scheduling.watchers import schedules_late_tell

TICK = 1.0  # seconds between two looks at the schedules
BATCH = 50  # due schedules queued in one transaction
HEARTBEAT_SECONDS = 30  # well inside JOBS_GRACE_SECONDS: a cluster is down after four missed beats
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
    # Several clusters read the same due schedules: each takes them in its own order, so that they
    # mostly claim different rows instead of queueing behind each other on the same one.
    random.shuffle(due)
    started, late, broken = [], [], []
    for first in range(0, len(due), BATCH):
        queued, batch_broken = [], []
        try:
            # One commit for a batch (a burst of 500 due at once would wait for 500 commits), one
            # savepoint for each schedule in it, so that one that fails is undone alone.
            with transaction.atomic():
                for pk, due_at in due[first : first + BATCH]:
                    try:
                        with transaction.atomic():
                            claimed = _schedule_claim(pk=pk, due_at=due_at, now=now, broker=broker)
                    except Exception:
                        logger.exception("could not queue schedule %s; it is tried again within a second", pk)
                        if transaction.get_rollback():  # the database undid the whole transaction (a deadlock)
                            raise
                        continue
                    if isinstance(claimed, tuple):
                        batch_broken.append(claimed)
                    elif claimed is not None:
                        queued.append((pk, claimed, due_at))
        except Exception:
            # Nothing of the batch stands; with Redis as the broker its runs were pushed already, and
            # the next second queues them again: a job's lease keeps the two runs from overlapping.
            logger.exception("could not commit the queuing of %s schedules; they are tried again within a second", len(queued))
            continue
        broken += batch_broken
        for pk, name, due_at in queued:
            logger.info("queued schedule %s (due %s)", name, timezone.localtime(due_at))
            started.append(pk)
            if due_at < now - grace() and not name.startswith(SOON):  # no cluster ran: that is told on its own
                late.append((name, due_at))
    for schedule, problem in broken:
        # after the commit, so that SQLite's write lock is not held meanwhile
        try:
            schedule_break(schedule=schedule, reason=problem, tell_via_cluster=True)
        except Exception:
            logger.exception("could not mark schedule %s broken", schedule.pk)
    if late:
        schedules_late_tell(late=sorted(late, key=lambda item: item[1]), via_cluster=True)
    return started


def _schedule_claim(*, pk: int, due_at: datetime, now: datetime, broker) -> str | tuple[Schedule, str] | None:
    """Moves the schedule on and queues its run if it is still due at `due_at`, and returns its
    name; returns (schedule, why) for a schedule that cannot run, and None for one another cluster
    has taken or an admin has changed since the ids were read."""
    # On MySQL/MariaDB a row another cluster holds is skipped at once rather than waited for; on
    # SQLite, which has no row locks, the conditional UPDATE below decides.
    skip_locked = connection.features.has_select_for_update_skip_locked  # MariaDB 10.6 and later
    schedule = Schedule.objects.select_for_update(skip_locked=skip_locked).filter(pk=pk, next_run=due_at).exclude(repeats=0).first()
    if schedule is None:
        return None
    problem = schedule_problem(schedule)
    soon = schedule_is_soon(schedule)
    if soon:
        # job_soon's one-off schedule has done its part once its run is queued (or found unable to
        # run): it goes, like django-q2's own once-only schedules, so none lingers in the admin.
        # Its run is therefore linked to no schedule.
        _, deleted = Schedule.objects.filter(pk=pk, next_run=due_at).exclude(repeats=0).delete()
        if not deleted.get(Schedule._meta.label):
            return None
        if problem is not None:
            _soon_refused(schedule=schedule, problem=problem)
            return None
        _queue_run(schedule, schedule_id=None, broker=broker, soon=True)
        return schedule.name
    if problem is not None:
        return schedule, problem
    if schedule.schedule_type == Schedule.ONCE:
        changes = {"repeats": 0}  # it ran once: it stays, done, like a paused schedule
    else:
        try:
            changes = {"next_run": _next_run(schedule, after=max(now, due_at))}
        except Exception as e:  # django-q2's own timing raised: a schedule no admin could have saved
            return schedule, f"its next run cannot be computed ({type(e).__name__}: {e})"
        if schedule.repeats > 0:
            changes["repeats"] = schedule.repeats - 1
    if not Schedule.objects.filter(pk=pk, next_run=due_at).exclude(repeats=0).update(**changes):
        return None
    _queue_run(schedule, schedule_id=pk, broker=broker)
    return schedule.name or str(pk)


def _queue_run(schedule: Schedule, *, schedule_id: int | None, broker, soon: bool = False) -> None:
    # With the database as the broker, the task is written in this transaction too; with Redis, a
    # failed push undoes the claim, and the schedule is tried again.
    extra = {"soon": True} if soon else {}
    async_task(
        RUNNER,
        schedule_job_key(schedule),
        trigger=Trigger.SCHEDULE.value,
        schedule_id=schedule_id,
        q_options={"broker": broker, "group": schedule.name or str(schedule.pk)},
        **extra,
        **schedule_kwargs(schedule),
    )


def _soon_refused(*, schedule: Schedule, problem: str) -> None:
    """Records in the run log that a run job_soon handed over cannot run (what its arguments name
    was deleted meanwhile, say): a failed run of its job, linked to no schedule, since that one is gone."""
    schedule_run_refused(schedule=schedule, summary=f"not run: {schedule.name} {problem}", linked=False)
    logger.error("did not run %s: %s", schedule.name, problem)


def _next_run(schedule: Schedule, *, after: datetime) -> datetime:
    """The schedule's first time after `after`: slots missed while no cluster ran are not made up
    here: a job whose work belongs to a date makes up the dates it missed itself."""
    if schedule.schedule_type == Schedule.CRON:
        return schedule_next_runs(cron=schedule.cron, count=1, start=after)[0]
    next_run = schedule.next_run
    while next_run <= after:
        next_run = schedule.calculate_next_run(next_run)
    return next_run


def heartbeat(*, cluster: str, started_at: datetime) -> None:
    now = timezone.now()
    if not ClusterHeartbeat.objects.filter(cluster=cluster).update(seen_at=now):  # one query, but the first time
        ClusterHeartbeat.objects.create(cluster=cluster, started_at=started_at, seen_at=now)


def heartbeat_stopped(*, cluster: str) -> None:
    """The cluster stops on purpose: it is down at once (nobody waits for the grace period), and when it
    was last seen stays known."""
    now = timezone.now()
    ClusterHeartbeat.objects.filter(cluster=cluster).update(seen_at=now, stopped_at=now)


def heartbeats_prune() -> None:
    """Forgets clusters not seen for a day, but the last one seen: the pages say since when none runs."""
    newest = ClusterHeartbeat.objects.order_by("-seen_at").values_list("pk", flat=True)[:1]
    ClusterHeartbeat.objects.filter(seen_at__lt=timezone.now() - HEARTBEATS_KEPT).exclude(pk__in=list(newest)).delete()


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
        try:
            if time.monotonic() >= beat_due:
                heartbeat(cluster=cluster, started_at=started_at)
                beat_due = time.monotonic() + HEARTBEAT_SECONDS
            schedules_start_due(broker=broker)
        except Exception:
            logger.exception("the scheduler could not read the schedules; it tries again in %s s", tick)
            connections.close_all()  # a connection the server dropped is opened afresh next time
        # Crons are due on whole minutes: look just after each whole second.
        time.sleep(tick - (time.time() % tick) + 0.005)
    try:
        heartbeat_stopped(cluster=cluster)
    except Exception:
        logger.exception("could not say that this cluster stopped; it shows as down after the grace period")
