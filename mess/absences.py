"""Absences: students say before a meal that they will not eat it, so that the kitchen cooks for
those who will come (mess/forecast.py, mess/cook_sheets.py).

The rule. An absence is a student, a first and a last day, and one meal or every meal of those days.
A student may add or take back an absence for a meal until the mess's cut-off, `absence_cutoff_minutes`
before the meal starts (in the mess's time zone): after it the kitchen has its sheet. A one-tap skip is
one meal; a leave runs from one day to another, at most LEAVE_LONGEST days long and ending at most
LEAVE_AHEAD days from today, and covers those of its meals whose cut-off has not passed. Absences of one
student may overlap (a weekend at home inside a festival leave): a meal counts once. An absence on a day
the mess is closed changes nothing, and is accepted. Taking back one meal of a longer absence leaves
the rest of it as it was. Each absence is kept with the mess the student eats at when they say so,
and with when the mess learned of it (`known_at`): a meal's figures count the absences known by its
cut-off. An import records what was known then: its absences count as known before any cut-off.

The reads: which meals a student is away from, and how many students each mess has on a day and how
many of them are away from each meal, in a few queries however many students and days.
"""

import datetime
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext

from mess.meals import meal_check, meal_windows
from mess.models import Absence, Meal, MealWindow, Mess, Profile, Role
from mess.refusals import Refused
from mess.text import span_in_words

User = get_user_model()

LEAVE_AHEAD = 60  # days from today a leave may end at the latest
LEAVE_LONGEST = 30  # days one leave may last
SKIP_AHEAD = 7  # days ahead the students' page offers a one-tap skip for each meal
# The columns of an absences file, as import_absences reads it and the exports write it.
ABSENCE_COLUMNS = ("student", "first_day", "last_day", "meal")


def meal_cutoff(*, mess: Mess, date: datetime.date, window: MealWindow) -> datetime.datetime:
    """The moment after which students of `mess` can no longer add or take back an absence for the
    meal of `window` on `date`: its start, in local time, less the mess's cut-off."""
    starts = timezone.make_aware(datetime.datetime.combine(date, window.starts_at))
    return starts - datetime.timedelta(minutes=mess.absence_cutoff_minutes)


def cutoff_in_words(*, mess: Mess) -> str:
    """When a meal's cut-off comes at `mess`, in words: "3 hours before it starts"."""
    minutes = mess.absence_cutoff_minutes
    if not minutes:
        return gettext("the moment it starts")
    return gettext("%(span)s before it starts") % {"span": span_in_words(datetime.timedelta(minutes=minutes))}


def _planned_at(local: datetime.datetime, date: datetime.date) -> str:
    """'10:00', or '21:00 on Sun 06 Dec' when the kitchen planned the meal the day before."""
    return (
        time_format(local)
        if local.date() == date
        else gettext("%(time)s on %(day)s") % {"time": time_format(local), "day": date_format(local, "SHORT_DATE_FORMAT")}
    )


def meal_open_check(*, mess: Mess, date: datetime.date, window: MealWindow, now: datetime.datetime) -> None:
    """Raises ValueError, in words for the student, once the cut-off of that meal has passed."""
    cutoff = meal_cutoff(mess=mess, date=date, window=window)
    if now >= cutoff:
        local = timezone.localtime(cutoff)
        raise ValueError(
            gettext("%(meal)s of %(day)s can no longer be changed: the kitchen planned it at %(time)s.")
            % {"meal": window.get_meal_display(), "day": date_format(date, "SHORT_DATE_FORMAT"), "time": _planned_at(local, date)}
        )


def _mess_of(student) -> Mess:
    mess = Mess.objects.filter(profiles__user=student).first()
    if mess is None:
        raise ValueError(gettext("%(student)s eats at no mess") % {"student": student})
    return mess


