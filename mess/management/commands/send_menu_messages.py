"""Sends each meal's menu to the phones of the students who asked for it, at the time before the meal
each mess sets (see mess.meal_reminders.menu_messages_send)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "send_menu_messages"
