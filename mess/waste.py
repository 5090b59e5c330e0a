"""Food waste: what each floor throws away after each meal, in kilograms and with the meal's head
count when known, recorded by officials (one record per floor, date and meal, every floor of a meal
at once, and what was cooked for it) or imported, once the meal has started; corrected and deleted,
each change kept in a history; the figures far outside a floor's usual range, which the form asks
to confirm; and its reads for the dashboard and the exports."""

import datetime
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext

from mess.derived import records_changed
from mess.figures import KG_SUM, cents, grams_per_diner
from mess.meals import day_check, meals_of_today, serving_order
from mess.models import MAX_COOKED_KG, MAX_DINERS, MAX_WASTE_KG, CookedFood, Floor, Meal, Mess, StagedWaste, WasteChange, WasteRecord
from mess.waste_value import record_value

# The columns of a waste file, as import_waste reads it and the exports write it: the last two, the
# record's worth at its mess's current rates, go out for the reader and are passed over coming back in.
WASTE_COLUMNS = ("date", "mess", "floor", "meal", "total_kg", "diners", "value_inr", "co2e_kg")


@dataclass(frozen=True)
class FloorWaste:
    """What an official weighed on one floor after one meal: kilograms, and the head count if known."""

    floor: Floor
    total_kg: Decimal
    diners: int | None = None


@dataclass(frozen=True)
class FloorChanged:
    """One floor's record as a save changed it: its kilograms and head count before and after."""

    name: str
    kg_before: Decimal
    kg_after: Decimal
    diners_before: int | None
    diners_after: int | None


@dataclass(frozen=True)
class MealSaved:
    """What saving a meal's waste did: the floors whose record was created (by name, with their
    kilograms and head count), those changed, and how many were already as given."""

    recorded: list[tuple[str, Decimal, int | None]]
    changed: list[FloorChanged]
    unchanged: int
    cooked: tuple[Decimal | None, Decimal | None] | None = None  # the cooked kilograms before and after, when they changed


@dataclass(frozen=True)
class Cooked:
    """What was cooked for a meal, as given with its waste: kilograms, or None to remove the figure."""

    kg: Decimal | None


@dataclass(frozen=True)
class WasteSaved:
    record: WasteRecord
    created: bool
    previous_kg: Decimal | None  # what the record said before this update; None when created
    changed: bool = True  # False when the record already said the same


def waste_meal_check(*, date: datetime.date, meal: str, now: datetime.datetime | None = None, mess: Mess | None = None) -> None:
    """Raises ValueError unless the waste of `meal` of `date` can be recorded at `now` (default: now):
    the date is from EARLIEST_DATE to today and, today, the meal's window at `mess` (None: the
    default) has started (local time).
    Waste is weighed after a meal; a meal still to come has none. One query, for today only."""
    now = now or timezone.now()
    day_check(date, latest=timezone.localdate(now))
    if meal not in Meal.values:
        raise ValueError(f"unknown meal {meal!r}")
    if date == timezone.localdate(now):
        starts = meals_to_come(now=now, mess=mess).get(meal)
        if starts is not None:
            raise ValueError(
                gettext("%(meal)s of %(day)s has not started yet (it starts at %(time)s)")
                % {"meal": Meal(meal).label, "day": date_format(date, "DATE_FORMAT"), "time": time_format(starts)}
            )


def meals_to_come(*, now: datetime.datetime, mess: Mess | int | None) -> dict[str, datetime.time]:
    """Today's meals at `mess` whose window has not started at `now` (local time), with their start.
    One query."""
    _, to_come = meals_of_today(now=now, mess=mess)
    return {w.meal: w.starts_at for w in to_come}


def waste_of_meal(*, mess: Mess, date: datetime.date, meal: str) -> dict[int, WasteRecord]:
    """The records of `mess`'s floors for `meal` of `date`, by floor id. One query."""
    records = WasteRecord.objects.filter(floor__mess=mess, date=date, meal=meal).select_related("recorded_by")
    return {r.floor_id: r for r in records}


