"""django-q2's schedules as the jobs' schedules: how a schedule names its job and arguments (written
and read here only), why one cannot run, marking it broken, pausing and resuming it, and when a
cron fires."""

import ast
import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from scheduling.cron import cron_next_runs
from scheduling.models import BrokenSchedule, JobRun, Outcome, Trigger
from scheduling.registry import JOBS, JobRefused
from scheduling.runs import host_name
from scheduling.watchers import schedule_outcome_tell

# What every schedule of a job runs; its first argument is the job's key, its keyword arguments the job's.
RUNNER = "scheduling.tasks.run_job"

logger = logging.getLogger(__name__)


def schedule_fields(*, key: str, kwargs: dict | None) -> dict:
    """The fields of a Schedule that runs job `key` with `kwargs`, as schedule_job_key and
    schedule_kwargs read them back."""
    return {"func": RUNNER, "args": repr(key), "kwargs": arguments_text(kwargs)}


def arguments_text(kwargs: dict | None) -> str | None:
    """Keyword arguments as a schedule stores them, and the admin shows them: a Python dict, None for none."""
    return repr(kwargs) if kwargs else None


def arguments_parse(text: str | None) -> dict:
    """The keyword arguments written as `text` (see arguments_text; empty for none); raises
    ValueError when it is no dict."""
    if not (text or "").strip():
        return {}
    try:
        value = ast.literal_eval(text.strip())
    except (SyntaxError, ValueError):
        value = None
    if not isinstance(value, dict):
        raise ValueError(f"not a dict: {text}")
    return value


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
    """The job a schedule runs, or None when it runs anything but a registered job."""
    key = schedule_named_job(schedule)
    return key if key in JOBS else None


def schedule_kwargs(schedule: Schedule) -> dict:
    """The keyword arguments a schedule gives its job; none when they are no dict (see schedule_problem)."""
    try:
        return arguments_parse(schedule.kwargs)
    except ValueError:
        return {}


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
    and records why in the run log, as a failed run of its job started by that schedule. The
    watchers' e-mail goes through the cluster with `tell_via_cluster` (the scheduler never waits for
    a mail server)."""
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
    try:
        kwargs = arguments_parse(schedule.kwargs)
    except ValueError:
        return f"its arguments are not a dict: {schedule.kwargs}"
    try:
        JOBS[key].arguments(kwargs)
    except JobRefused as e:
        return f"its arguments are refused: {e}"
    if schedule.schedule_type == Schedule.CRON:
        try:
            schedule_next_runs(cron=schedule.cron, count=1)
        except Exception as e:  # croniter raises several kinds for expressions that never fire
            return f"its cron {schedule.cron!r} never fires ({type(e).__name__}: {e})"
    return None


def schedule_save(*, schedule: Schedule, key: str, kwargs: dict, paused: bool, retimed: bool) -> Schedule:
    """Stores `schedule` (new, or changed in the admin: its name and cron set) to run job `key` with
    `kwargs` on its cron, paused or not. A new schedule, one whose cron or pause changed (`retimed`) and
    a broken one being corrected run next at their cron's next time after now, not at the time they
    missed; the scheduler reads it within a second, so nothing needs a restart. Saving clears the
    broken mark (signals.py): the scheduler tries the schedule again."""
    for name, value in schedule_fields(key=key, kwargs=kwargs).items():
        setattr(schedule, name, value)
    schedule.schedule_type = Schedule.CRON
    schedule.repeats = 0 if paused else -1
    corrected = schedule.pk is not None and BrokenSchedule.objects.filter(schedule_id=schedule.pk).exists()
    if schedule.pk is None or corrected or retimed:
        schedule.next_run = schedule_next_runs(cron=schedule.cron, count=1)[0]
    schedule.save()
    return schedule


def schedules_delete(*, schedules) -> int:
    """Deletes `schedules` (their run log stays, no longer linked to them). Returns how many."""
    deleted, _ = Schedule.objects.filter(pk__in=[s.pk for s in schedules]).delete()
    return deleted


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
