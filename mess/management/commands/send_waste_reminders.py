"""Reminds each mess's officials of the floors that recorded no waste for a meal (scheduled an hour
after each meal's window ends)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "send_waste_reminders"
