"""Recomputes each mess's totals of the last 7 finished days (scheduled hourly at five past)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "refresh_day_totals"
