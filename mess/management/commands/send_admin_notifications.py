"""Notifies officials and admins of a meal's critical feedback (scheduled when each meal's window ends)."""

from mess.models import Meal
from scheduling.commands import JobCommand, iso_date


class Command(JobCommand):
    job_key = "send_admin_notifications"

    def add_arguments(self, parser):
        parser.add_argument("--meal", required=True, type=str.lower, choices=Meal.values, help="The meal whose feedback to check.")
        parser.add_argument("--date", type=iso_date, help="The day (YYYY-MM-DD); default today.")

    def job_kwargs(self, options):
        return {"meal": options["meal"], "date": options["date"]}
