"""What the django-q2 cluster runs: every ManageIt schedule calls `run_job` with a job's key."""

from django_q.models import Schedule

from scheduling.models import Outcome, Trigger
from scheduling.registry import JobRefused
from scheduling.services import job_run, schedule_break


class JobFailed(Exception):
    """Raised so that django-q2 records the task as failed too; the run log holds the traceback."""


def run_job(key: str, trigger: str = Trigger.SCHEDULE, schedule_id: int | None = None, **kwargs) -> str:
    try:
        run = job_run(key=key, trigger=Trigger(trigger), kwargs=kwargs, schedule_id=schedule_id)
    except JobRefused as e:
        # The scheduler checked the arguments when it queued the run; they are refused now (a
        # date that has passed a bound, a mess deleted since): the schedule is broken.
        schedule = Schedule.objects.filter(pk=schedule_id).first() if schedule_id else None
        if schedule is not None:
            schedule_break(schedule=schedule, reason=f"its arguments are refused: {e}", key=key)
        raise JobFailed(f"{key}: not run: {e}") from None
    if run.outcome == Outcome.FAILED:
        raise JobFailed(f"{key}: {run.summary} (run log entry {run.pk})")
    return run.summary
