"""The scheduling app's own job: keeping the run log short."""

from scheduling.registry import Job, Param, cron, positive_int, register
from scheduling.runs import job_runs_prune

register(
    Job(
        key="prune_job_runs",
        func=job_runs_prune,
        description="Deletes run-log entries older than 90 days.",
        default_schedules=cron("30 0 * * *"),
        params=(Param("days", positive_int),),
    ),
)
