"""Closed days: the days a mess does not serve (holidays, vacations), marked by its officials or an
admin as ranges with a reason. Closed days raise no missing-waste reminders, count in no alert's
recorded days, and the daily report of a closed day says the mess was closed."""

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mess.derived import records_changed
from mess.models import EARLIEST_DATE, Closure, Mess
from mess.refusals import Refused

LONGEST = 366  # days in one closure: a year, a leap year's too
SHOWN_PAST_DAYS = 30  # the closures page lists those that ended this many days ago or later


class ClosureRefused(Refused):
    """A closure that cannot be marked; `errors` says why, by the field it is about."""


def closure_problems(*, mess: Mess, first_day: datetime.date, last_day: datetime.date, closure_id: int | None = None) -> dict[str, str]:
    """What is wrong with closing `mess` from `first_day` to `last_day` (both included), by field
    (`first_day`, `last_day`): none when it may be. The last day may not come before the first, a
    closure lasts at most LONGEST days, starts no earlier than EARLIEST_DATE, and overlaps no other
    closure of the mess (but `closure_id`, the one being changed). At most one query."""
    if first_day < EARLIEST_DATE:
        return {"first_day": f"The first day is before {EARLIEST_DATE:%d %b %Y}, the earliest date ManageIt records."}
    if last_day < first_day:
        return {"last_day": "The last day is before the first day."}
    if (last_day - first_day).days + 1 > LONGEST:
        return {"last_day": f"A closure lasts at most a year ({LONGEST} days); this one lasts {(last_day - first_day).days + 1}."}
    overlapping = Closure.objects.filter(mess=mess, first_day__lte=last_day, last_day__gte=first_day).exclude(pk=closure_id)
    other = overlapping.order_by("first_day").first()
    if other is not None:
        when = f"from {other.first_day:%d %b %Y} to {other.last_day:%d %b %Y}"
        return {"first_day": f"These days overlap the closure {when}: change or remove that one first."}
    return {}


def closures_changed(*, closures: list[tuple[datetime.date, datetime.date, int]]) -> None:
    """After closures (first day, last day, mess id) were added, changed or removed: the days of
    them that have been are brought up to date, as after a change of their records (their stored
    reports say whether the mess was closed, its alerts are re-evaluated); future days need nothing."""
    today = timezone.localdate()
    dates, mess_ids = set(), set()
    for first_day, last_day, mess_id in closures:
        if first_day > today:
            continue
        mess_ids.add(mess_id)
        dates.update(first_day + datetime.timedelta(days=n) for n in range((min(last_day, today) - first_day).days + 1))
    if dates:
        records_changed(dates=sorted(dates), mess_ids=sorted(mess_ids))


def closure_save(
    *, mess: Mess, first_day: datetime.date, last_day: datetime.date, reason: str = "", closure_id: int | None = None
) -> Closure:
    """Marks `mess` closed from `first_day` to `last_day` (both included) for `reason`, as a new
    closure or, with `closure_id`, instead of what that closure of the mess said (an admin may
    change one that has begun). Days that have been, before and after the change, count as they
    are now at once: their stored daily reports say so, and the mess's alerts are re-evaluated. Two
    closures saved at once never overlap: they are checked one after the other, under a lock on the
    mess. Raises ClosureRefused (see closure_problems), and changes nothing then; Closure.DoesNotExist
    for no closure `closure_id` of `mess`."""
    with transaction.atomic():
        Mess.objects.select_for_update().filter(pk=mess.pk).values_list("pk").first()
        problems = closure_problems(mess=mess, first_day=first_day, last_day=last_day, closure_id=closure_id)
        if problems:
            raise ClosureRefused(problems)
        changed = [(first_day, last_day, mess.pk)]
        if closure_id is None:
            closure = Closure.objects.create(mess=mess, first_day=first_day, last_day=last_day, reason=reason.strip())
        else:
            closure = Closure.objects.select_for_update().get(pk=closure_id)
            changed.append((closure.first_day, closure.last_day, closure.mess_id))
            closure.mess, closure.first_day, closure.last_day, closure.reason = mess, first_day, last_day, reason.strip()
            closure.save()
        closures_changed(closures=changed)
    return closure


def closure_remove(*, mess: Mess, closure_id: int) -> Closure:
    """Removes a closure of `mess` that has not begun (its first day is after today), and returns it.
    Raises Closure.DoesNotExist for no closure of `mess` by that id, and ValueError for one that has
    begun: the days that have been stay as they were reported (an admin can change them)."""
    closure = Closure.objects.get(pk=closure_id, mess=mess)
    deleted, _ = Closure.objects.filter(pk=closure_id, mess=mess, first_day__gt=timezone.localdate()).delete()
    if not deleted:
        raise ValueError(f"The closure from {closure.first_day:%d %b %Y} has begun: only closures that have not begun can be removed.")
    return closure


def closures_delete(*, closures: QuerySet[Closure]) -> int:
    """Removes `closures`, begun or not (an admin's deletion); the days that have been of them count
    as open at once, as after closure_save. Returns how many it removed."""
    with transaction.atomic():
        removed = list(closures.select_for_update().values_list("first_day", "last_day", "mess_id"))
        deleted, _ = Closure.objects.filter(pk__in=closures.values("pk")).delete() if removed else (0, None)
        closures_changed(closures=removed)
    return deleted


def closures_of_mess(*, mess: Mess) -> list[Closure]:
    """The closures of `mess` that have not ended, or ended in the last SHOWN_PAST_DAYS days, by
    first day. One query."""
    since = timezone.localdate() - datetime.timedelta(days=SHOWN_PAST_DAYS)
    return list(Closure.objects.filter(mess=mess, last_day__gte=since).order_by("first_day"))
