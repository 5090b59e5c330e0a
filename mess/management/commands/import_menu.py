"""Creates or replaces regular (weekly) menus from a CSV file: mess,weekday,meal,week,veg,dishes.
All or nothing; see mess.imports.menus.menu_import for what it guarantees."""

from mess.imports.menus import menu_import
from mess.management.base import ImportCommand


class Command(ImportCommand):
    help = (
        "Imports weekly menus from a CSV file (mess,weekday,meal,week,veg,dishes; dishes separated by ;), "
        "or - for standard input. All or nothing."
    )
    service = staticmethod(menu_import)
