"""Notifies officials and admins of a meal's critical feedback (scheduled when each meal's window ends)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "send_admin_notifications"
