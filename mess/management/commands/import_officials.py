"""Creates or updates officials from a CSV file: username,name,email,messes (mess codes separated by
;). All or nothing; see mess.imports.officials.officials_import for what it guarantees. With
--invite, e-mails each official of the file who cannot log in yet, and was never invited, a link to
set their password."""

from django.core.management.base import CommandError

from mess.imports.officials import officials_import
from mess.imports.students import InvitationsStopped
from mess.management.base import ImportCommand


class Command(ImportCommand):
    help = (
        "Imports officials from a CSV file (username,name,email,messes with codes separated by ;), or - for standard input. All or nothing."
    )
    service = staticmethod(officials_import)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--invite", action="store_true", help="e-mail each new official a link to set their password")

    def service_options(self, options):
        return {"invite": options["invite"]}

    def handle(self, *args, **options):
        try:
            return super().handle(*args, **options)
        except InvitationsStopped as stopped:
            raise CommandError(str(stopped)) from None
