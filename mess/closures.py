"""Closed days: the days a mess does not serve (holidays, vacations), marked by its officials or an
admin as ranges with a reason. Closed days raise no missing-waste reminders, count in no alert's
recorded days, and the daily report of a closed day says the mess was closed.

Since a closed day's waste counts in no alert, closing days already recorded would hide that waste:
officials close today and later days that hold no waste or feedback yet, and remove a closure of
their mess until its first day begins; a closure that covers days with recorded waste or feedback
needs an admin, with a reason. No closure ends more than a year ahead. Every closure marked, changed
or removed is kept in a history (ClosureChange) the mess's officials read."""

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from mess.derived import records_changed
from mess.models import EARLIEST_DATE, Closure, ClosureChange, Feedback, Mess, WasteRecord
from mess.refusals import Refused

LONGEST = 366  # days in one closure: a year, a leap year's too
AHEAD = 366  # days from today a closure may end at the latest
SHOWN_PAST_DAYS = 30  # the closures page lists those that ended this many days ago or later


class ClosureRefused(Refused):
    """A closure that cannot be marked; `errors` says why, by the field it is about."""


def closure_problems(
    *,
    mess: Mess,
    first_day: datetime.date,
    last_day: datetime.date,
    closure_id: int | None = None,
    reason: str = "",
    by_admin: bool = False,
) -> dict[str, str]:
    """What is wrong with closing `mess` from `first_day` to `last_day` (both included) for
    `reason`, by field (`first_day`, `last_day`, `reason`): none when it may be. The last day may not
    come before the first, a closure lasts at most LONGEST days, starts no earlier than EARLIEST_DATE,
    ends at most AHEAD days from today and overlaps no other closure of the mess (but `closure_id`,
    the one being changed). Unless `by_admin`, it starts today or later and covers no day with waste
    or feedback recorded; an admin closing such days gives a reason. At most three queries."""
    today = timezone.localdate()
    if first_day < EARLIEST_DATE:
        return {
            "first_day": gettext("The first day is before %(earliest)s, the earliest date ManageIt records.")
            % {"earliest": date_format(EARLIEST_DATE, "DATE_FORMAT")}
        }
    if last_day < first_day:
        return {"last_day": gettext("The last day is before the first day.")}
    if (last_day - first_day).days + 1 > LONGEST:
        return {
            "last_day": gettext("A closure lasts at most a year (%(most)s days); this one lasts %(days)s.")
            % {"most": LONGEST, "days": (last_day - first_day).days + 1}
        }
    if last_day > today + datetime.timedelta(days=AHEAD):
        latest = today + datetime.timedelta(days=AHEAD)
        return {"last_day": gettext("A closure ends at most a year ahead, by %(latest)s.") % {"latest": date_format(latest, "DATE_FORMAT")}}
    if not by_admin and first_day < today:
        return {
            "first_day": gettext("%(day)s has passed: officials close today and later days; an admin closes past days.")
            % {"day": date_format(first_day, "DATE_FORMAT")}
        }
    overlapping = Closure.objects.filter(mess=mess, first_day__lte=last_day, last_day__gte=first_day).exclude(pk=closure_id)
    other = overlapping.order_by("first_day").first()
    if other is not None:
        return {
            "first_day": gettext("These days overlap the closure from %(first)s to %(last)s: change or remove that one first.")
            % {"first": date_format(other.first_day, "DATE_FORMAT"), "last": date_format(other.last_day, "DATE_FORMAT")}
        }
    recorded = _recorded_days(mess=mess, first_day=first_day, last_day=min(last_day, today))
    if recorded and not by_admin:
        days = ", ".join(date_format(day, "SHORT_DATE_FORMAT") for day in recorded[:5])
        if len(recorded) > 5:
            days = gettext("%(days)s and %(more)s more") % {"days": days, "more": len(recorded) - 5}
        return {
            "first_day": gettext(
                "Waste or feedback is recorded on %(days)s: closing it would leave those figures out of the alerts, "
                "so only an admin can, with a reason."
            )
            % {"days": days}
        }
    if recorded and not reason.strip():
        return {"reason": gettext("These days have waste or feedback recorded: say why they count as closed (the history keeps it).")}
    return {}


