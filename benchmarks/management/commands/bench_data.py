"""Fills an empty database with the benchmarks' data: S (2 messes, 60 days), M (10 messes of 4 floors,
a year) or L (20 messes of 4 floors and 400 students each, 3 years: about 10 million feedback rows).
Deterministic; see benchmarks.data.bench_data_generate for what it writes and guarantees. For the
benchmarks' own databases only (`make bench`): it refuses a database that has messes or users. Not
installed in production: run it with DJANGO_SETTINGS_MODULE=benchmarks.settings."""

import dataclasses
import datetime
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from benchmarks.data import SCALES, bench_data_generate
from scheduling.commands import argument_type
from scheduling.registry import date_value


class Command(BaseCommand):
    help = "Fills an empty database with benchmark data: --scale S, M, L or XL (deterministic; for benchmark databases only)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), required=True)
        parser.add_argument("--until", type=argument_type(date_value), help="last day of the history (default: yesterday)")
        for name, what in (("messes", "messes"), ("floors", "floors per mess"), ("students", "students per mess"), ("days", "days")):
            parser.add_argument(f"--{name}", type=int, help=f"number of {what}, instead of the scale's")

    def handle(self, *args, scale: str, until: datetime.date | None, **options):
        overrides = {name: options[name] for name in ("messes", "floors", "students", "days") if options[name] is not None}
        if any(value < 0 for value in overrides.values()):
            raise CommandError("the numbers of messes, floors, students and days cannot be negative")
        chosen = dataclasses.replace(SCALES[scale], **overrides)
        until = until or timezone.localdate() - datetime.timedelta(days=1)
        total = chosen.feedback_rows() + chosen.waste_rows()
        with tqdm(total=total, unit=" rows", unit_scale=True, file=sys.stderr, disable=not self.stderr.isatty()) as bar:
            try:
                data = bench_data_generate(scale=chosen, until=until, progress=None if bar.disable else bar.update)
            except ValueError as error:
                raise CommandError(str(error)) from None
        return str(data)
