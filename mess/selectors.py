"""Reads of the mess domain that several features share."""

import datetime
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    Q,
    Sum,
)

from mess.figures import KG_SUM, average, cents, grams_per_diner
from mess.meals import days_ending, serving_order
from mess.models import (
    DailyReport,
    Feedback,
    FeedbackCategory,
    Floor,
    Meal,
    Mess,
    Notification,
    WasteRecord,
)

# Feedback the officials must hear about at once: a low rating that says why, or any food-safety
# complaint whatever its rating. Forms strip comments, so an empty string is "no comment".
CRITICAL_FEEDBACK = Q(category=FeedbackCategory.HYGIENE) | (Q(rating__lte=2) & ~Q(comment=""))


# The web pages' reads -------------------------------------------------------------------------------
# Each is a fixed number of queries whatever the amount of data: the pages promise at most 15.

WASTE_EXPORT_COLUMNS = ("date", "mess", "floor", "meal", "total_kg", "diners")
FEEDBACK_EXPORT_COLUMNS = ("date", "mess", "meal", "student", "rating", "comment", "category")


def mess_for_dashboard(*, code: str) -> Mess:
    """The mess with this code, with `unread_notifications` counted. Raises Mess.DoesNotExist."""
    return Mess.objects.annotate(unread_notifications=Count("notifications", filter=Q(notifications__read_at__isnull=True))).get(code=code)


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


def ratings_by_meal(*, mess: Mess, today: datetime.date) -> list[dict]:
    """Each meal in serving order with its feedback count and average rating over the 7 and the 30
    days ending `today`: `meal`, `label`, `n7`, `average7`, `n30`, `average30` (None without
    feedback). One query."""
    start7, _ = days_ending(end=today, days=7)
    start30, _ = days_ending(end=today, days=30)
    rows = {
        r["meal"]: r
        for r in Feedback.objects.filter(mess=mess, date__gte=start30, date__lte=today)
        .values("meal")
        .annotate(
            n30=Count("id"),
            total30=Sum("rating"),
            n7=Count("id", filter=Q(date__gte=start7)),
            total7=Sum("rating", filter=Q(date__gte=start7)),
        )
        .order_by()
    }
    result = []
    for meal in Meal:
        r = rows.get(meal.value, {"n7": 0, "total7": 0, "n30": 0, "total30": 0})
        result.append(
            {
                "meal": meal.value,
                "label": meal.label,
                "n7": r["n7"],
                "average7": average(r["total7"], r["n7"]),
                "n30": r["n30"],
                "average30": average(r["total30"], r["n30"]),
            }
        )
    return result


def feedback_critical_latest(*, mess: Mess, since: datetime.date, limit: int = 10) -> list[Feedback]:
    """The newest critical feedback of `mess` (see CRITICAL_FEEDBACK) dated `since` or later, newest
    day first. One query; the date bound keeps it from sorting the mess's whole history."""
    entries = Feedback.objects.filter(mess=mess, date__gte=since).filter(CRITICAL_FEEDBACK)
    return list(entries.order_by("-date", "-created_at", "-id")[:limit])


def notifications_inbox(*, mess: Mess, since: datetime.date, limit: int = 10) -> list[Notification]:
    """The notifications of `mess` dated `since` or later: unread first, then newest day first. One
    query; the date bound keeps it from sorting the mess's whole history."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return list(Notification.objects.filter(mess=mess, date__gte=since).order_by(unread.desc(), "-date", "-updated_at")[:limit])


def daily_reports_latest(*, mess: Mess, limit: int = 7) -> list[DailyReport]:
    """The newest daily reports of `mess` without their rendered bodies. One query."""
    return list(DailyReport.objects.filter(mess=mess).defer("text_body", "html_body").order_by("-date")[:limit])


def waste_records_recent(*, mess: Mess, limit: int = 12) -> list[WasteRecord]:
    """The records of `mess` entered or changed last, with their floors. One query."""
    return list(WasteRecord.objects.filter(floor__mess=mess).select_related("floor").order_by("-recorded_at", "-id")[:limit])


def feedback_of_student(*, student, date: datetime.date) -> dict[str, Feedback]:
    """The student's feedback of `date`, by meal. One query."""
    return {f.meal: f for f in Feedback.objects.filter(student=student, date=date)}


def feedback_history(*, student, before: datetime.date, limit: int = 30) -> list[Feedback]:
    """The student's own feedback of the days before `before`, newest first. One query."""
    return list(Feedback.objects.filter(student=student, date__lt=before).order_by("-date", serving_order(), "-id")[:limit])


def waste_export_rows(*, start: datetime.date, end: datetime.date, mess_id: int | None = None) -> Iterator[tuple[str, ...]]:
    """The waste records from `start` to `end` (of one mess, or of all) as rows of
    WASTE_EXPORT_COLUMNS, the columns import_waste reads, by date, mess, floor and meal. One query,
    read in chunks."""
    records = WasteRecord.objects.filter(date__gte=start, date__lte=end)
    if mess_id is not None:
        records = records.filter(floor__mess_id=mess_id)
    rows = records.order_by("date", "floor__mess__code", "floor__name", serving_order()).values_list(
        "date", "floor__mess__code", "floor__name", "meal", "total_kg", "diners"
    )
    for date, code, floor, meal, kg, diners in rows.iterator(chunk_size=2000):
        yield date.isoformat(), code, floor, meal, str(cents(kg)), "" if diners is None else str(diners)


def feedback_export_rows(*, start: datetime.date, end: datetime.date, mess_id: int | None = None) -> Iterator[tuple[str, ...]]:
    """The feedback from `start` to `end` (of one mess, or of all) as rows of
    FEEDBACK_EXPORT_COLUMNS, the columns import_feedback reads, by date, mess, meal and student.
    One query, read in chunks."""
    entries = Feedback.objects.filter(date__gte=start, date__lte=end)
    if mess_id is not None:
        entries = entries.filter(mess_id=mess_id)
    rows = entries.order_by("date", "mess__code", serving_order(), "student__username").values_list(
        "date", "mess__code", "meal", "student__username", "rating", "comment", "category"
    )
    for date, code, meal, student, rating, comment, category in rows.iterator(chunk_size=2000):
        yield date.isoformat(), code, meal, student, str(rating), comment, category
