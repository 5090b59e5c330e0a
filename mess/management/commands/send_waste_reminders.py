"""Reminds each mess's officials of the floors that recorded no waste for a meal (scheduled an hour
after each meal's window ends)."""

from mess.models import Meal
from scheduling.commands import JobCommand, iso_date


class Command(JobCommand):
    job_key = "send_waste_reminders"

    def add_arguments(self, parser):
        parser.add_argument("--meal", required=True, type=str.lower, choices=Meal.values, help="The meal whose waste to check.")
        parser.add_argument("--date", type=iso_date, help="The day (YYYY-MM-DD); default the latest day the meal is over.")

    def job_kwargs(self, options):
        return {"meal": options["meal"], "date": options["date"]}
