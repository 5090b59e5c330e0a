"""The menu file: `mess,weekday,meal,week,veg,dishes`, one regular (weekly) menu per row.

- weekday: a name (Monday, or its first three letters, any case) or a number, 0 for Monday to 6 for
  Sunday, as Python's date.weekday() counts;
- week: `every` (or 0) for a menu served every week, `1` or `2` for a week of the mess's odd/even rotation;
- veg: yes/no or true/false;
- dishes: separated by `;`, at most MAX_DISHES, each at most MAX_DISH_CHARS characters (the officials'
  menu pages' limits, mess/menu_editing.py).

A row replaces the dishes of its slot (mess, weekday, meal, week, veg); slots the file does not name
are left as they are. Each slot whose dishes change is kept in the menu history (MenuChange), as the
officials' changes are.
"""

from collections.abc import Callable
from typing import IO

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from mess.bulk import upsert
from mess.imports.problems import Problems
from mess.imports.reader import MEALS, Bad, FileKind, ImportResult, choice, import_file, messes, parse_mess, show
from mess.menu_rules import MAX_DISH_CHARS, dishes_listed
from mess.menus import DISH_SEPARATOR, MENU_COLUMNS
from mess.models import MAX_DISHES, MenuChange, MenuWeek, RegularMenu, Weekday
from mess.text import typed_text

WEEKDAYS = {
    **{str(day.value): day.value for day in Weekday},
    **{day.name.lower(): day.value for day in Weekday},
    **{day.name[:3].lower(): day.value for day in Weekday},
}
WEEKS = {"0": MenuWeek.EVERY, "every": MenuWeek.EVERY, "1": MenuWeek.FIRST, "2": MenuWeek.SECOND}
VEG = {"yes": True, "true": True, "no": False, "false": False}


def menu_import(*, file: IO, progress: Callable[[int], None] | None = None, changed_by: AbstractBaseUser | None = None) -> ImportResult:
    """Imports `mess,weekday,meal,week,veg,dishes` rows as regular menus: each row's dishes replace
    those of its slot, which is created if new. All or nothing (see mess.imports.reader): a file with
    any bad row writes nothing and lists every bad row by line. Importing the same file again (or a
    file the menu export wrote) changes nothing and leaves no history. One short transaction writes
    the whole file and, with it, one MenuChange per slot whose dishes changed (before and after, by
    `changed_by`: None from the command line), a fixed number of queries whatever the file's length."""
    return import_file(_MenuImport(changed_by=changed_by), file=file, progress=progress)


class _MenuImport(FileKind):
    what = "menus"
    columns = MENU_COLUMNS
    required = columns
    key_text = "mess, weekday, meal, week and veg"

    def __init__(self, *, changed_by: AbstractBaseUser | None):
        super().__init__()
        self.keys: set[tuple] = set()
        self.changed_by = changed_by

    def seen(self, key: tuple) -> bool:
        if key in self.keys:
            return True
        self.keys.add(key)
        return False

    def load(self) -> None:
        self.codes, _ = messes()
        self.stored = {
            (mess_id, weekday, meal, week, is_veg): dishes_listed(dishes)
            for mess_id, weekday, meal, week, is_veg, dishes in RegularMenu.objects.values_list(
                "mess_id", "weekday", "meal", "week", "is_veg", "dishes"
            )
        }

    def parse(self, fields: dict[str, str]) -> tuple:
        row = Problems()
        mess_id = row.take(parse_mess, fields["mess"], self.codes)
        weekday = row.take(choice, fields["weekday"], WEEKDAYS, "weekday", "a name such as Monday, or 0 (Monday) to 6 (Sunday)")
        meal = row.take(choice, fields["meal"], MEALS, "meal")
        week = row.take(choice, fields["week"], WEEKS, "week", "every (or 0), 1 or 2")
        is_veg = row.take(choice, fields["veg"], VEG, "veg", "yes, no, true or false")
        dishes = row.take(_dishes, fields["dishes"])
        row.done()
        key = (mess_id, weekday, meal, week, is_veg)
        return key, (*key, dishes)

    def check(self, items: list) -> tuple[list, int]:
        changed, new = [], 0
        for *key, dishes in items:
            old = self.stored.get(tuple(key))
            if old == dishes:
                continue
            new += old is None
            changed.append((*key, old or [], dishes))
        self.changed += len(changed)
        return changed, new

    def write(self, batches) -> None:
        menus, history = [], []
        for batch in batches:
            for mess_id, weekday, meal, week, is_veg, before, dishes in batch:
                menus.append(RegularMenu(mess_id=mess_id, weekday=weekday, meal=meal, week=week, is_veg=is_veg, dishes="\n".join(dishes)))
                history.append(
                    MenuChange(
                        mess_id=mess_id,
                        kind=MenuChange.Kind.REGULAR,
                        meal=meal,
                        weekday=weekday,
                        week=week,
                        before="\n".join(before),
                        after="\n".join(dishes),
                        changed_by=self.changed_by,
                    )
                )
        with transaction.atomic():
            upsert(RegularMenu, menus, unique_fields=["mess", "weekday", "meal", "week", "is_veg"], update_fields=["dishes"])
            MenuChange.objects.bulk_create(history)


def _dishes(value: str) -> list[str]:
    """The dishes of a cell, as the officials' menu pages would keep them (mess.menu_editing): each
    trimmed, its runs of spaces made one, empty ones dropped; the limits are theirs, worded for a file."""
    if "\n" in value or "\r" in value:
        raise Bad(f"dishes {show(value)} hold a line break or a control character (dishes are separated by {DISH_SEPARATOR})")
    try:
        typed_text(value)  # the one rule for typed text, as the menu pages apply it
    except ValueError as error:
        raise Bad(f"dishes {error}") from None
    dishes = dishes_listed("\n".join(value.split(DISH_SEPARATOR)))
    if not dishes:
        raise Bad("dishes is missing")
    if len(dishes) > MAX_DISHES:
        raise Bad(f"{len(dishes)} dishes, more than {MAX_DISHES}")
    for dish in dishes:
        if len(dish) > MAX_DISH_CHARS:
            raise Bad(f"dish {show(dish)} is longer than {MAX_DISH_CHARS} characters")
    return dishes
