"""How many will come: the head count a meal will serve, forecast before it is cooked, and the
backtest that measures the forecast against what the waste page recorded afterwards.

The head count of a meal is what the waste page records: the sum of its floors' diners, for a meal
every floor of which that recorded waste gave a head count. Signed up for a meal is the mess's
students that day (mess/absences.py: at the mess since that day or before) less those who said by the
meal's cut-off that they would not eat it.

The forecast: signed up × the share of those signed up who came to the same meal on the same weekday
over the last SLOT_WEEKS weeks (their head counts summed over their signed-up numbers summed), pulled
towards the share of that meal on every weekday when the weekday has few recorded meals (each such
meal counts as SHRINK of the weekday's). Students' attendance differs by weekday and meal (home on
Sunday, breakfast skipped before exams) far more than it drifts from week to week, and the signed-up
number carries what changes from one week to the next (a festival leave, a weekend at home). Days the
mess was closed, and meals without a recorded head count, teach nothing. Without any history the
forecast is the signed-up number. It reads nothing of the day it forecasts: only head counts of the
days before, and the absences known by the meal's cut-off.

The backtest tries that on each meal of the last days that has a recorded head count, from what was
known at that meal's cut-off, beside `last_week` (the same meal's head count 7 days before) and
`signed_up`, and gives each method's mean absolute percentage error over the meals all three could
forecast.
"""

import datetime
import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext, pgettext_lazy

from mess.absences import absent_students, meal_cutoff, students_by_day
from mess.meals import MessWindows, closed_days, windows_read
from mess.models import Meal, Mess, WasteRecord

SLOT_WEEKS = 8  # weeks of history a forecast learns from
SHRINK = 2  # meals of the same meal on other weekdays that weigh as much as one of the same weekday, pooled
BACKTEST_DAYS = 56
METHODS = ("forecast", "last_week", "signed_up")


@dataclass(frozen=True)
class Forecast:
    """A meal's forecast head count and what it rests on."""

    mess_id: int
    date: datetime.date
    meal: str
    students: int  # at the mess that day
    absent: int  # of them, away from the meal as known at its cut-off
    expected: int
    share: Decimal | None  # of those signed up who came to such meals lately; None without history
    learned_from: str  # "recent Tuesday lunches", "recent lunches", or "" without history

    @property
    def signed_up(self) -> int:
        return self.students - self.absent

    @property
    def explanation(self) -> str:
        """One line for the page and the e-mail: "expected 312: 355 signed up × 88 % who came on recent Tuesday lunches"."""
        if self.share is None:
            return f"expected {self.expected}: the {self.signed_up} signed up (no head count recorded yet to learn from)"
        percent = (self.share * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return f"expected {self.expected}: {self.signed_up} signed up × {percent} % who came on {self.learned_from}"


def head_counts(*, mess_ids: list[int], start: datetime.date, end: datetime.date) -> dict[tuple[int, datetime.date, str], int]:
    """The recorded head count of each meal of the messes from `start` to `end`, by (mess id, date,
    meal): the floors' diners summed, for the meals every record of which gives a head count. Days
    the mess was closed are left out. Two queries."""
    rows = (
        WasteRecord.objects.filter(floor__mess_id__in=mess_ids, date__gte=start, date__lte=end)
        .values("floor__mess_id", "date", "meal")
        .annotate(head_count=Sum("diners"), records=Count("id"), counted=Count("diners"))
        .order_by()
    )
    closed = closed_days(mess_ids=mess_ids, start=start, end=end)
    return {
        (r["floor__mess_id"], r["date"], r["meal"]): r["head_count"]
        for r in rows
        if r["counted"] and r["counted"] == r["records"] and (r["floor__mess_id"], r["date"]) not in closed
    }


# How the explanation names several of a meal.
MEALS_PLURAL = {Meal.BREAKFAST: "breakfasts", Meal.LUNCH: "lunches", Meal.SNACKS: "snacks", Meal.DINNER: "dinners"}
# The same, in the reader's language.
MEALS_PLURAL_WORDS = {
    "breakfasts": pgettext_lazy("several meals", "breakfasts"),
    "lunches": pgettext_lazy("several meals", "lunches"),
    "snacks": pgettext_lazy("several meals", "snacks"),
    "dinners": pgettext_lazy("several meals", "dinners"),
}
DAY_NAMES = {str(name): n for n, name in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])}
_NO_HISTORY = re.compile(r"expected (\d+): the (\d+) signed up \(no head count recorded yet to learn from\)")
_LEARNED = re.compile(rf"expected (\d+): (\d+) signed up × (\d+) % who came on recent (?:({'|'.join(DAY_NAMES)}) )?(\w+)")


