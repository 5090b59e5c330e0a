"""Loads students' absences from a CSV file: student,first_day,last_day,meal (the meal empty for every
meal). All or nothing; past days included, as known before their meals' cut-offs: see
mess.imports.absences.absences_import."""

from mess.imports.absences import absences_import
from mess.management.base import ImportCommand


class Command(ImportCommand):
    help = "Imports absences from a CSV file (student,first_day,last_day,meal), or - for standard input. All or nothing."
    service = staticmethod(absences_import)
