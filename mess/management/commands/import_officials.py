"""Creates or updates officials from a CSV file: username,name,email,messes (mess codes separated by
;). All or nothing; see mess.imports.officials.officials_import for what it guarantees. With
--invite, e-mails each official of the file who cannot log in yet, and was never invited, a link to
set their password."""

from mess.imports.officials import officials_import
from mess.management.base import PeopleImportCommand


class Command(PeopleImportCommand):
    help = (
        "Imports officials from a CSV file (username,name,email,messes with codes separated by ;), or - for standard input. All or nothing."
    )
    service = staticmethod(officials_import)
    who = "official"