def waste_meal_save(
    *, mess: Mess, date: datetime.date, meal: str, figures: list[FloorWaste], recorded_by, cooked: Cooked | None = None
) -> MealSaved:
    """Records the waste of `meal` of `date` for several floors of `mess` at once, and `cooked` for it
    (meal_cooked_save; None: as it is), all or nothing, in one transaction and a constant number of
    queries however many floors. Each floor has one record per date and meal: an existing one is
    changed, never duplicated (also when two officials save the same meal at once), and one already
    as given is left alone. Each record created or changed gets its line in the history (WasteChange,
    with the figures before and after), and the day's figures follow (mess.derived). Raises
    ValueError, having written nothing, for a floor of another mess or given twice, a meal that cannot
    be recorded (waste_meal_check), kilograms outside 0 to 1000 or with more than two decimals, or a
    head count out of range."""
    waste_meal_check(date=date, meal=meal, mess=mess)
    seen = set()
    for figure in figures:
        floor = figure.floor
        if floor.mess_id != mess.pk:
            raise ValueError(f"floor {floor.name} is not a floor of {mess.code}")
        if floor.pk in seen:
            raise ValueError(f"floor {floor.name} is given twice")
        seen.add(floor.pk)
        _figure_check(figure)
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                saved = _meal_write(mess=mess, date=date, meal=meal, figures=figures, recorded_by=recorded_by)
                if cooked is not None:
                    saved = replace(saved, cooked=meal_cooked_save(mess=mess, date=date, meal=meal, kg=cooked.kg, recorded_by=recorded_by))
                return saved
        except IntegrityError:
            # Another official created one of these records since it was read: read again, and
            # this save becomes a change of it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _figure_check(figure: FloorWaste) -> None:
    _kg_check(figure.total_kg, most=MAX_WASTE_KG, what=figure.floor.name)
    if figure.diners is not None and not 0 <= figure.diners <= MAX_DINERS:
        raise ValueError(f"{figure.floor.name}: diners must be from 0 to {MAX_DINERS}")


def _kg_check(kg: Decimal, *, most: Decimal, what: str) -> Decimal:
    """`kg` in cents, unless it is outside 0 to `most` or has more than two decimals (ValueError)."""
    if not kg.is_finite() or not Decimal(0) <= kg <= most:
        raise ValueError(f"{what}: {kg:f} kg is not between 0 and {most} kg")
    if kg != cents(kg):
        raise ValueError(f"{what}: {kg:f} kg has more than two decimals")
    return cents(kg)


def _meal_write(*, mess: Mess, date: datetime.date, meal: str, figures: list[FloorWaste], recorded_by) -> MealSaved:
    now = timezone.now()
    stored = {
        r.floor_id: r
        for r in WasteRecord.objects.select_for_update().filter(floor_id__in=[f.floor.pk for f in figures], date=date, meal=meal)
    }
    created, updated, changes = [], [], []
    recorded, changed = [], []
    for figure in figures:
        kg, record = cents(figure.total_kg), stored.get(figure.floor.pk)
        before = (record.total_kg, record.diners) if record else (None, None)
        if record is not None and before == (kg, figure.diners):
            continue
        if record is None:
            created.append(
                WasteRecord(floor=figure.floor, date=date, meal=meal, total_kg=kg, diners=figure.diners, recorded_by=recorded_by)
            )
            recorded.append((figure.floor.name, kg, figure.diners))
        else:
            record.total_kg, record.diners, record.recorded_by, record.recorded_at = kg, figure.diners, recorded_by, now
            updated.append(record)
            changed.append(FloorChanged(figure.floor.name, before[0], kg, before[1], figure.diners))
        changes.append(
            WasteChange(
                mess=mess,
                floor=figure.floor,
                floor_name=figure.floor.name,
                date=date,
                meal=meal,
                action=WasteChange.Action.CHANGED if record else WasteChange.Action.RECORDED,
                kg_before=before[0],
                diners_before=before[1],
                kg_after=kg,
                diners_after=figure.diners,
                changed_by=recorded_by,
            )
        )
    if created:
        WasteRecord.objects.bulk_create(created)
    if updated:
        WasteRecord.objects.bulk_update(updated, ["total_kg", "diners", "recorded_by", "recorded_at"])
    if changes:
        WasteChange.objects.bulk_create(changes)
        # yesterday's dinner is often weighed the next morning: the overview shows it at once
        records_changed(dates=[date], mess_ids=[mess.pk])
    return MealSaved(recorded=recorded, changed=changed, unchanged=len(figures) - len(changes))


