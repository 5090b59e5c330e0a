"""Creates or updates waste records from a CSV file: date,mess,floor,meal,total_kg[,diners]. All or
nothing, in constant memory; see mess.imports.waste.waste_import for what it guarantees."""

from mess.imports.waste import waste_import
from mess.management.base import ImportCommand


class Command(ImportCommand):
    help = "Imports food waste from a CSV file (date,mess,floor,meal,total_kg[,diners]), or - for standard input. All or nothing."
    service = staticmethod(waste_import)
