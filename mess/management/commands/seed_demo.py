"""Fills an empty ManageIt with demo data and prints the demo logins. `make run` calls it with
--if-empty on every start, so it must say so and do nothing once there is data: it never adds to,
or replaces, data that is already there (reset with `make clean` instead). It prints the demo
logins that still work every time, so that a returning user finds them."""

from django.core.management.base import BaseCommand, CommandError

from mess.demo import demo_database_empty, demo_logins, demo_logins_text, demo_seed


class Command(BaseCommand):
    help = (
        "Fills an empty database with demo data (two messes, 60 days of absences, head counts, waste, feedback, dish votes, menus, "
        "cook sheets; the alerts evaluated) and prints the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing, without failing, when the database already has data")

    def handle(self, *args, if_empty: bool, **options):
        if if_empty and not demo_database_empty():
            logins = demo_logins()
            return "ManageIt already has data (messes or users); no demo data added." + (f"\n{demo_logins_text(logins)}" if logins else "")
        try:
            summary = demo_seed()
        except ValueError as error:
            raise CommandError(f"{error} (use --if-empty to skip quietly, or start from a fresh database)") from None
        return f"{summary}.\n{demo_logins_text(summary.logins)}"