def meal_cooked_save(*, mess: Mess, date: datetime.date, meal: str, kg: Decimal | None, recorded_by) -> tuple | None:
    """Records, changes or (`kg` None) removes what `mess` cooked for `meal` of `date` (CookedFood, one
    figure a meal), checked as the floors' figures are (waste_meal_check, 0 to MAX_COOKED_KG, cents).
    Returns the kilograms before and after, or None when already as given. Raises ValueError."""
    waste_meal_check(date=date, meal=meal, mess=mess)
    kg = None if kg is None else _kg_check(kg, most=MAX_COOKED_KG, what="Cooked")
    with transaction.atomic():
        stored = CookedFood.objects.select_for_update().filter(mess=mess, date=date, meal=meal)
        if (before := stored.values_list("kg", flat=True).first()) == kg:
            return None
        if kg is None:
            stored.delete()
        else:
            CookedFood.objects.update_or_create(mess=mess, date=date, meal=meal, defaults={"kg": kg, "recorded_by": recorded_by})
    return before, kg


def meal_cooked(*, mess: Mess, date: datetime.date, meal: str) -> CookedFood | None:
    """What `mess` recorded cooking for `meal` of `date`, if it did. One query."""
    return CookedFood.objects.filter(mess=mess, date=date, meal=meal).select_related("recorded_by").first()


def waste_record_save(
    *,
    mess: Mess,
    floor: Floor,
    date: datetime.date,
    meal: str,
    total_kg: Decimal,
    diners: int | None,
    recorded_by,
    replacing_id: int | None = None,
) -> WasteSaved:
    """Records the waste of one floor of `mess` after one meal of one day, as waste_meal_save does
    for several (the history, the day's figures, one record per floor, date and meal). The
    kilograms are stored in cents (1e2 is 100.00). Raises ValueError for a floor of another mess, a
    meal that cannot be recorded (waste_meal_check), an unknown meal, kilograms outside 0 to 1000
    or with more than two decimals, or a negative head count.

    With `replacing_id`, the stored record this is an edit of (in Django admin, which may move it to
    another floor, date or meal): moved, it is deleted where it was (kept in the history as deleted)
    and recorded where it is now, in one transaction."""
    with transaction.atomic():
        if replacing_id is not None:
            moved = WasteRecord.objects.filter(pk=replacing_id).exclude(floor=floor, date=date, meal=meal)
            waste_records_delete(records=moved, deleted_by=recorded_by)
        saved = waste_meal_save(
            mess=mess, date=date, meal=meal, figures=[FloorWaste(floor=floor, total_kg=total_kg, diners=diners)], recorded_by=recorded_by
        )
    record = WasteRecord.objects.select_related("floor").get(floor=floor, date=date, meal=meal)
    if saved.recorded:
        return WasteSaved(record=record, created=True, previous_kg=None)
    previous = saved.changed[0].kg_before if saved.changed else record.total_kg
    return WasteSaved(record=record, created=False, previous_kg=previous, changed=bool(saved.changed))


def waste_record_delete(*, mess: Mess, record_id: int, deleted_by) -> WasteRecord:
    """Deletes the waste record `record_id` of a floor of `mess`, keeps its figures in the history
    (WasteChange "deleted") and brings the day's figures up to date (mess.derived), in one
    transaction. Returns the deleted record (its floor read with it). Raises
    WasteRecord.DoesNotExist for a record of another mess, or one already deleted."""
    with transaction.atomic():
        record = WasteRecord.objects.select_for_update().select_related("floor").get(pk=record_id, floor__mess=mess)
        waste_records_delete(records=WasteRecord.objects.filter(pk=record.pk), deleted_by=deleted_by)
    return record


