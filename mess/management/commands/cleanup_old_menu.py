"""Deletes the temporary and non-veg menus of past days (scheduled daily at 00:00)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "cleanup_old_menu"