def absence_skip(*, student, date: datetime.date, meal: str, now: datetime.datetime | None = None) -> bool:
    """The student will not eat `meal` on `date` at their mess. Returns whether that is news (False
    when an absence already covers it). Raises ValueError, changing nothing, for a student without a
    mess, a meal whose cut-off has passed, or a day more than LEAVE_AHEAD days ahead."""
    now = now or timezone.now()
    meal = meal_check(meal)
    mess = _mess_of(student)
    _ahead_check(date, now=now)
    window = next(w for w in meal_windows(mess=mess) if w.meal == meal)
    meal_open_check(mess=mess, date=date, window=window, now=now)
    with transaction.atomic():
        _student_lock(student)
        if _covering(student=student, date=date, meal=meal).exists():
            return False
        Absence.objects.create(student=student, mess=mess, first_day=date, last_day=date, meal=meal, known_at=now)
    return True


def absence_take_back(*, student, date: datetime.date, meal: str, now: datetime.datetime | None = None) -> bool:
    """The student will eat `meal` on `date` after all: every absence of theirs that covers it gives
    it up and keeps its other days and meals (as they were, known when they were). Returns whether
    any covered it. Raises ValueError, changing nothing, once the meal's cut-off has passed."""
    now = now or timezone.now()
    meal = meal_check(meal)
    mess = _mess_of(student)
    window = next(w for w in meal_windows(mess=mess) if w.meal == meal)
    meal_open_check(mess=mess, date=date, window=window, now=now)
    one_day = datetime.timedelta(days=1)
    with transaction.atomic():
        _student_lock(student)
        covering = list(_covering(student=student, date=date, meal=meal))
        pieces = []
        for absence in covering:
            kept = {"student": student, "mess_id": absence.mess_id, "meal": absence.meal, "known_at": absence.known_at}
            if absence.first_day < date:
                pieces.append(Absence(first_day=absence.first_day, last_day=date - one_day, **kept))
            if date < absence.last_day:
                pieces.append(Absence(first_day=date + one_day, last_day=absence.last_day, **kept))
            if not absence.meal:  # every meal of that day but this one
                pieces += [Absence(first_day=date, last_day=date, **(kept | {"meal": other})) for other in Meal.values if other != meal]
        Absence.objects.filter(pk__in=[a.pk for a in covering]).delete()
        Absence.objects.bulk_create(pieces)
    return bool(covering)


@dataclass(frozen=True)
class Leave:
    """What a leave recorded: its days, and the meals of its first day it could not cover any more."""

    first_day: datetime.date
    last_day: datetime.date
    missed: list[str]  # meals whose cut-off had passed


