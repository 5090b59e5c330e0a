"""Cuts the link between feedback older than FEEDBACK_RETENTION_DAYS and the student who wrote it,
keeping its rating, comment and dish votes (scheduled daily at 00:45)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "anonymise_feedback"
