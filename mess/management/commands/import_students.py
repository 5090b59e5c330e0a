"""Creates or updates students from a CSV file: username,name,email,mess. All or nothing; see
mess.imports.students.students_import for what it guarantees. With --invite, e-mails each student of
the file who cannot log in yet, and was never invited, a link to set their password."""

from mess.imports.students import students_import
from mess.management.base import PeopleImportCommand


class Command(PeopleImportCommand):
    help = "Imports students from a CSV file (username,name,email,mess), or - for standard input. All or nothing."
    service = staticmethod(students_import)
    who = "student"
