"""Creates the default schedule of every job that has none (run by `make run` on every start).

Idempotent: it never duplicates a schedule and never changes one that exists, so an admin's
edits and pauses survive it; it only removes the schedules of a job whose default schedules come and
go with the data (one per meal time, say) that no default needs any more. It lists schedules whose
job no longer exists, for an admin to delete.
"""

from django.core.management.base import BaseCommand

from scheduling.sync import schedules_sync


class Command(BaseCommand):
    help = "Creates the missing default job schedules and removes those no longer needed; never changes existing ones."

    def handle(self, *args, **options):
        result = schedules_sync()
        for name in result.created:
            self.stdout.write(f"created schedule {name}")
        for name in result.removed:
            self.stdout.write(f"removed schedule {name}: no longer needed")
        for name in result.orphaned:
            self.stderr.write(f"schedule {name} runs no known job: delete it in the admin")
        return str(result)
