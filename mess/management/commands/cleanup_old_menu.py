"""Deletes the temporary and non-veg menus of past days (scheduled daily at 00:00)."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "cleanup_old_menu"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only say what would be deleted.")

    def job_kwargs(self, options):
        return {"dry_run": options["dry_run"]}