def explanation_in_words(explanation: str) -> str:
    """A forecast's `explanation` as stored with its cook sheet (the English record, see
    Forecast.explanation) in the active language; one it does not know, as it is."""
    if found := _NO_HISTORY.fullmatch(explanation):
        expected, signed_up = found.groups()
        return gettext("expected %(expected)s: the %(signed_up)s signed up (no head count recorded yet to learn from)") % {
            "expected": expected,
            "signed_up": signed_up,
        }
    found = _LEARNED.fullmatch(explanation)
    if not found or found[5] not in MEALS_PLURAL_WORDS:
        return explanation
    expected, signed_up, percent, day, meals = found.groups()
    figures = {"expected": expected, "signed_up": signed_up, "percent": percent, "meals": MEALS_PLURAL_WORDS[meals]}
    if day:
        return gettext("expected %(expected)s: %(signed_up)s signed up × %(percent)s %% who came on recent %(weekday)s %(meals)s") % {
            **figures,
            "weekday": WEEKDAYS[DAY_NAMES[day]],
        }
    return gettext("expected %(expected)s: %(signed_up)s signed up × %(percent)s %% who came on recent %(meals)s") % figures


@dataclass
class _Seen:
    """Recorded meals of the past: how many, their head counts and their signed-up numbers summed."""

    meals: int = 0
    came: int = 0
    signed_up: int = 0

    def add(self, came: int, signed_up: int) -> None:
        self.meals, self.came, self.signed_up = self.meals + 1, self.came + came, self.signed_up + signed_up

    @property
    def share(self) -> Decimal:
        return Decimal(self.came) / self.signed_up


