"""The scheduling app's own job: keeping the run log short."""

from scheduling.registry import Job, Param, cron, positive_int, register
from scheduling.runs import RUN_LOG_DAYS, job_runs_prune

register(
    Job(
        key="prune_job_runs",
        func=job_runs_prune,
        description=f"Deletes run-log entries older than {RUN_LOG_DAYS} days.",
        default_schedules=cron("30 0 * * *"),
        params=(Param("days", positive_int, metavar="N", help=f"Delete the entries older than N days instead of {RUN_LOG_DAYS}."),),
    ),
)
