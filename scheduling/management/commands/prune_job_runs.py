"""Deletes run-log entries older than 90 days (scheduled daily at 00:30)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "prune_job_runs"