def waste_records_delete(*, records: QuerySet, deleted_by) -> int:
    """Deletes `records` (waste records of any messes), each with its line in the history (WasteChange
    "deleted", with the figures it had), and brings their days' figures up to date, in one
    transaction and a constant number of queries. Returns how many were deleted."""
    with transaction.atomic():
        rows = list(
            records.select_for_update()
            .order_by()
            .values_list("pk", "floor_id", "floor__mess_id", "floor__name", "date", "meal", "total_kg", "diners")
        )
        if not rows:
            return 0
        WasteChange.objects.bulk_create(
            WasteChange(
                mess_id=mess_id,
                floor_id=floor_id,
                floor_name=name,
                date=date,
                meal=meal,
                action=WasteChange.Action.DELETED,
                kg_before=kg,
                diners_before=diners,
                changed_by=deleted_by,
            )
            for _, floor_id, mess_id, name, date, meal, kg, diners in rows
        )
        deleted, _ = WasteRecord.objects.filter(pk__in=[row[0] for row in rows]).delete()
        records_changed(dates=sorted({row[4] for row in rows}), mess_ids=sorted({row[2] for row in rows}))
    return deleted


def waste_changes_of_import(*, staged_import_id: int, changed_at: datetime.datetime) -> int:
    """Keeps in the history the changes an import is about to make to stored records: one
    "changed" line per staged row whose record exists with other figures, with the figures it has
    now and the file's, by whoever the import is recorded by. Called in the import's last step,
    before the staged rows are copied, so "before" is what the records say at that moment. One
    statement (INSERT ... SELECT), however many rows; returns how many lines it wrote."""
    connection = connections[router.db_for_write(WasteChange)]
    quote = connection.ops.quote_name
    change, staged, record, floor = (quote(m._meta.db_table) for m in (WasteChange, StagedWaste, WasteRecord, Floor))
    columns = ", ".join(
        quote(c)
        for c in ("mess_id", "floor_id", "floor_name", "date", "meal", "action", "kg_before", "diners_before", "kg_after", "diners_after")
    )
    columns += f", {quote('changed_by_id')}, {quote('changed_at')}"
    kg, diners, date, meal, floor_id = (quote(c) for c in ("total_kg", "diners", "date", "meal", "floor_id"))
    sql = (
        f"INSERT INTO {change} ({columns})"
        f" SELECT f.{quote('mess_id')}, s.{floor_id}, f.{quote('name')}, s.{date}, s.{meal}, %s, r.{kg}, r.{diners}, s.{kg}, s.{diners},"
        f" s.{quote('recorded_by_id')}, %s"
        f" FROM {staged} s JOIN {record} r ON r.{floor_id} = s.{floor_id} AND r.{date} = s.{date} AND r.{meal} = s.{meal}"
        f" JOIN {floor} f ON f.{quote('id')} = s.{floor_id}"
        f" WHERE s.{quote('staged_import_id')} = %s AND (r.{kg} <> s.{kg} OR COALESCE(r.{diners}, -1) <> COALESCE(s.{diners}, -1))"
    )
    params = [WasteChange.Action.CHANGED.value, connection.ops.adapt_datetimefield_value(changed_at), staged_import_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def waste_history(*, mess: Mess) -> QuerySet:
    """The history of `mess`'s waste records (WasteChange), newest first, with who made each change:
    for a page to slice, which then costs one query."""
    return WasteChange.objects.filter(mess=mess).select_related("changed_by").order_by("-changed_at", "-id")


def waste_by_floor_and_meal(*, mess: Mess, start: datetime.date, end: datetime.date, end_partial: bool = False) -> list[dict]:
    """Every floor of `mess` (by name, also those with nothing recorded) with its kilograms from
    `start` to `end`: `floor`, `meals` (meal value -> Decimal or None, in serving order), `total`,
    and `days`, a (date, Decimal or None) pair for each date in order, None when nothing was
    recorded, or for `end` when it is a day not over yet (`end_partial`: the dashboard charts the
    days against the daily threshold, which a part of a day would seem to meet). Two queries: the
    floors, then the period's records of their ids (joined to the floors with the dates in the join
    instead, MariaDB reads each floor's whole history)."""
    floors = list(Floor.objects.filter(mess=mess).order_by("name").values_list("pk", "name"))
    kg = {
        (r["floor_id"], r["date"], r["meal"]): r["kg"]
        for r in WasteRecord.objects.filter(floor_id__in=[pk for pk, _ in floors], date__gte=start, date__lte=end)
        .values("floor_id", "date", "meal")
        .annotate(kg=Sum("total_kg", output_field=KG_SUM))
        .order_by()
    }
    by_meal, by_day = defaultdict(Decimal), defaultdict(Decimal)
    for (floor_id, date, meal), value in kg.items():
        by_meal[floor_id, meal] += cents(value)
        by_day[floor_id, date] += cents(value)
    dates = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    rows = []
    for pk, name in floors:
        meals = {meal: by_meal.get((pk, meal)) for meal in Meal.values}
        recorded = [value for value in meals.values() if value is not None]
        rows.append(
            {
                "floor": name,
                "meals": meals,
                "total": sum(recorded, Decimal("0.00")) if recorded else None,
                "days": [(date, None if end_partial and date == end else by_day.get((pk, date))) for date in dates],
            }
        )
    return rows


def waste_trend(*, mess: Mess, start: datetime.date, end: datetime.date, end_partial: bool = False) -> list[dict]:
    """One dict per date from `start` to `end`: `date`, `kg` (None when nothing was recorded that
    day, and for `end` when it is a day not over yet, `end_partial`: a part of a day would read as a
    dip) and `grams_per_diner` (over the records with a head count, each meal as it is recorded;
    None without any). One query."""
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
                "kg": cents(r["kg"]) if r and not (end_partial and date == end) else None,
                "grams_per_diner": grams_per_diner(r["counted_kg"], r["diners"]) if r and r["diners"] else None,
            }
        )
    return days