def _recorded_days(*, mess: Mess, first_day: datetime.date, last_day: datetime.date) -> list[datetime.date]:
    """The days from `first_day` to `last_day` with waste or feedback of `mess` recorded. Two queries
    (none for days still to come)."""
    if first_day > last_day:
        return []
    waste = WasteRecord.objects.filter(floor__mess=mess, date__gte=first_day, date__lte=last_day).values_list("date", flat=True)
    feedback = Feedback.objects.filter(mess=mess, date__gte=first_day, date__lte=last_day).values_list("date", flat=True)
    return sorted({*waste.distinct().order_by(), *feedback.distinct().order_by()})


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
    *,
    mess: Mess,
    first_day: datetime.date,
    last_day: datetime.date,
    reason: str = "",
    closure_id: int | None = None,
    changed_by=None,
    by_admin: bool = False,
) -> Closure:
    """Marks `mess` closed from `first_day` to `last_day` (both included) for `reason`, as a new
    closure or, with `closure_id`, instead of what that closure said (an admin's change). Days that
    have been, before and after the change, count as they are now at once: their stored daily reports
    say so, and the mess's alerts are re-evaluated. Kept in the history, by `changed_by`. Two
    closures saved at once never overlap: they are checked one after the other, under a lock on the
    mess. Raises ClosureRefused (see closure_problems; `by_admin` for an admin's rules), and changes
    nothing then; Closure.DoesNotExist for no closure `closure_id`."""
    reason = reason.strip()
    with transaction.atomic():
        Mess.objects.select_for_update().filter(pk=mess.pk).values_list("pk").first()
        problems = closure_problems(
            mess=mess, first_day=first_day, last_day=last_day, closure_id=closure_id, reason=reason, by_admin=by_admin
        )
        if problems:
            raise ClosureRefused(problems)
        changed = [(first_day, last_day, mess.pk)]
        before = None
        if closure_id is None:
            closure = Closure.objects.create(mess=mess, first_day=first_day, last_day=last_day, reason=reason, created_by=changed_by)
        else:
            closure = Closure.objects.select_for_update().get(pk=closure_id)
            before = (closure.first_day, closure.last_day, closure.reason)
            changed.append((closure.first_day, closure.last_day, closure.mess_id))
            closure.mess, closure.first_day, closure.last_day, closure.reason = mess, first_day, last_day, reason
            closure.save()
        _history(mess_id=mess.pk, before=before, after=(first_day, last_day, reason), changed_by=changed_by)
        closures_changed(closures=changed)
    return closure


def _history(*, mess_id: int, before: tuple | None, after: tuple | None, changed_by) -> ClosureChange:
    action = (
        ClosureChange.Action.ADDED if before is None else ClosureChange.Action.REMOVED if after is None else ClosureChange.Action.CHANGED
    )
    first_before, last_before, reason_before = before or (None, None, "")
    first_after, last_after, reason_after = after or (None, None, "")
    return ClosureChange.objects.create(
        mess_id=mess_id,
        action=action,
        first_day_before=first_before,
        last_day_before=last_before,
        reason_before=reason_before,
        first_day_after=first_after,
        last_day_after=last_after,
        reason_after=reason_after,
        changed_by=changed_by,
    )


def closure_remove(*, mess: Mess, closure_id: int, removed_by=None) -> Closure:
    """Removes a closure of `mess` that has not begun (its first day is after today), keeps the
    removal in the history, and returns it. Raises Closure.DoesNotExist for no closure of `mess` by
    that id, and ValueError for one that has begun: the days that have been stay as they were
    reported (an admin can change them)."""
    with transaction.atomic():
        closure = Closure.objects.select_for_update().get(pk=closure_id, mess=mess)
        if closure.first_day <= timezone.localdate():
            raise ValueError(
                gettext("The closure from %(first)s has begun: only closures that have not begun can be removed.")
                % {"first": date_format(closure.first_day, "DATE_FORMAT")}
            )
        Closure.objects.filter(pk=closure.pk).delete()  # the instance keeps its id for the caller's message
        _history(mess_id=mess.pk, before=(closure.first_day, closure.last_day, closure.reason), after=None, changed_by=removed_by)
    return closure


def closures_delete(*, closures: QuerySet[Closure], deleted_by=None) -> int:
    """Removes `closures`, begun or not (an admin's deletion), each kept in the history; the days that
    have been of them count as open at once, as after closure_save. Returns how many it removed."""
    with transaction.atomic():
        removed = list(closures.select_for_update())
        Closure.objects.filter(pk__in=[c.pk for c in removed]).delete()
        for closure in removed:
            _history(
                mess_id=closure.mess_id, before=(closure.first_day, closure.last_day, closure.reason), after=None, changed_by=deleted_by
            )
        closures_changed(closures=[(c.first_day, c.last_day, c.mess_id) for c in removed])
    return len(removed)


def closure_changes_of(*, mess: Mess) -> QuerySet[ClosureChange]:
    """The closures' history of `mess`, newest first, with who made each change (for a paginator)."""
    return ClosureChange.objects.filter(mess=mess).select_related("changed_by").order_by("-changed_at", "-id")


def closures_of_mess(*, mess: Mess) -> list[Closure]:
    """The closures of `mess` that have not ended, or ended in the last SHOWN_PAST_DAYS days, by
    first day. One query."""
    since = timezone.localdate() - datetime.timedelta(days=SHOWN_PAST_DAYS)
    return list(Closure.objects.filter(mess=mess, last_day__gte=since).order_by("first_day"))
