"""What the django-q2 cluster runs: every job's schedule calls `run_job` with the job's key."""

from django_q.models import Schedule

from scheduling.models import Outcome, Trigger
from scheduling.parts import job_fan_out, job_part_run
from scheduling.registry import JobRefused
from scheduling.schedules import schedule_break
from scheduling.soon import SOON_AGAIN_SECONDS, job_soon


class JobFailed(Exception):
    """Raised so that django-q2 records the task as failed too; the run log holds the traceback."""


def run_job(key: str, trigger: str = Trigger.SCHEDULE, schedule_id: int | None = None, soon: bool = False, **kwargs) -> str:
    """Runs job `key` with `kwargs` (see job_run). A run that finds its job already running (a
    schedule's, "run now", or one handed over by job_soon) is handed over again, a few seconds on,
    rather than dropped: the running one may be of other work, or have read the data before the
    change that asked for this one; handed over, it waits in the database until the lease frees.
    `soon` says a run came from job_soon (the scheduler passes it); every run is handed over alike.
    A job with parts (Job.parts) is run a task per part (see scheduling.parts): this returns once
    they are queued, and the run log entry is finished by its last part."""
    try:
        run = job_fan_out(key=key, trigger=Trigger(trigger), kwargs=kwargs, schedule_id=schedule_id)
    except JobRefused as e:
        # The scheduler checked the arguments when it queued the run; they are refused now (a
        # date that has passed a bound, a record deleted since): the schedule is broken.
        schedule = Schedule.objects.filter(pk=schedule_id).first() if schedule_id else None
        if schedule is not None:
            schedule_break(schedule=schedule, reason=f"its arguments are refused: {e}", key=key)
        raise JobFailed(f"{key}: not run: {e}") from None
    if run.outcome == Outcome.SKIPPED:
        job_soon(key, kwargs=kwargs, within_seconds=SOON_AGAIN_SECONDS)
    if run.outcome == Outcome.FAILED:
        raise JobFailed(f"{key}: {run.summary} (run log entry {run.pk})")
    if run.outcome == Outcome.RUNNING:
        return f"{key}: {run.parts.count()} parts queued (run log entry {run.pk})"
    return run.summary


def run_job_part(run_id: int, part: str) -> str:
    """Runs one part of a run that job_fan_out queued (see scheduling.parts.job_part_run)."""
    row = job_part_run(run_id=run_id, part=part)
    if row.outcome == Outcome.FAILED:
        raise JobFailed(f"{row.run.job} {row.label}: {row.summary} (run log entry {run_id})")
    return f"{row.run.job} {row.label}: {row.summary}"
