"""Assigns the mess change requests of closed windows while capacity lasts, tells each student, and
moves those assigned when their move day comes (scheduled daily at 00:15)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "assign_mess_changes"