@dataclass
class _History:
    """What the forecasts of `messes` from `start` to `end` may learn from, read at once: head counts
    and signed-up numbers (at each meal's cut-off) of the SLOT_WEEKS weeks before, and the same of the
    days themselves, which a forecast of a day never reads of its own day or after."""

    messes: list[Mess]
    start: datetime.date
    end: datetime.date
    meals: frozenset[str] | None = None  # those forecast (None: every meal); others' absences are not read
    windows: MessWindows = field(init=False)
    counts: dict = field(init=False)
    students: dict = field(init=False)
    away: dict = field(init=False)

    def __post_init__(self):
        ids = [m.pk for m in self.messes]
        by_id = {m.pk: m for m in self.messes}
        self.windows = windows_read()  # each mess's own, or the defaults
        first = self.start - datetime.timedelta(weeks=SLOT_WEEKS)
        self.counts = head_counts(mess_ids=ids, start=first, end=self.end)
        days = [first + datetime.timedelta(days=n) for n in range((self.end - first).days + 1)]
        self.students = students_by_day(mess_ids=ids, dates=days)

        @functools.cache  # asked once per day and meal of each absence: a few hundred cut-offs, asked many thousand times
        def cutoff(mess_id: int, date: datetime.date, meal: str) -> datetime.datetime:
            return meal_cutoff(mess=by_id[mess_id], date=date, window=self.windows.window(mess_id, meal))

        self.away = absent_students(mess_ids=ids, start=first, end=self.end, known_by=cutoff, meals=self.meals)

    def signed_up(self, mess_id: int, date: datetime.date, meal: str) -> tuple[int, int]:
        """(students, absent) of a meal, as known at its cut-off."""
        return self.students.get((mess_id, date), 0), len(self.away.get((mess_id, date, meal), ()))

    def forecast(self, mess_id: int, date: datetime.date, meal: str) -> Forecast:
        """The forecast of one meal, from the head counts of the days before `date` alone."""
        students, absent = self.signed_up(mess_id, date, meal)
        same_day, any_day = _Seen(), _Seen()  # the same meal on the same weekday, and on any weekday
        for back in range(1, SLOT_WEEKS * 7 + 1):
            day = date - datetime.timedelta(days=back)
            count = self.counts.get((mess_id, day, meal))
            students_then, absent_then = self.signed_up(mess_id, day, meal)
            if count is None or students_then <= absent_then:
                continue
            any_day.add(count, students_then - absent_then)
            if day.weekday() == date.weekday():
                same_day.add(count, students_then - absent_then)
        if not any_day.meals:
            return Forecast(mess_id, date, meal, students, absent, max(students - absent, 0), None, "")
        if same_day.meals:
            weight = Decimal(same_day.meals) / (same_day.meals + SHRINK)
            share = weight * same_day.share + (1 - weight) * any_day.share
            learned_from = f"recent {list(DAY_NAMES)[date.weekday()]} {MEALS_PLURAL[meal]}"
        else:
            share, learned_from = any_day.share, f"recent {MEALS_PLURAL[meal]}"
        expected = int((max(students - absent, 0) * share).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return Forecast(mess_id, date, meal, students, absent, expected, share, learned_from)


def forecasts(*, messes: list[Mess], meals: list[tuple[datetime.date, str]]) -> dict[tuple[int, datetime.date, str], Forecast]:
    """The forecast of each of `meals` (date, meal) at each of `messes`, by (mess id, date, meal),
    as known now. A fixed number of queries whatever the number of messes and meals (about seven)."""
    if not messes or not meals:
        return {}
    history = _History(messes=messes, start=min(d for d, _ in meals), end=max(d for d, _ in meals), meals=frozenset(m for _, m in meals))
    return {(m.pk, date, meal): history.forecast(m.pk, date, meal) for m in messes for date, meal in meals}


@dataclass(frozen=True)
class Backtest:
    """How each method did: how many meals were compared, and each method's mean absolute
    percentage error over them (a fraction: 0.08 is 8 %)."""

    meals: int
    mape: dict[str, float | None]

    def as_json(self) -> dict:
        return {"meals": self.meals, "mape": self.mape}

    def __str__(self) -> str:
        if not self.meals:
            return "no meal to compare: none of those days has a recorded head count with one of the same meal a week before"
        errors = ", ".join(f"{method} {self.mape[method]:.1%}" for method in METHODS)
        return f"{self.meals} meals compared; mean absolute percentage error: {errors}"


def forecast_backtest(*, mess_code: str | None = None, days: int = BACKTEST_DAYS, today: datetime.date | None = None) -> Backtest:
    """Forecasts each meal of the `days` days before `today` (default: today) that has a recorded head
    count, at every active mess or at the one named, from what was known at its cut-off that day
    (the head counts of the days before it and the absences known by then), and compares the forecast,
    `last_week` and `signed_up` with the head count recorded. Only meals all three methods can
    forecast are compared (last_week needs a head count 7 days before; a head count of 0 has no
    percentage error). Raises ValueError for an unknown mess code or fewer than 1 day. A fixed number of
    queries whatever the number of messes and days."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    today = today or timezone.localdate()
    messes = Mess.objects.filter(is_active=True)
    if mess_code is not None:
        if not Mess.objects.filter(code=mess_code).exists():
            raise ValueError(f"no mess with code {mess_code!r}")
        messes = messes.filter(code=mess_code)
    messes = list(messes)
    start, end = today - datetime.timedelta(days=days), today - datetime.timedelta(days=1)
    if not messes:
        return Backtest(0, dict.fromkeys(METHODS))
    history = _History(messes=messes, start=start, end=end)
    errors = defaultdict(float)
    compared = 0
    for (mess_id, date, meal), actual in sorted(history.counts.items()):
        if date < start or not actual:
            continue
        last_week = history.counts.get((mess_id, date - datetime.timedelta(days=7), meal))
        if last_week is None:
            continue
        forecast = history.forecast(mess_id, date, meal)
        for method, guess in (("forecast", forecast.expected), ("last_week", last_week), ("signed_up", forecast.signed_up)):
            errors[method] += abs(guess - actual) / actual
        compared += 1
    return Backtest(compared, {method: (errors[method] / compared if compared else None) for method in METHODS})
