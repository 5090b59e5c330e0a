"""Sends each mess's kitchen the meal's forecast head count and what to cook (scheduled at each
meal's absence cut-off; see mess.cook_sheets.cook_sheets_send)."""

from mess.models import Meal
from scheduling.commands import JobCommand, iso_date


class Command(JobCommand):
    job_key = "send_cook_sheet"

    def add_arguments(self, parser):
        parser.add_argument("--meal", required=True, type=str.lower, choices=Meal.values, help="The meal to cook for.")
        parser.add_argument("--date", type=iso_date, help="The day (YYYY-MM-DD); default the one whose cut-off has passed.")
        parser.add_argument("--resend", action="store_true", help="E-mail the stored sheets of --date again.")

    def job_kwargs(self, options):
        return {"meal": options["meal"], "date": options["date"], "resend": options["resend"]}
