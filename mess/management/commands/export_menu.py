"""Writes the weekly menus as CSV to standard output, in the columns import_menu reads
(mess,weekday,meal,week,veg,dishes), so that a file can go out, be edited and come back in."""

import csv

from django.core.management.base import BaseCommand, CommandError

from mess.imports.reader import cell_out
from mess.menus import MENU_COLUMNS, menu_export_rows
from mess.models import Mess


class Command(BaseCommand):
    help = "Writes the weekly menus (of every mess, or of --mess CODE) as CSV to standard output, as import_menu reads them."

    def add_arguments(self, parser):
        parser.add_argument("--mess", help="the mess's code; every mess if not given")

    def handle(self, *args, mess: str | None, **options):
        mess_id = None
        if mess is not None:
            mess_id = Mess.objects.filter(code=mess).values_list("pk", flat=True).first()
            if mess_id is None:
                raise CommandError(f"no mess {mess!r}")
        writer = csv.writer(self.stdout)
        writer.writerow(MENU_COLUMNS)
        writer.writerows([cell_out(cell) for cell in row] for row in menu_export_rows(mess_id=mess_id))
