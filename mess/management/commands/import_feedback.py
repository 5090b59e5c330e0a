"""Creates or updates students' feedback from a CSV file: date,mess,meal,student,rating[,comment][,category].
All or nothing; see mess.imports.feedback.feedback_import for what it guarantees."""

from mess.imports.feedback import feedback_import
from mess.management.base import ImportCommand


class Command(ImportCommand):
    help = "Imports feedback from a CSV file (date,mess,meal,student,rating[,comment][,category]), or - for standard input. All or nothing."
    service = staticmethod(feedback_import)