def waste_records_recent(*, mess: Mess, limit: int = 12) -> list[WasteRecord]:
    """The records of `mess` entered or changed last, with their floors. One query."""
    return list(WasteRecord.objects.filter(floor__mess=mess).select_related("floor").order_by("-recorded_at", "-id")[:limit])


def waste_export_rows(
    *, start: datetime.date, end: datetime.date, mess_id: int | None = None, mess_ids: Collection[int] | None = None
) -> Iterator[tuple[str, ...]]:
    """The waste records from `start` to `end` (of one mess, of those of `mess_ids`, or of all) as rows of
    WASTE_COLUMNS, the columns import_waste reads, by date, mess, floor and meal, each with its worth
    in rupees (empty where the mess sets no food cost) and kg CO2e at its mess's current rates. One
    query, read in chunks."""
    records = WasteRecord.objects.filter(date__gte=start, date__lte=end)
    if mess_id is not None:
        records = records.filter(floor__mess_id=mess_id)
    if mess_ids is not None:
        records = records.filter(floor__mess_id__in=mess_ids)
    rows = records.order_by("date", "floor__mess__code", "floor__name", serving_order()).values_list(
        "date",
        "floor__mess__code",
        "floor__name",
        "meal",
        "total_kg",
        "diners",
        "floor__mess__food_cost_per_kg",
        "floor__mess__co2e_per_kg",
    )
    for date, code, floor, meal, kg, diners, cost, co2e in rows.iterator(chunk_size=2000):
        inr, co2e_kg = record_value(kg=cents(kg), food_cost_per_kg=cost, co2e_per_kg=co2e)
        yield date.isoformat(), code, floor, meal, str(cents(kg)), "" if diners is None else str(diners), inr, co2e_kg
