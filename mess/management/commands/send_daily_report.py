"""Stores and e-mails each mess's daily report (scheduled daily at 07:00 for the day before)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "send_daily_report"
