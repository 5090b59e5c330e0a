"""What the web pages write: waste records entered by officials, students' feedback, and the
notifications officials have read."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from mess.meals import meals_of_today
from mess.models import Feedback, FeedbackCategory, Floor, Meal, Mess, Notification, WasteRecord
from mess.totals import day_totals_refresh


@dataclass(frozen=True)
class WasteSaved:
    record: WasteRecord
    created: bool
    previous_kg: Decimal | None  # what the record said before this update; None when created


@dataclass(frozen=True)
class FeedbackSaved:
    entry: Feedback
    created: bool


def waste_record_save(
    *, mess: Mess, floor: Floor, date: datetime.date, meal: str, total_kg: Decimal, diners: int | None, recorded_by
) -> WasteSaved:
    """Records the waste of one floor of `mess` after one meal of one day. There is one record per
    floor, date and meal: an existing one is updated (and says what it was), never duplicated, also
    when two officials save the same one at once. Raises ValueError for a floor of another mess, a
    date after today, an unknown meal, kilograms outside 0 to 1000 or a negative head count."""
    if floor.mess_id != mess.pk:
        raise ValueError(f"floor {floor.name} is not a floor of {mess.code}")
    if date > timezone.localdate():
        raise ValueError(f"{date} is in the future")
    if meal not in Meal.values:
        raise ValueError(f"unknown meal {meal!r}")
    if not Decimal(0) <= total_kg <= WasteRecord.MAX_KG:
        raise ValueError(f"{total_kg} kg is not between 0 and {WasteRecord.MAX_KG} kg")
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
        day_totals_refresh(dates=[date], mess_ids=[mess.pk])
    return WasteSaved(record=record, created=created, previous_kg=None if created else previous)


def feedback_save(*, student, meal: str, rating: int, category: str, comment: str) -> FeedbackSaved:
    """Stores the student's feedback of today's `meal` at their own mess: one entry per student,
    day and meal, which later saves of the same day change. Only meals whose window has started
    (local time) can be rated, so the day a student may still change an entry ends at midnight.
    The comment is stored stripped (an empty comment is "no comment"). Raises ValueError for a
    student without a mess, a meal that has not started yet, a rating outside 1 to 5 or an unknown
    category."""
    now = timezone.now()
    mess_id = Mess.objects.filter(profiles__user=student).values_list("pk", flat=True).first()
    if mess_id is None:
        raise ValueError(f"{student} eats at no mess")
    started, _ = meals_of_today(now=now)
    if meal not in {w.meal for w in started}:
        raise ValueError(f"{meal} has not started yet today")
    if rating not in range(1, 6):
        raise ValueError(f"rating {rating} is not from 1 to 5")
    if category not in FeedbackCategory.values:
        raise ValueError(f"unknown category {category!r}")
    comment = comment.strip()
    if len(comment) > Feedback.MAX_COMMENT:
        raise ValueError(f"the comment is longer than {Feedback.MAX_COMMENT} characters")
    entry, created = Feedback.objects.update_or_create(
        student=student,
        date=timezone.localdate(now),
        meal=meal,
        defaults={"mess_id": mess_id, "rating": rating, "category": category, "comment": comment},
    )
    return FeedbackSaved(entry=entry, created=created)


def notification_mark_read(*, mess: Mess, notification_id: int) -> bool:
    """Marks one notification of `mess` as read; True if it was unread. Raises
    Notification.DoesNotExist when `mess` has no such notification."""
    marked = Notification.objects.filter(pk=notification_id, mess=mess, read_at__isnull=True).update(read_at=timezone.now())
    if not marked and not Notification.objects.filter(pk=notification_id, mess=mess).exists():
        raise Notification.DoesNotExist(f"{mess.code} has no notification {notification_id}")
    return bool(marked)


def notifications_mark_all_read(*, mess: Mess) -> int:
    """Marks every unread notification of `mess` as read; returns how many there were."""
    return Notification.objects.filter(mess=mess, read_at__isnull=True).update(read_at=timezone.now())