def absence_leave(*, student, first_day: datetime.date, last_day: datetime.date, now: datetime.datetime | None = None) -> Leave:
    """The student will not eat any meal from `first_day` to `last_day` (both included): a weekend
    at home, a festival leave. The meals whose cut-off has already passed (today's, at most) are left
    out and said in `missed`. Raises Refused, by field, changing nothing: for a last day before the
    first, a leave longer than LEAVE_LONGEST days or ending more than LEAVE_AHEAD days from today, a
    first day in the past, no meal left to cover, or a student without a mess."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    mess = _mess_of(student)
    if first_day < today:
        raise Refused(
            {
                "first_day": gettext("%(day)s has passed: a leave starts today or later.")
                % {"day": date_format(first_day, "SHORT_DATE_FORMAT")}
            }
        )
    if last_day < first_day:
        raise Refused({"last_day": gettext("The last day is before the first day.")})
    if (last_day - first_day).days + 1 > LEAVE_LONGEST:
        raise Refused(
            {
                "last_day": gettext("A leave lasts at most %(most)s days; this one lasts %(days)s.")
                % {"most": LEAVE_LONGEST, "days": (last_day - first_day).days + 1}
            }
        )
    try:
        _ahead_check(last_day, now=now)
    except ValueError as error:
        raise Refused({"last_day": str(error)}) from None
    windows = meal_windows(mess=mess)
    missed = [w.meal for w in windows if now >= meal_cutoff(mess=mess, date=first_day, window=w)]
    open_first = [w.meal for w in windows if w.meal not in missed]
    if first_day == last_day and not open_first:
        raise Refused(
            {
                "first_day": gettext("Every meal of %(day)s is planned already: the cut-off has passed.")
                % {"day": date_format(first_day, "SHORT_DATE_FORMAT")}
            }
        )
    with transaction.atomic():
        _student_lock(student)
        rows = []
        starts = first_day
        if missed:  # the rest of the first day meal by meal, then whole days
            rows += [Absence(student=student, mess=mess, first_day=first_day, last_day=first_day, meal=m, known_at=now) for m in open_first]
            starts = first_day + datetime.timedelta(days=1)
        if starts <= last_day:
            rows.append(Absence(student=student, mess=mess, first_day=starts, last_day=last_day, meal="", known_at=now))
        Absence.objects.bulk_create(rows)
    return Leave(first_day=first_day, last_day=last_day, missed=missed)


def _ahead_check(day: datetime.date, *, now: datetime.datetime) -> None:
    latest = timezone.localdate(now) + datetime.timedelta(days=LEAVE_AHEAD)
    if day > latest:
        raise ValueError(
            gettext("%(day)s is more than %(ahead)s days ahead: the latest day is %(latest)s.")
            % {"day": date_format(day, "DATE_FORMAT"), "ahead": LEAVE_AHEAD, "latest": date_format(latest, "DATE_FORMAT")}
        )


def _student_lock(student) -> None:
    """Takes the student's own turn: two taps at once do not both add the same meal."""
    User.objects.select_for_update().filter(pk=student.pk).values_list("pk").first()


def _covering(*, student, date: datetime.date, meal: str) -> QuerySet[Absence]:
    return Absence.objects.filter(student=student, first_day__lte=date, last_day__gte=date).filter(Q(meal="") | Q(meal=meal))


def absences_delete(*, absences: QuerySet[Absence]) -> int:
    """Deletes absences whatever their cut-off (an admin's correction): the cook sheets already sent
    stay as they were. Returns how many."""
    deleted, _ = absences.delete()
    return deleted


# Reads


def absent_meals(*, student, start: datetime.date, end: datetime.date) -> set[tuple[datetime.date, str]]:
    """The (date, meal) pairs from `start` to `end` the student said they will not eat. One query."""
    away = set()
    rows = Absence.objects.filter(student=student, last_day__gte=start, first_day__lte=end).values_list("first_day", "last_day", "meal")
    for first_day, last_day, meal in rows:
        day = max(first_day, start)
        while day <= min(last_day, end):
            away.update((day, m) for m in ([meal] if meal else Meal.values))
            day += datetime.timedelta(days=1)
    return away


@dataclass(frozen=True)
class MealAhead:
    """A meal of the days the students' page offers: whether the student said they will not eat it,
    and its cut-off, passed or not at the moment asked."""

    date: datetime.date
    meal: str
    away: bool
    cutoff: datetime.datetime
    open: bool  # the cut-off has not passed: it can still be skipped or taken back


def meals_ahead(*, student, mess: Mess, now: datetime.datetime, days: int = SKIP_AHEAD) -> dict[tuple[datetime.date, str], MealAhead]:
    """Each meal at `mess` of the `days` days from today (local time at `now`), by (date, meal), as
    the student's page shows it. Two queries (the windows, the student's absences)."""
    today = timezone.localdate(now)
    dates = [today + datetime.timedelta(days=n) for n in range(days)]
    away = absent_meals(student=student, start=dates[0], end=dates[-1])
    ahead = {}
    for window in meal_windows(mess=mess):
        for date in dates:
            cutoff = meal_cutoff(mess=mess, date=date, window=window)
            ahead[date, window.meal] = MealAhead(date, window.meal, (date, window.meal) in away, cutoff, now < cutoff)
    return ahead


def absences_ahead(*, student, today: datetime.date) -> list[Absence]:
    """The student's absences that end `today` or later, the soonest first: what they said they
    will miss. One query."""
    return list(Absence.objects.filter(student=student, last_day__gte=today).order_by("first_day", "last_day", "meal"))


