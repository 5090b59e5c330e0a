"""Creates or updates students from a CSV file: username,name,email,mess. All or nothing; see
mess.imports.students.students_import for what it guarantees."""

from mess.imports.students import students_import
from mess.management.base import ImportCommand


class Command(ImportCommand):
    help = "Imports students from a CSV file (username,name,email,mess), or - for standard input. All or nothing."
    service = staticmethod(students_import)
