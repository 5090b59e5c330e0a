"""Creates or updates students' feedback from a CSV file: date,mess,meal,student,rating[,comment][,category].
All or nothing; see mess.services_imports.feedback_import for what it guarantees."""

from mess.management.base import ImportCommand
from mess.services_imports import feedback_import


class Command(ImportCommand):
    help = "Imports feedback from a CSV file (date,mess,meal,student,rating[,comment][,category]), or - for standard input. All or nothing."
    service = staticmethod(feedback_import)
