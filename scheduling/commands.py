"""The base of every job's management command: its options are the job's parameters, and it runs
the job through the run log and prints its summary. A failed or skipped run exits non-zero; so do
arguments the job refuses, which start nothing and leave no failure in the run log."""

import argparse
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from scheduling.models import Outcome, Trigger
from scheduling.registry import JobRefused, Param, get_job
from scheduling.runs import job_run

EXIT_SKIPPED = 3


def argument_type(check: Callable[[str], Any]) -> Callable[[str], Any]:
    """A parameter's check (registry.date_value, say) as the argparse type of an option that is no
    job parameter: the ValueError it raises is argparse's error, in the check's own words."""

    def checked(value: str):
        try:
            return check(value)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    return checked


def _dest(param: Param) -> str:
    # what argparse calls the option's value (--dry-run: dry_run), so that call_command(dry_run=True) works as ever
    return param.option.removeprefix("--").replace("-", "_")


class JobCommand(BaseCommand):
    """A job's command: `job_key` names it. A parameter's value is checked by the job's run, as the
    admin's and a schedule's are, so that a refused one says the same thing everywhere; argparse
    only says what is wrong with the command line itself (an unknown or a missing option). A
    subclass adding options of its own calls super().add_arguments(parser)."""

    job_key: str

    @property
    def help(self):
        return get_job(self.job_key).description

    def add_arguments(self, parser):
        for param in get_job(self.job_key).params:
            if param.switch:
                parser.add_argument(param.option, dest=_dest(param), action="store_true", help=param.help)
            else:
                parser.add_argument(param.option, dest=_dest(param), required=param.required, metavar=param.metavar, help=param.help)

    def job_kwargs(self, options: dict) -> dict:
        """The job function's keyword arguments from the parsed options."""
        return {param.name: options[_dest(param)] for param in get_job(self.job_key).params}

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
