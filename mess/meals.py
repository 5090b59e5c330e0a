"""The mess's day: its meals in serving order and the windows they are served in (which have
started by now), the runs of days that pages and reports look at, and how far back the jobs make up
days they missed."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext

from mess.models import EARLIEST_DATE, Closure, Meal, MealWindow, Mess
from mess.refusals import Refused
from scheduling.sync import default_schedules, schedules_follow_defaults

# After downtime, the jobs whose output belongs to a date (notifications, daily reports) make up the
# dates of up to this many days back.
MAKE_UP_DAYS = 7


class MessWindows:
    """Every meal window, read once, and those that apply at each mess: its own window for a meal
    where it has one, the default otherwise."""

    def __init__(self, rows: Iterable[MealWindow]):
        self.defaults: dict[str, MealWindow] = {}
        self.own: dict[int, dict[str, MealWindow]] = {}
        for w in rows:
            if w.mess_id is None:
                self.defaults[w.meal] = w
            else:
                self.own.setdefault(w.mess_id, {})[w.meal] = w

    def of(self, mess_id: int | None) -> list[MealWindow]:
        """The windows that apply at the mess (None: the defaults), in serving order (by start time)."""
        by_meal = {**self.defaults, **self.own.get(mess_id, {})}
        return sorted(by_meal.values(), key=lambda w: w.starts_at)

    def window(self, mess_id: int | None, meal: str) -> MealWindow | None:
        """The window of `meal` that applies at the mess, or None when the meal has none."""
        return self.own.get(mess_id, {}).get(meal) or self.defaults.get(meal)


def windows_read(*, mess: Mess | int | None = None, every_mess: bool = True) -> MessWindows:
    """The defaults and the messes' own windows (only `mess`'s when given, or none when not
    `every_mess`). One query."""
    rows = MealWindow.objects.all()
    if mess is not None:
        rows = rows.filter(Q(mess__isnull=True) | Q(mess=mess))
    elif not every_mess:
        rows = rows.filter(mess__isnull=True)
    return MessWindows(rows)


def messes_of_meal(*, meal: str, ends_at: datetime.time | None = None) -> list[tuple[str, str]]:
    """The active messes that serve `meal` (by their own window or the default), only those whose
    window of it ends at `ends_at` when given, as (code, name) by code: the parts of a run of a job
    that works per mess and meal (see scheduling.parts). Two queries."""
    windows = windows_read()
    return [
        (code, name)
        for pk, code, name in Mess.objects.filter(is_active=True).order_by("code").values_list("pk", "code", "name")
        if (window := windows.window(pk, meal)) is not None and (ends_at is None or window.ends_at == ends_at)
    ]


def meal_windows(*, mess: Mess | int | None = None) -> list[MealWindow]:
    """The meals' service windows at `mess` (its own, or the default for a meal it has none of;
    None: the defaults), in serving order (by start time). One query."""
    mess_id = mess.pk if isinstance(mess, Mess) else mess
    return windows_read(mess=mess_id, every_mess=False).of(mess_id)


def meal_window_check(
    *, meal: str, starts_at: datetime.time, ends_at: datetime.time, mess: Mess | int | None = None, windows: MessWindows | None = None
) -> None:
    """Raises Refused, by field, unless `meal` may be served from `starts_at` to `ends_at` at `mess`
    (None: by default): it ends after it starts, on the same day, and overlaps no other meal's
    window there; a default's new hours must also fit every mess that follows it, beside that mess's
    own windows (`windows`, default the stored ones; one query then), since the pages and the jobs ask
    which meal is being served at a moment. A window may end when the next begins."""
    if not starts_at < ends_at:
        raise Refused(
            {
                "ends_at": gettext("It ends at %(ends)s, not after it starts at %(starts)s: a meal ends later the same day.")
                % {"ends": time_format(ends_at), "starts": time_format(starts_at)}
            }
        )
    mess_id = mess.pk if isinstance(mess, Mess) else mess
    windows = windows_read() if windows is None else windows
    # Where these hours would apply: the mess, or by default everywhere but where a mess has its own.
    where = [mess_id] if mess_id is not None else [None, *(m for m, own in windows.own.items() if meal not in own)]
    for at in where:
        for other in windows.of(at):
            if other.meal != meal and starts_at < other.ends_at and other.starts_at < ends_at:
                hours = {
                    "starts": time_format(starts_at),
                    "ends": time_format(ends_at),
                    "meal": other.get_meal_display().lower(),
                    "other_starts": time_format(other.starts_at),
                    "other_ends": time_format(other.ends_at),
                }
                if at is None or mess_id is not None:
                    message = gettext(
                        "From %(starts)s to %(ends)s overlaps %(meal)s (%(other_starts)s to %(other_ends)s): "
                        "move that meal first, or choose other hours."
                    )
                else:
                    hours["mess"] = _mess_code(at)
                    message = gettext(
                        "From %(starts)s to %(ends)s overlaps %(meal)s at %(mess)s, which has its own "
                        "(%(other_starts)s to %(other_ends)s): move that meal first, or choose other hours."
                    )
                raise Refused({"starts_at": message % hours})


def _mess_code(mess_id: int) -> str:
    return Mess.objects.filter(pk=mess_id).values_list("code", flat=True).first() or str(mess_id)


def meal_window_update(*, meal: str, starts_at: datetime.time, ends_at: datetime.time, mess: Mess | None = None) -> list[str]:
    """Serves `meal` from `starts_at` to `ends_at` (local time) from now on, at `mess` (its own
    window, made if it has none) or by default (None: at every mess without its own), and moves the
    schedules that follow the windows with it (the critical-feedback notifications when a meal ends,
    the missing-waste reminders an hour later, the cook sheets at each cut-off), except those an
    admin re-timed: a time no window needs any more loses its schedules, a new one gets them.
    Returns the names of the schedules moved, created or deleted. Raises Refused
    (meal_window_check), changing nothing. Two admins moving windows at once take turns: the windows
    are locked while one is checked and written."""
    with transaction.atomic():
        windows = MessWindows(MealWindow.objects.select_for_update())
        meal_window_check(meal=meal, starts_at=starts_at, ends_at=ends_at, mess=mess, windows=windows)
        before = default_schedules()
        if mess is None:
            MealWindow.objects.filter(mess__isnull=True, meal=meal).update(starts_at=starts_at, ends_at=ends_at)
        else:
            MealWindow.objects.update_or_create(mess=mess, meal=meal, defaults={"starts_at": starts_at, "ends_at": ends_at})
        return schedules_follow_defaults(before=before)


def meal_window_remove(*, window: MealWindow) -> list[str]:
    """A mess's own window given up: the mess follows the default for that meal again, and the
    schedules follow (see meal_window_update). Returns the names of the schedules moved, created or
    deleted. Raises Refused for a default window, which every meal keeps, or when the default's
    hours would overlap another of the mess's own windows."""
    if window.mess_id is None:
        raise Refused({"meal": gettext("A meal's default window stays: change its hours instead.")})
    with transaction.atomic():
        windows = MessWindows(MealWindow.objects.select_for_update())
        default = windows.defaults.get(window.meal)
        if default is not None:
            del windows.own[window.mess_id][window.meal]
            meal_window_check(meal=window.meal, starts_at=default.starts_at, ends_at=default.ends_at, mess=window.mess_id, windows=windows)
        before = default_schedules()
        MealWindow.objects.filter(pk=window.pk).delete()
        return schedules_follow_defaults(before=before)


