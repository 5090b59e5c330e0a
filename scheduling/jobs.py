"""The scheduling app's own job: keeping the run log short."""

from scheduling.registry import Job, cron, register
from scheduling.services import job_runs_prune

register(
    Job(
        key="prune_job_runs",
        func=job_runs_prune,
        description="Deletes run-log entries older than 90 days.",
        default_schedules=cron("30 0 * * *"),
    ),
)
