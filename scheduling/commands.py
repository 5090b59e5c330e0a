"""The base of every job's management command: parse the options, run the job through the run
log, print its summary. A failed or skipped run exits non-zero; so do arguments the job refuses,
which start nothing and leave no failure in the run log."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from scheduling.models import Outcome, Trigger
from scheduling.registry import JobRefused, get_job
from scheduling.runs import job_run

EXIT_SKIPPED = 3


def iso_date(value: str) -> datetime.date:
    """argparse type for YYYY-MM-DD dates."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a date in the form YYYY-MM-DD: {value!r}") from None


iso_date.__name__ = "date"  # argparse names the type in its error message


class JobCommand(BaseCommand):
    job_key: str

    @property
    def help(self):
        return get_job(self.job_key).description

    def job_kwargs(self, options: dict) -> dict:
        """The job function's keyword arguments from the parsed options."""
        return {}

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        return self.run_job(self.job_kwargs(options))

    def run_job(self, kwargs: dict) -> str:
        try:
            run = job_run(key=self.job_key, trigger=Trigger.COMMAND, kwargs=kwargs)
        except JobRefused as e:
            raise CommandError(f"{self.job_key} was not run: {e}") from None
        if run.outcome == Outcome.FAILED:
            if self.verbosity > 1:
                self.stderr.write(run.traceback)
            raise CommandError(f"{run.summary} (run log entry {run.pk})")
        if run.outcome == Outcome.SKIPPED:
            raise CommandError(run.summary, returncode=EXIT_SKIPPED)
        return run.summary
