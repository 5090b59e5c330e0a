"""Reads of the jobs' state: each schedule with its own last run, whether it is broken or late,
and whether a cluster is there to run it."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext
from django_q.models import Schedule

from scheduling.models import BrokenSchedule, ClusterHeartbeat, JobRun, Outcome
from scheduling.registry import JOBS
from scheduling.schedules import schedule_is_paused, schedule_job_key, schedule_named_job
from scheduling.soon import schedules_lasting


def grace() -> timedelta:
    """How far past its time a schedule may be before it is late, and how long a cluster may be
    silent before it is down (JOBS_GRACE_SECONDS, 2 minutes by default)."""
    return timedelta(seconds=settings.JOBS_GRACE_SECONDS)


def _running():
    return ClusterHeartbeat.objects.filter(stopped_at__isnull=True).order_by("-seen_at")


def with_last_run(schedules: QuerySet[Schedule]) -> QuerySet[Schedule]:
    """Annotates each schedule with its own last run (`last_outcome`, `last_started_at`,
    `last_finished_at`, `last_summary`), why it is broken (`broken_reason`, or None) and the newest
    heartbeat of any running cluster (`cluster_seen_at`) and of any cluster, stopped ones included
    (`cluster_last_seen_at`), in the same query."""
    runs = JobRun.objects.filter(schedule=OuterRef("pk")).order_by("-started_at", "-pk")
    return schedules.annotate(
        last_outcome=Subquery(runs.values("outcome")[:1]),
        last_started_at=Subquery(runs.values("started_at")[:1]),
        last_finished_at=Subquery(runs.values("finished_at")[:1]),
        last_summary=Subquery(runs.values("summary")[:1]),
        broken_reason=Subquery(BrokenSchedule.objects.filter(schedule=OuterRef("pk")).values("reason")[:1]),
        cluster_seen_at=Subquery(_running().values("seen_at")[:1]),
        cluster_last_seen_at=Subquery(ClusterHeartbeat.objects.order_by("-seen_at").values("seen_at")[:1]),
    )


@dataclass
class ScheduleState:
    schedule: Schedule  # annotated by with_last_run
    now: datetime

    @property
    def name(self) -> str:
        return self.schedule.name or f"schedule {self.schedule.pk}"

    @property
    def key(self) -> str | None:
        return schedule_job_key(self.schedule)

    @property
    def job(self) -> str:
        return self.key or schedule_named_job(self.schedule) or self.schedule.func

    @property
    def description(self) -> str:
        return JOBS[self.key].description if self.key else gettext("runs no known job")

    @property
    def paused(self) -> bool:
        return schedule_is_paused(self.schedule)

    @property
    def broken(self) -> str | None:
        return self.schedule.broken_reason

    @property
    def next_run(self) -> datetime | None:
        return None if self.paused or self.broken else self.schedule.next_run

    @property
    def late(self) -> bool:
        return self.next_run is not None and self.next_run < self.now - grace()

    @property
    def last_outcome(self) -> str | None:
        return self.schedule.last_outcome

    @property
    def last_started_at(self) -> datetime | None:
        return self.schedule.last_started_at

    @property
    def last_duration(self) -> timedelta | None:
        s = self.schedule
        return s.last_finished_at - s.last_started_at if s.last_finished_at and s.last_started_at else None

    @property
    def failing(self) -> bool:
        return self.last_outcome == Outcome.FAILED and not self.broken

    @property
    def stuck(self) -> bool:
        """Its last run has been running for longer than a job may (Q_TIMEOUT) and the grace: its
        worker died, and the run is marked failed only when the job next runs."""
        limit = timedelta(seconds=settings.Q_CLUSTER["timeout"]) + grace()
        return self.last_outcome == Outcome.RUNNING and self.last_started_at < self.now - limit

    @property
    def problem(self) -> str | None:
        """What is wrong with this schedule, in a line, or None; without the failure's own words,
        which may name people (a refused recipient's address): pages show this to whoever may see
        that the jobs have a problem, not only to admins."""
        if self.broken:
            return gettext("%(schedule)s is broken: it does not run until an admin corrects it") % {"schedule": self.name}
        if self.late:
            return gettext("%(schedule)s is late: it was due at %(at)s") % {
                "schedule": self.name,
                "at": moment(self.next_run),
            }
        if self.failing:
            return gettext("%(schedule)s failed at %(at)s") % {
                "schedule": self.name,
                "at": moment(self.last_started_at),
            }
        if self.stuck:
            return gettext("%(schedule)s started at %(at)s and never finished") % {
                "schedule": self.name,
                "at": moment(self.last_started_at),
            }
        return None

    @property
    def problem_detail(self) -> str | None:
        """The problem with why: the broken schedule's reason, the failed run's summary (for admins)."""
        if self.broken:
            return gettext("%(schedule)s is broken: %(why)s") % {"schedule": self.name, "why": self.broken}
        if self.failing and not self.late:
            return f"{self.problem}: {self.schedule.last_summary}"
        return self.problem


def moment(when: datetime) -> str:
    """`when` in local time, in the short style of the active language (SHORT_DATETIME_FORMAT):
    the pages, the admin and `jobs --check` say a moment as the rest of the site does."""
    return formats.date_format(timezone.localtime(when), "SHORT_DATETIME_FORMAT")


@dataclass
class JobsHealth:
    now: datetime
    heartbeat_at: datetime | None  # of a running cluster
    last_seen_at: datetime | None = None  # of any cluster, one stopped on purpose included
    schedules: list[ScheduleState] = field(default_factory=list)

    @property
    def cluster_down(self) -> bool:
        return self.heartbeat_at is None or self.heartbeat_at < self.now - grace()

    @property
    def late(self) -> list[ScheduleState]:
        return [s for s in self.schedules if s.late]

    def _cluster_lines(self) -> list[str]:
        if not self.cluster_down:
            return []
        if self.last_seen_at:
            seen = gettext("last seen %(at)s") % {"at": moment(self.last_seen_at)}
        else:
            seen = gettext("never seen")
        return [gettext("no cluster is running the jobs (%(seen)s): start one with `manage.py qcluster`") % {"seen": seen}]

    @property
    def problems(self) -> list[str]:
        """One line per problem: the cluster down, then each broken, late or failing schedule; what
        the pages' banner shows (nothing personal)."""
        return self._cluster_lines() + [s.problem for s in self.schedules if s.problem]

    @property
    def problem_details(self) -> list[str]:
        """The same lines with why (broken schedules' reasons, failed runs' summaries): for admins
        and operators (`jobs --check`, the admin)."""
        return self._cluster_lines() + [s.problem_detail for s in self.schedules if s.problem_detail]

    @property
    def ok(self) -> bool:
        return not self.problems


def cluster_seen_at() -> datetime | None:
    """When a running cluster last said it was alive, or None if none is known to run."""
    return _running().values_list("seen_at", flat=True).first()


def cluster_last_seen_at() -> datetime | None:
    """When any cluster, stopped ones included, was last seen, or None if none ever was."""
    return ClusterHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()


def clusters_running(*, now: datetime | None = None) -> list[ClusterHeartbeat]:
    """Every cluster running now, by name (its machine and process): not stopped, and heard from
    within the grace. What `jobs` and /health/jobs/ list, so that an operator of several machines
    sees each one's cluster. One query."""
    now = now or timezone.now()
    return list(_running().filter(seen_at__gte=now - grace()).order_by("cluster"))


def cluster_alive(*, now: datetime | None = None) -> bool:
    seen = cluster_seen_at()
    return seen is not None and seen >= (now or timezone.now()) - grace()


def jobs_health(*, now: datetime | None = None) -> JobsHealth:
    """Every schedule (but job_soon's one-off ones, which live for seconds) with its own
    last run, in job-registry order then by name, and whether a cluster is alive; one query (three when there are no schedules)."""
    now = now or timezone.now()
    order = {key: i for i, key in enumerate(JOBS)}
    schedules = [ScheduleState(schedule=s, now=now) for s in with_last_run(schedules_lasting())]
    schedules.sort(key=lambda s: (order.get(s.key, len(order)), s.name))
    if schedules:
        heartbeat_at, last_seen_at = schedules[0].schedule.cluster_seen_at, schedules[0].schedule.cluster_last_seen_at
    else:
        heartbeat_at, last_seen_at = cluster_seen_at(), cluster_last_seen_at()
    return JobsHealth(now=now, heartbeat_at=heartbeat_at, last_seen_at=last_seen_at, schedules=schedules)