def students_by_day(*, mess_ids: Iterable[int], dates: Iterable[datetime.date]) -> dict[tuple[int, datetime.date], int]:
    """How many active students each mess has on each date: those whose profile is at the mess and
    who eat there since that date or earlier (or always). One query, grouped by the day they came."""
    mess_ids, dates = list(mess_ids), sorted(set(dates))
    came = defaultdict(list)
    rows = (
        Profile.objects.filter(mess_id__in=mess_ids, user__is_active=True, user__groups__name=Role.STUDENT)
        .values("mess_id", "since")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        came[row["mess_id"]].append((row["since"], row["n"]))
    return {
        (mess_id, date): sum(n for since, n in came[mess_id] if since is None or since <= date) for mess_id in mess_ids for date in dates
    }


def absent_students(
    *, mess_ids: Iterable[int], start: datetime.date, end: datetime.date, known_by=None, meals: Collection[str] | None = None
) -> dict[tuple[int, datetime.date, str], set[int]]:
    """The students away from each meal of each mess from `start` to `end`, by (mess id, date,
    meal): those of its active students there that day (see students_by_day) with an absence that
    covers the meal, each once however many absences cover it; with `meals`, of those meals only. With
    `known_by`, a function of (mess id, date, meal) giving a moment, only the absences known by then
    count (imported ones always). One query, plus the students' own (who counts at which mess since
    when)."""
    mess_ids = list(mess_ids)
    counted = defaultdict(dict)  # mess id -> student id -> since (None: always)
    students = Profile.objects.filter(mess_id__in=mess_ids, user__is_active=True, user__groups__name=Role.STUDENT)
    for mess_id, user_id, since in students.values_list("mess_id", "user_id", "since"):
        counted[mess_id][user_id] = since
    away = defaultdict(set)
    rows = Absence.objects.filter(mess_id__in=mess_ids, last_day__gte=start, first_day__lte=end)
    if meals is not None:
        rows = rows.filter(Q(meal="") | Q(meal__in=meals))
    # the meals an absence of every meal covers, read once (Meal.values is rebuilt at each use)
    whole_day = list(meals) if meals is not None else Meal.values
    for mess_id, student_id, first_day, last_day, meal, known_at in rows.values_list(
        "mess_id", "student_id", "first_day", "last_day", "meal", "known_at"
    ):
        if student_id not in counted[mess_id]:
            continue
        since = counted[mess_id][student_id]
        always = known_at is None or known_by is None
        day = max(first_day, start, since or first_day)
        while day <= min(last_day, end):
            for m in [meal] if meal else whole_day:
                if always or known_at <= known_by(mess_id, day, m):
                    away[mess_id, day, m].add(student_id)
            day += datetime.timedelta(days=1)
    return away


def absences_of_mess(*, mess: Mess, start: datetime.date, end: datetime.date) -> QuerySet[Absence]:
    """The absences of `mess` that touch `start` to `end`, by first day, with their students: the
    officials' list (for a paginator)."""
    return (
        Absence.objects.filter(mess=mess, last_day__gte=start, first_day__lte=end)
        .select_related("student")
        .order_by("first_day", "student__username", "meal")
    )


def absence_export_rows(*, start: datetime.date, end: datetime.date, mess_id: int | None = None):
    """The absences that touch `start` to `end` (of one mess, or of all) as rows of ABSENCE_COLUMNS,
    the columns import_absences reads: the student by username, the meal empty for every meal. One
    query, read in chunks."""
    absences = Absence.objects.filter(last_day__gte=start, first_day__lte=end)
    if mess_id is not None:
        absences = absences.filter(mess_id=mess_id)
    rows = absences.order_by("first_day", "student__username", "meal").values_list("student__username", "first_day", "last_day", "meal")
    for username, first_day, last_day, meal in rows.iterator(chunk_size=2000):
        yield username, first_day.isoformat(), last_day.isoformat(), meal
