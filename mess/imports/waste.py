"""The waste file: `date,mess,floor,meal,total_kg[,diners]`, one record per floor, date and meal."""

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import IO

from django.utils import timezone

from mess.bulk import upsert_staged
from mess.derived import records_changed
from mess.figures import CENTS
from mess.imports.problems import Problems
from mess.imports.reader import (
    MEALS,
    Bad,
    Dates,
    DaySlots,
    FileKind,
    ImportResult,
    choice,
    existing,
    import_file,
    messes,
    parse_mess,
    show,
    staged_write,
)
from mess.meals import windows_read
from mess.models import MAX_DINERS, MAX_WASTE_KG, Floor, StagedWaste, WasteRecord
from mess.waste import WASTE_COLUMNS, waste_changes_of_import


def waste_import(*, file: IO, recorded_by=None, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Imports `date,mess,floor,meal,total_kg[,diners]` rows as waste records, one per floor, date and
    meal: new ones are created and changed ones updated (recorded by `recorded_by`, None for files).
    A row of a meal that has not started yet is refused, as the form refuses it. Each update of a
    stored record gets its line in the waste history ("changed", before and after); new records
    get none, as the file is their record. All or nothing (see mess.imports.reader); memory stays
    flat however long the file is."""
    return import_file(_WasteImport(recorded_by=recorded_by), file=file, progress=progress)


class _WasteImport(FileKind):
    what = "waste records"
    columns = WASTE_COLUMNS
    required = columns[:5]
    key_text = "floor, date and meal"

    def __init__(self, *, recorded_by):
        super().__init__()
        self.recorded_by = recorded_by
        self.seen = DaySlots().seen
        self.date = Dates()
        self.updated = 0  # rows that change a stored record: each gets a line in the waste history

    def load(self) -> None:
        self.codes, self.mess_codes = messes()
        self.floors = {(mess_id, name): pk for pk, mess_id, name in Floor.objects.values_list("id", "mess_id", "name")}
        self.floor_names = defaultdict(list)
        for mess_id, name in sorted(self.floors):
            self.floor_names[mess_id].append(name)
        now = timezone.now()
        self.today, self.now = timezone.localdate(now), now
        self.windows = windows_read()  # each mess's own, or the defaults

    def parse(self, fields: dict[str, str]) -> tuple:
        row = Problems()
        day = row.take(self.date, fields["date"])
        mess_id = row.take(parse_mess, fields["mess"], self.codes)
        floor_id = row.take(self._floor, mess_id, fields["floor"]) if mess_id is not None else None
        meal = row.take(choice, fields["meal"], MEALS, "meal")
        if None not in (day, mess_id, meal):
            row.take(self._started, mess_id, day, meal)
        kg = row.take(_kg, fields["total_kg"])
        diners = row.take(_diners, fields.get("diners", ""))
        row.done()
        return (floor_id, day, meal), (floor_id, day, meal, kg, diners)

    def _floor(self, mess_id: int, name: str) -> int:
        floor_id = self.floors.get((mess_id, name))
        if floor_id is None:
            if not name:
                raise Bad("floor is missing")
            names = ", ".join(self.floor_names[mess_id]) or "none"
            raise Bad(f"mess {self.mess_codes[mess_id]} has no floor {show(name)} (its floors: {names})")
        return floor_id

    def _started(self, mess_id: int, day, meal: str) -> None:
        window = self.windows.window(mess_id, meal)
        if day == self.today and window is not None and window.starts_at > timezone.localtime(self.now).time():
            raise Bad(f"{meal} of {day} has not started yet (it starts at {window.starts_at:%H:%M}): waste is recorded after the meal")

    def check(self, items: list) -> tuple[list, int]:
        stored = existing(WasteRecord, owner="floor_id", keys=[item[:3] for item in items], values=("total_kg", "diners"))
        changed, new = [], 0
        for floor_id, day, meal, kg, diners in items:
            old = stored.get((floor_id, day, meal))
            if old == (kg, diners):
                continue
            new += old is None
            self.updated += old is not None
            changed.append((floor_id, day, meal, kg, diners))
            self.dates.add(day)
        self.changed += len(changed)
        return changed, new

    def write(self, batches) -> None:
        recorded_by_id = self.recorded_by.pk if self.recorded_by else None

        def publish(staged_import) -> None:
            if self.updated:  # a file of new records only (the usual large one) costs the history nothing
                waste_changes_of_import(staged_import_id=staged_import.pk, changed_at=timezone.now())
            upsert_staged(
                WasteRecord,
                staging=StagedWaste,
                staged_import_id=staged_import.pk,
                columns=["floor_id", "date", "meal", "total_kg", "diners", "recorded_by_id"],
                values={"recorded_at": timezone.now()},
                unique_fields=["floor_id", "date", "meal"],
                update_fields=["total_kg", "diners", "recorded_by_id", "recorded_at"],
            )
            records_changed(dates=self.dates)

        rows = (
            [StagedWaste(floor_id=f, date=d, meal=m, total_kg=kg, diners=n, recorded_by_id=recorded_by_id) for f, d, m, kg, n in batch]
            for batch in batches
        )
        staged_write(kind="waste", staging=StagedWaste, rows=rows, publish=publish)


def _kg(value: str) -> Decimal:
    if not value:
        raise Bad("total_kg is missing")
    try:
        kg = Decimal(value)
    except InvalidOperation:
        kg = None
    if kg is None or not kg.is_finite():
        raise Bad(f"total_kg {show(value)} is not a number")
    if kg < 0:
        raise Bad(f"total_kg {value} is negative")
    if kg > MAX_WASTE_KG:
        raise Bad(f"total_kg {value} is more than {MAX_WASTE_KG} kg")
    rounded = kg.quantize(CENTS)
    if rounded != kg:
        raise Bad(f"total_kg {value} has more than 2 decimals")
    return rounded


def _diners(value: str) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise Bad(f"diners {show(value)} is not a whole number (0 or more)")
    if len(value) > 10 or int(value) > MAX_DINERS:
        raise Bad(f"diners {show(value)} is too large")
    return int(value)
