"""Stores and e-mails each mess's daily report (scheduled daily at 07:00 for the day before)."""

from scheduling.commands import JobCommand, iso_date


class Command(JobCommand):
    job_key = "send_daily_report"

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=iso_date,
            help="Report only this day (YYYY-MM-DD). Default: yesterday, and any of the 7 days before without a report.",
        )
        parser.add_argument("--resend", action="store_true", help="E-mail the report again even if it was sent before.")

    def job_kwargs(self, options):
        return {"date": options["date"], "resend": options["resend"]}
