"""Rows the tests of the pages make over and over, on one fixed day: waste records, feedback,
alerts and notifications."""

import datetime
import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from mess.models import Alert, Feedback, Notification, WasteRecord
from mess.triage import feedback_verdict

User = get_user_model()

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
TODAY = datetime.date(2026, 3, 10)  # a Tuesday
NOW = datetime.datetime(2026, 3, 10, 13, 0, tzinfo=IST)  # lunch has started, snacks not yet


def days_ago(n: int, date: datetime.date = TODAY) -> datetime.date:
    return date - datetime.timedelta(days=n)


def waste(floor, date, meal, kg, diners=None) -> WasteRecord:
    return WasteRecord.objects.create(floor=floor, date=date, meal=meal, total_kg=Decimal(kg), diners=diners)


_raters = itertools.count()


def rater() -> User:
    """A user who only gives feedback (no role needed for what the pages read)."""
    return User.objects.create(username=f"rater{next(_raters)}")


def feedback(mess, date, meal, rating, comment="", category="food", student=None) -> Feedback:
    """An entry as ManageIt stores one: with its verdict (mess.triage)."""
    return judged(Feedback(student=student or rater(), mess=mess, date=date, meal=meal, rating=rating, comment=comment, category=category))


def judged(entry: Feedback) -> Feedback:
    """Saves `entry` with its verdict, as every way ManageIt stores feedback does."""
    feedback_verdict(entry=entry)
    entry.save()
    return entry


def alert(mess, subject, *, kind="high_waste", value="60.50", resolved=False) -> Alert:
    seen = datetime.datetime(2026, 3, 9, 10, tzinfo=IST)
    return Alert.objects.create(
        mess=mess,
        kind=kind,
        subject=subject,
        value=Decimal(value),
        threshold=Decimal("50"),
        window_start=days_ago(6),
        window_end=TODAY,
        first_seen_at=seen,
        last_seen_at=seen,
        resolved_at=seen if resolved else None,
        is_open=None if resolved else True,
    )


def notification(mess, date, meal, comments=(), read=False) -> Notification:
    return Notification.objects.create(
        mess=mess,
        date=date,
        meal=meal,
        critical_count=len(comments) or 1,
        average_rating=Decimal("1.50"),
        comments=[{"text": c, "why": "a rating of 1 with a comment"} for c in comments],
        read_at=timezone.now() if read else None,
    )
