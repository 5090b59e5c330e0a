"""Writes the absences of a date range as CSV to standard output, in the columns import_absences reads
(student,first_day,last_day,meal), so that a file can go out and back in."""

import csv
import datetime

from django.core.management.base import BaseCommand, CommandError

from mess.absences import ABSENCE_COLUMNS, absence_export_rows
from mess.imports.reader import cell_out
from mess.models import Mess


def _date(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


_date.__name__ = "date"  # argparse names the type in its error message


class Command(BaseCommand):
    help = "Writes the absences touching --start to --end (of every mess, or of --mess CODE) as CSV, as import_absences reads them."

    def add_arguments(self, parser):
        parser.add_argument("--mess", help="the mess's code; every mess if not given")
        parser.add_argument("--start", type=_date, required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--end", type=_date, required=True, metavar="YYYY-MM-DD")

    def handle(self, *args, mess: str | None, start: datetime.date, end: datetime.date, **options):
        if end < start:
            raise CommandError("--end is before --start")
        mess_id = None
        if mess is not None:
            mess_id = Mess.objects.filter(code=mess).values_list("pk", flat=True).first()
            if mess_id is None:
                raise CommandError(f"no mess {mess!r}")
        writer = csv.writer(self.stdout)
        writer.writerow(ABSENCE_COLUMNS)
        writer.writerows([cell_out(cell) for cell in row] for row in absence_export_rows(start=start, end=end, mess_id=mess_id))
