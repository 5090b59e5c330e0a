"""Stores each meal's menu for the phones of the students who chose it, the mess's minutes before the
meal starts (scheduled every minute; send_messages sends them)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "send_meal_menus"
