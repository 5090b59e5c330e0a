"""What the alerts' tests share: the day they are on, and the rows they make."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model

from mess.models import Feedback, Mess, WasteRecord

User = get_user_model()

TODAY = datetime.date(2026, 3, 10)
# 21:30 IST, after the day's last meal: the day counts whole in the per-day rule (see the partial day's tests)
NOON = datetime.datetime(2026, 3, 10, 16, 0, tzinfo=datetime.UTC)
MIDDAY = datetime.datetime(2026, 3, 10, 6, 30, tzinfo=datetime.UTC)  # 12:00 IST: breakfast and lunch have been


def days_ago(n, today=TODAY):
    return today - datetime.timedelta(days=n)


WEEK_START = days_ago(6)  # the default window ending TODAY: seven days, TODAY included


def waste(floor, date, kg, meal="lunch", diners=None):
    return WasteRecord.objects.create(floor=floor, date=date, meal=meal, total_kg=Decimal(kg), diners=diners)


def thresholds(mess, **fields):
    """Sets `mess`'s alert thresholds (min_ratings=1 lets a single rating count)."""
    Mess.objects.filter(pk=mess.pk).update(**fields)


_students = iter(range(10**6))


def ratings(mess, date, meal, *values):
    """Feedback of `meal` on `date`, one entry per rating, each by a new student."""
    students = User.objects.bulk_create([User(username=f"s{next(_students)}") for _ in values])
    Feedback.objects.bulk_create(
        [Feedback(student=s, mess=mess, date=date, meal=meal, rating=r) for s, r in zip(students, values, strict=True)]
    )


def alert_row(mess="mess1", kind="high_waste", subject="Ground", value=50.01, threshold=50.0, basis=1, start=WEEK_START, end=TODAY):
    return {
        "mess": mess,
        "kind": kind,
        "subject": subject,
        "value": value,
        "threshold": threshold,
        "basis": basis,
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
    }
