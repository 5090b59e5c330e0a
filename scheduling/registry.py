"""Every job ManageIt runs by itself. Each app declares its own jobs in its `jobs.py`, by calling
`register` with direct references to their functions; the registry is complete once the apps are
ready (`jobs_discover`, from SchedulingConfig.ready). It knows no app: scheduling is infrastructure,
like django-q2 itself.

A job is a function that returns a one-line summary. From its entry come its default django-q2
schedules (`sync_schedules`), its management command's help, the admin's job choices and the `jobs`
table. Adding a job is its function, one entry in its app's `jobs.py`, and a command that names it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class DefaultSchedule:
    """A schedule `sync_schedules` creates when it is missing. `name` identifies it for good: an admin
    may change its timing or arguments and the next sync leaves them alone."""

    name: str
    cron: str  # in TIME_ZONE
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    key: str
    func: Callable[..., str]  # keyword arguments only; returns the run's one-line summary
    description: str
    default_schedules: Callable[[str], list[DefaultSchedule]]  # given the job's key

    def run(self, **kwargs) -> str:
        return self.func(**kwargs)

    def defaults(self) -> list[DefaultSchedule]:
        return self.default_schedules(self.key)


def cron(expression: str) -> Callable[[str], list[DefaultSchedule]]:
    """One default schedule, named after the job: `cron("0 7 * * *")`."""
    return lambda key: [DefaultSchedule(name=key, cron=expression)]


# In the order the apps registered them (INSTALLED_APPS order, then each jobs.py's own).
JOBS: dict[str, Job] = {}


def register(*jobs: Job) -> None:
    """Adds jobs to the registry; an app's `jobs.py` calls it once, at import."""
    for job in jobs:
        if JOBS.get(job.key, job) != job:
            raise ImproperlyConfigured(f"two jobs are called {job.key!r}")
        JOBS[job.key] = job


def jobs_discover() -> None:
    """Imports the `jobs` module of every installed app that has one."""
    autodiscover_modules("jobs")


def get_job(key: str) -> Job:
    try:
        return JOBS[key]
    except KeyError:
        raise LookupError(f"unknown job {key!r}; the jobs are: {', '.join(JOBS)}") from None
