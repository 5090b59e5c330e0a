"""Reads of the jobs' state: their schedules, next runs and last runs."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django_q.models import Schedule

from scheduling.models import JobRun
from scheduling.registry import JOBS
from scheduling.services import RUNNER, schedule_is_paused, schedule_job_key


@dataclass
class JobState:
    key: str
    description: str
    schedules: list[Schedule]
    last_run: JobRun | None

    @property
    def next_run(self) -> datetime | None:
        upcoming = [s.next_run for s in self.schedules if not schedule_is_paused(s) and s.next_run]
        return min(upcoming, default=None)


def last_runs(keys) -> dict[str, JobRun]:
    """The latest run of each job, in one query (served by the job/started_at index)."""
    latest = JobRun.objects.filter(job=OuterRef("job")).order_by("-started_at").values("pk")[:1]
    runs = JobRun.objects.filter(job__in=list(keys), pk=Subquery(latest))
    return {run.job: run for run in runs}


def jobs_state() -> list[JobState]:
    """Every registered job with its schedules and last run, in registry order, in two queries."""
    by_job: dict[str, list[Schedule]] = {key: [] for key in JOBS}
    for schedule in Schedule.objects.filter(func=RUNNER).order_by("name"):
        key = schedule_job_key(schedule)
        if key:
            by_job[key].append(schedule)
    runs = last_runs(JOBS)
    return [JobState(key=key, description=job.description, schedules=by_job[key], last_run=runs.get(key)) for key, job in JOBS.items()]


def with_last_run(schedules: QuerySet[Schedule]) -> QuerySet[Schedule]:
    """Annotates each schedule with its job's last run (`last_outcome`, `last_started_at`,
    `last_finished_at`) in the same query. A schedule stores its job's key quoted in `args`."""
    runs = (
        JobRun.objects.annotate(quoted_job=Concat(Value("'"), "job", Value("'")))
        .filter(quoted_job=OuterRef("args"))
        .order_by("-started_at")
    )
    return schedules.annotate(
        last_outcome=Subquery(runs.values("outcome")[:1]),
        last_started_at=Subquery(runs.values("started_at")[:1]),
        last_finished_at=Subquery(runs.values("finished_at")[:1]),
    )
