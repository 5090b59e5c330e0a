"""Food waste: what each floor throws away after each meal, in kilograms and with the meal's head
count when known, recorded by officials (one record per floor, date and meal) or imported; and its
reads for the dashboard and the exports."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum

from mess.changes import records_changed
from mess.figures import KG_SUM, cents, grams_per_diner
from mess.meals import day_check, serving_order
from mess.models import MAX_WASTE_KG, Floor, Meal, Mess, WasteRecord

# The columns of a waste file, as import_waste reads it and the exports write it.
WASTE_COLUMNS = ("date", "mess", "floor", "meal", "total_kg", "diners")


@dataclass(frozen=True)
class WasteSaved:
    record: WasteRecord
    created: bool
    previous_kg: Decimal | None  # what the record said before this update; None when created


def waste_record_save(
    *, mess: Mess, floor: Floor, date: datetime.date, meal: str, total_kg: Decimal, diners: int | None, recorded_by
) -> WasteSaved:
    """Records the waste of one floor of `mess` after one meal of one day. There is one record per
    floor, date and meal: an existing one is updated (and says what it was), never duplicated, also
    when two officials save the same one at once. The kilograms are stored in cents (1e2 is 100.00).
    Raises ValueError for a floor of another mess, a date before EARLIEST_DATE or after today, an
    unknown meal, kilograms outside 0 to 1000 or with more than two decimals, or a negative head
    count."""
    if floor.mess_id != mess.pk:
        raise ValueError(f"floor {floor.name} is not a floor of {mess.code}")
    day_check(date)
    if meal not in Meal.values:
        raise ValueError(f"unknown meal {meal!r}")
    if not Decimal(0) <= total_kg <= MAX_WASTE_KG:
        raise ValueError(f"{total_kg:f} kg is not between 0 and {MAX_WASTE_KG} kg")
    if total_kg != cents(total_kg):
        raise ValueError(f"{total_kg:f} kg has more than two decimals")
    total_kg = cents(total_kg)
    if diners is not None and diners < 0:
        raise ValueError("diners cannot be negative")
    with transaction.atomic():
        previous = (
            WasteRecord.objects.select_for_update().filter(floor=floor, date=date, meal=meal).values_list("total_kg", flat=True).first()
        )
        # update_or_create takes the row lock again and, if another official created the record
        # since, retries as an update: the unique constraint never lets a second one in.
        record, created = WasteRecord.objects.update_or_create(
            floor=floor, date=date, meal=meal, defaults={"total_kg": total_kg, "diners": diners, "recorded_by": recorded_by}
        )
        # yesterday's dinner is often weighed the next morning: the overview shows it at once
        records_changed(dates=[date], mess_ids=[mess.pk])
    return WasteSaved(record=record, created=created, previous_kg=None if created else previous)


def waste_by_floor_and_meal(*, mess: Mess, start: datetime.date, end: datetime.date) -> list[dict]:
    """Every floor of `mess` (by name, also those with nothing recorded) with its kilograms from
    `start` to `end`: `floor`, `meals` (meal value -> Decimal or None, in serving order) and `total`.
    Two queries: the floors, then the period's records of their ids (joined to the floors with the
    dates in the join instead, MariaDB reads each floor's whole history)."""
    floors = list(Floor.objects.filter(mess=mess).order_by("name").values_list("pk", "name"))
    kg = {
        (r["floor_id"], r["meal"]): r["kg"]
        for r in WasteRecord.objects.filter(floor_id__in=[pk for pk, _ in floors], date__gte=start, date__lte=end)
        .values("floor_id", "meal")
        .annotate(kg=Sum("total_kg", output_field=KG_SUM))
        .order_by()
    }
    rows = []
    for pk, name in floors:
        meals = {meal: cents(kg.get((pk, meal))) for meal in Meal.values}
        recorded = [value for value in meals.values() if value is not None]
        rows.append({"floor": name, "meals": meals, "total": sum(recorded, Decimal("0.00")) if recorded else None})
    return rows


def waste_trend(*, mess: Mess, start: datetime.date, end: datetime.date) -> list[dict]:
    """One dict per date from `start` to `end`: `date`, `kg` (None when nothing was recorded that
    day) and `grams_per_diner` (over the records with a head count; None without any). One query."""
    by_date = {
        r["date"]: r
        for r in WasteRecord.objects.filter(floor__mess=mess, date__gte=start, date__lte=end)
        .values("date")
        .annotate(
            kg=Sum("total_kg", output_field=KG_SUM),
            counted_kg=Sum("total_kg", filter=Q(diners__gt=0), output_field=KG_SUM),
            diners=Sum("diners", filter=Q(diners__gt=0)),
        )
        .order_by()
    }
    days = []
    for n in range((end - start).days + 1):
        date = start + datetime.timedelta(days=n)
        r = by_date.get(date)
        days.append(
            {
                "date": date,
                "kg": cents(r["kg"]) if r else None,
                "grams_per_diner": grams_per_diner(r["counted_kg"], r["diners"]) if r and r["diners"] else None,
            }
        )
    return days


def waste_records_recent(*, mess: Mess, limit: int = 12) -> list[WasteRecord]:
    """The records of `mess` entered or changed last, with their floors. One query."""
    return list(WasteRecord.objects.filter(floor__mess=mess).select_related("floor").order_by("-recorded_at", "-id")[:limit])


def waste_export_rows(*, start: datetime.date, end: datetime.date, mess_id: int | None = None) -> Iterator[tuple[str, ...]]:
    """The waste records from `start` to `end` (of one mess, or of all) as rows of
    WASTE_COLUMNS, the columns import_waste reads, by date, mess, floor and meal. One query,
    read in chunks."""
    records = WasteRecord.objects.filter(date__gte=start, date__lte=end)
    if mess_id is not None:
        records = records.filter(floor__mess_id=mess_id)
    rows = records.order_by("date", "floor__mess__code", "floor__name", serving_order()).values_list(
        "date", "floor__mess__code", "floor__name", "meal", "total_kg", "diners"
    )
    for date, code, floor, meal, kg, diners in rows.iterator(chunk_size=2000):
        yield date.isoformat(), code, floor, meal, str(cents(kg)), "" if diners is None else str(diners)
