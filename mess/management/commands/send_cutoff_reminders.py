"""Reminds the students who asked for it, an hour before a meal's absence cut-off, that they are counted
in (see mess.meal_reminders.cutoff_reminders_send)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "send_cutoff_reminders"
