"""Sends each mess's kitchen the meal's forecast head count and what to cook (scheduled at each
meal's absence cut-off; see mess.cook_sheets.cook_sheets_send)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "send_cook_sheet"
