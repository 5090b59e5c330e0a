"""Creates or updates students from a CSV file: username,name,email,mess. All or nothing; see
mess.imports.students.students_import for what it guarantees. With --invite, e-mails each student of
the file who cannot log in yet, and was never invited, a link to set their password."""

from django.core.management.base import CommandError

from mess.imports.students import InvitationsStopped, students_import
from mess.management.base import ImportCommand


class Command(ImportCommand):
    help = "Imports students from a CSV file (username,name,email,mess), or - for standard input. All or nothing."
    service = staticmethod(students_import)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--invite", action="store_true", help="e-mail each new student a link to set their password")

    def service_options(self, options):
        return {"invite": options["invite"]}

    def handle(self, *args, **options):
        try:
            return super().handle(*args, **options)
        except InvitationsStopped as stopped:
            raise CommandError(str(stopped)) from None
