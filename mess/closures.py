"""Closed days: the days a mess does not serve (holidays, vacations), marked by its officials or an
admin as ranges with a reason. Closed days raise no missing-waste reminders, count in no alert's
recorded days, and the daily report of a closed day says the mess was closed."""

import datetime
from collections.abc import Iterable

from mess.models import Closure


def closures_by_day(*, mess_ids: Iterable[int] | None, start: datetime.date, end: datetime.date) -> dict[tuple[int, datetime.date], str]:
    """The reason (maybe "") each mess named (None: every mess) is closed, by (mess id, date), for
    the closed days from `start` to `end` (both included). One query."""
    if start > end:
        return {}
    closures = Closure.objects.filter(first_day__lte=end, last_day__gte=start)
    if mess_ids is not None:
        closures = closures.filter(mess_id__in=list(mess_ids))
    days = {}
    for mess_id, first_day, last_day, reason in closures.values_list("mess_id", "first_day", "last_day", "reason"):
        day = max(first_day, start)
        while day <= min(last_day, end):
            days[mess_id, day] = reason
            day += datetime.timedelta(days=1)
    return days


def closed_days(*, mess_ids: Iterable[int] | None, start: datetime.date, end: datetime.date) -> set[tuple[int, datetime.date]]:
    """The (mess id, date) pairs from `start` to `end` (both included) on which the messes named
    (None: every mess) are closed, read in one query whatever the number of messes and days."""
    return set(closures_by_day(mess_ids=mess_ids, start=start, end=end))
