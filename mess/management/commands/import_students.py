"""Creates or updates students from a CSV file: username,name,email,mess. All or nothing; see
mess.services_imports.students_import for what it guarantees."""

from mess.management.base import ImportCommand
from mess.services_imports import students_import


class Command(ImportCommand):
    help = "Imports students from a CSV file (username,name,email,mess), or - for standard input. All or nothing."
    service = staticmethod(students_import)