def meals_of_today(*, now: datetime.datetime, mess: Mess | int | None) -> tuple[list[MealWindow], list[MealWindow]]:
    """Today's meals at `mess` in serving order, split into those whose window has started by `now`
    (local time) and those still to come. One query."""
    time = timezone.localtime(now).time()
    windows = meal_windows(mess=mess)
    return [w for w in windows if w.starts_at <= time], [w for w in windows if w.starts_at > time]


def day_over(
    *, date: datetime.date, now: datetime.datetime, windows: list[MealWindow] | None = None, mess: Mess | int | None = None
) -> bool:
    """Whether every meal of `date` is over at `now`: a day before today, or today once the last
    meal's window at `mess` (None: the default windows) has ended (local time), when the day's waste
    is all there is to record. One query for today (the windows, unless given), none otherwise."""
    today = timezone.localdate(now)
    if date != today:
        return date < today
    windows = meal_windows(mess=mess) if windows is None else windows
    return not windows or timezone.localtime(now).time() >= max(w.ends_at for w in windows)


def serving_order() -> Case:
    """An expression that sorts a query's rows by their meal in serving order (breakfast first)."""
    return Case(*(When(meal=meal, then=Value(i)) for i, meal in enumerate(Meal.values)), output_field=IntegerField())


def days_ending(*, end: datetime.date, days: int) -> tuple[datetime.date, datetime.date]:
    """The first and last date of the `days` days ending with `end`."""
    return end - datetime.timedelta(days=days - 1), end


def day_check(day: datetime.date, *, latest: datetime.date | None = None) -> datetime.date:
    """Returns `day` if it is from EARLIEST_DATE to `latest` (default: today, in local time), and
    raises ValueError saying which bound it passes otherwise: waste and feedback, and the days the
    jobs look at, are of days that have been."""
    latest = latest or timezone.localdate()
    # the dates as an import file or a command gives them (YYYY-MM-DD), in a sentence of the reader's language
    if day < EARLIEST_DATE:
        raise ValueError(
            gettext("%(day)s is before %(earliest)s, the earliest date ManageIt records") % {"day": day, "earliest": EARLIEST_DATE}
        )
    if day > latest:
        future = latest == timezone.localdate()
        raise ValueError(
            gettext("%(day)s is in the future") % {"day": day}
            if future
            else gettext("%(day)s is after %(latest)s") % {"day": day, "latest": latest}
        )
    return day


def day_over_check(day: datetime.date) -> datetime.date:
    """Returns `day` if it is over (yesterday at the latest) and from EARLIEST_DATE, and raises
    ValueError otherwise: a day's report is of a day that has ended."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    if day > yesterday:
        raise ValueError(f"{day} is not over yet: the latest day that can be reported is {yesterday}")
    return day_check(day, latest=yesterday)


def meal_check(meal) -> str:
    """Returns the meal named by `meal` (any case), or raises ValueError naming the meals."""
    name = str(meal).strip().lower()
    if name not in Meal.values:
        raise ValueError(f"unknown meal {meal!r}; the meals are: {', '.join(Meal.values)}")
    return name


def day_start(date: datetime.date) -> datetime.datetime:
    """Midnight at the start of `date`, in local time."""
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))


# Closed days: the one read of them (mess/closures.py writes them), which every feature shares.


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
