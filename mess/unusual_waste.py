"""Unusual waste: the figures of a meal far outside what the floor usually throws away, or than its
head count allows, which the waste page asks the official to confirm before saving (a slip of the
finger, 40 for 4.0, or 999999 diners). A read: nothing here refuses or stores a figure."""

import datetime
from collections import defaultdict
from decimal import Decimal
from statistics import median

from mess.absences import students_by_day
from mess.figures import cents
from mess.models import Mess, WasteRecord
from mess.waste import FloorWaste

# A figure is unusual when it is more than MEDIAN_TIMES times its floor's median for the same meal
# over the last MEDIAN_DAYS days (when it has MEDIAN_MIN_RECORDS records there; fewer say nothing),
# or more than MAX_KG_PER_DINER per diner.
MEDIAN_DAYS = 30
MEDIAN_MIN_RECORDS = 5
MEDIAN_TIMES = 3
MAX_KG_PER_DINER = Decimal(2)


def waste_unusual(*, mess: Mess, date: datetime.date, meal: str, figures: list[FloorWaste]) -> dict[int, str]:
    """The figures far outside their floor's usual range, by floor id, each with why: more than
    MEDIAN_TIMES times the floor's median for the same meal over the MEDIAN_DAYS days before `date`
    (a floor with fewer than MEDIAN_MIN_RECORDS records there, or a median of 0, is not compared),
    more than MAX_KG_PER_DINER kilograms per diner, any weight with a head count of 0, or a head
    count above the students the mess has on `date` (floors have no students of their own; a mess
    with none on its list is not compared). Per meal, since a floor's breakfast and lunch waste
    differ by far. Two queries."""
    start = date - datetime.timedelta(days=MEDIAN_DAYS)
    history = defaultdict(list)
    for floor_id, kg in WasteRecord.objects.filter(
        floor_id__in=[f.floor.pk for f in figures], floor__mess=mess, meal=meal, date__gte=start, date__lt=date
    ).values_list("floor_id", "total_kg"):
        history[floor_id].append(kg)
    students = students_by_day(mess_ids=[mess.pk], dates=[date])[(mess.pk, date)]
    unusual = {}
    for figure in figures:
        kg = cents(figure.total_kg)
        kgs = history.get(figure.floor.pk, [])
        usual = cents(median(kgs)) if len(kgs) >= MEDIAN_MIN_RECORDS else None
        reasons = []
        if kg_reasons := _kg_reasons(kg, usual=usual, diners=figure.diners):
            reasons.append(f"{kg} kg is " + " and ".join(kg_reasons))
        if students and figure.diners and figure.diners > students:
            reasons.append(f"{figure.diners} diners are more than the students who eat at {mess.name} ({students})")
        if reasons:
            unusual[figure.floor.pk] = "; ".join(reasons) + "."
    return unusual


def _kg_reasons(kg: Decimal, *, usual: Decimal | None, diners: int | None) -> list[str]:
    reasons = []
    if usual and kg > MEDIAN_TIMES * usual:
        reasons.append(f"more than {MEDIAN_TIMES} times this floor's usual {usual} kg (its median of the last {MEDIAN_DAYS} days)")
    if diners == 0 and kg > 0:  # no diner, yet food thrown away: a slip in either figure, or a meal nobody came to
        reasons.append("recorded for 0 diners")
    elif diners and kg > MAX_KG_PER_DINER * diners:
        reasons.append(f"more than {MAX_KG_PER_DINER} kg per diner ({cents(kg / diners)} kg for each of {diners})")
    return reasons
