"""Reads the messages people send to the Telegram bot and answers them (scheduled every minute; see
mess/telegram.py)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "telegram_updates"
