"""What the django-q2 cluster runs: every ManageIt schedule calls `run_job` with a job's key."""

from scheduling.models import Outcome, Trigger
from scheduling.services import job_run


class JobFailed(Exception):
    """Raised so that django-q2 records the task as failed too; the run log holds the traceback."""


def run_job(key: str, trigger: str = Trigger.SCHEDULE, **kwargs) -> str:
    run = job_run(key=key, trigger=Trigger(trigger), kwargs=kwargs)
    if run.outcome == Outcome.FAILED:
        raise JobFailed(f"{key}: {run.summary} (run log entry {run.pk})")
    return run.summary
