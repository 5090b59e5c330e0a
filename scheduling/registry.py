"""Every job the project runs by itself. Each app declares its own jobs in its `jobs.py`, by calling
`register` with direct references to their functions; the registry is complete once the apps are
ready (`jobs_discover`, from SchedulingConfig.ready). It knows no app: scheduling is infrastructure,
like django-q2 itself.

A job is a function that returns a one-line summary. From its entry come its default django-q2
schedules (`sync_schedules`), its management command's help and options, the admin's job choices and
the `jobs` table. Adding a job is its function, one entry in its app's `jobs.py`, and a command that names it.
"""

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class DefaultSchedule:
    """A schedule `sync_schedules` creates when it is missing. `name` identifies it for good: an admin
    may change its timing or arguments and the next sync leaves them alone."""

    name: str
    cron: str  # in TIME_ZONE
    kwargs: dict = field(default_factory=dict)


class JobRefused(ValueError):
    """A job's arguments were refused before it started: it did not run, so this is no failure of
    the job; the message says which argument is wrong and why."""


@dataclass(frozen=True)
class Param:
    """One keyword argument a job takes. `check` is given the value as typed (text from a command
    line, or a schedule's stored value) and returns the value the job takes, or raises ValueError
    saying what is wrong. The one declaration checks the admin's schedule form, a command and a run,
    and is the job command's option (see scheduling.commands): `--<name>`, or `flag` where the
    command's option has another name, with `help` and `metavar`; a parameter that bool_value checks
    is a switch."""

    name: str
    check: Callable[[Any], Any]
    required: bool = False
    help: str = ""
    flag: str | None = None
    metavar: str | None = None

    @property
    def option(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def switch(self) -> bool:
        return self.check is bool_value


@dataclass(frozen=True)
class Job:
    key: str
    func: Callable[..., str]  # keyword arguments only; returns the run's one-line summary
    description: str
    default_schedules: Callable[[str], list[DefaultSchedule]]  # given the job's key
    params: tuple[Param, ...] = ()
    # The parameters whose values tell runs apart: runs with other values of them do not wait for
    # each other (a job whose work is per meal, or per some key), while runs with the same values,
    # and a job without any, run one at a time.
    lease_by: tuple[str, ...] = ()
    # Its default schedules come and go with the app's data (one per time some row needs): a
    # schedule named as one of them (`key:...`) that no default is any more, sync_schedules deletes.
    defaults_come_and_go: bool = False
    # A job whose work falls into parts (one per mess, say): given the run's checked arguments, the
    # parts as (key, label). Run by the cluster (scheduling.tasks.run_job), each part is a task of
    # its own, the function called with `part_param=key` besides the run's arguments, and its
    # outcome kept in the run log (JobRunPart); a command still runs the whole job in one call.
    parts: Callable[[dict], list[tuple[str, str]]] | None = None
    part_param: str = "part"

    def run(self, **kwargs) -> str:
        return self.func(**kwargs)

    def lease_key(self, kwargs: dict) -> str:
        """What a run of this job with `kwargs` (checked) holds while it runs: the job's key, and the
        values of its `lease_by` parameters given; at most 64 characters (JobLease.job)."""
        return _lease_key_fit(self._lease_text(kwargs))

    def _lease_text(self, kwargs: dict) -> str:
        return self.key + "".join(f" {name}={kwargs[name]!r}" for name in self.lease_by if kwargs.get(name) is not None)

    def part_lease_key(self, kwargs: dict, part: str) -> str:
        """What one part of a run holds while it runs: the run's lease key and the part's key, so
        that two runs never do the same part at once, and different parts go side by side."""
        return _lease_key_fit(self._lease_text(kwargs) + f" {self.part_param}={part!r}")

    def arguments(self, kwargs: dict) -> dict:
        """`kwargs` checked against the job's parameters and converted to what it takes; a None
        value is an argument not given. Raises JobRefused naming the first argument that is wrong."""
        params = {p.name: p for p in self.params}
        unknown = sorted(set(kwargs) - set(params))
        if unknown:
            takes = f"it takes {', '.join(params)}" if params else "it takes none"
            raise JobRefused(f"{self.key} takes no argument {', '.join(map(repr, unknown))}; {takes}")
        checked = {}
        for name, param in params.items():
            value = kwargs.get(name)
            if value is None:
                if param.required:
                    raise JobRefused(f"{self.key} needs the argument {name!r}")
                continue
            try:
                checked[name] = param.check(value)
            except (TypeError, ValueError) as e:
                raise JobRefused(f"{name}: {e}") from None
        return checked

    def defaults(self) -> list[DefaultSchedule]:
        return self.default_schedules(self.key)


def _lease_key_fit(key: str) -> str:
    """A lease key of at most 64 characters (JobLease.job): a longer one is shortened with its hash."""
    return key if len(key) <= 64 else f"{key[:23]} {hashlib.sha256(key.encode()).hexdigest()[:40]}"


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


# Checks for common parameters (see Param.check).


def date_value(value) -> datetime.date:
    """A date, or its text YYYY-MM-DD."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"not a date in the form YYYY-MM-DD: {value!r}")


def bool_value(value) -> bool:
    """True or False, or their text (true/false, yes/no, 1/0)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "yes", "1"}:
        return True
    if text in {"false", "no", "0"}:
        return False
    raise ValueError(f"not true or false: {value!r}")


def positive_int(value) -> int:
    """A whole number of at least 1, or its text."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not a whole number: {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise ValueError(f"must be at least 1, not {number}")
    return number
