"""Sends the messages to phones not sent yet (scheduled every minute, and handed over as soon as
messages are stored)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "send_messages"
