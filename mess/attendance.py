"""Histories of who came to eat, made up: students of a mess who go home some weekends, take a
festival leave, skip breakfast in exam weeks and now and then one meal, each said ahead as absences,
and who may be away on leaves decided beforehand (an internship);
and the head counts their meals then served, which differ by weekday and meal (fewer at breakfast,
fewer on Sundays) and by chance (some signed up do not come, a few who said they would not, do).

The demo data tells its story with it, and the tests and benchmarks of the forecast make histories
with it. Deterministic: the same random generator gives the same history. Nothing here is read by
ManageIt itself."""

import datetime
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mess.absences import meal_cutoff
from mess.meals import meal_windows
from mess.models import Absence, Meal, Mess

# How likely a student signed up for a meal comes, by meal, then by weekday (Monday 0): breakfast
# is skipped most, Sunday's meals are lightest, Friday dinner and Saturday lunch lose those going out.
MEAL_SHARE = {Meal.BREAKFAST: 0.62, Meal.LUNCH: 0.86, Meal.SNACKS: 0.55, Meal.DINNER: 0.9}
WEEKDAY_FACTOR = [1.0, 1.0, 0.98, 1.0, 0.95, 0.88, 0.8]
OUTING = {(4, Meal.DINNER): 0.85, (5, Meal.LUNCH): 0.9}  # extra factors: Friday dinner, Saturday lunch
CAME_ANYWAY = 0.03  # of those who said they would not eat
FLAT_WEEK = (1.0, 1.0, 1.0, 1.0, 1.0, 0.98, 0.97)


@dataclass
class Habits:
    """What the students of one mess do, in shares of them."""

    weekend_home: float = 0.18  # go home a given weekend: away from Friday dinner to Sunday dinner
    skip_a_meal: float = 0.04  # say the day before that they will skip one meal of a day
    festival: tuple[datetime.date, datetime.date] | None = None  # a week many go home for
    festival_share: float = 0.45
    exams: tuple[datetime.date, datetime.date] | None = None  # breakfast skipped by many, said ahead
    exam_breakfast_share: float = 0.35
    said_late: float = 0.1  # of the absences, those too late to be said: the student just does not come
    weekday_factor: tuple[float, ...] = tuple(WEEKDAY_FACTOR)  # FLAT_WEEK: a week whose days barely differ
    outing: dict[tuple[int, str], float] = field(default_factory=lambda: dict(OUTING))


@dataclass
class Absent:
    """One absence as a student says it: days, the meal (or "" for every meal), and how many hours
    before its first meal's cut-off they said it."""

    student: int
    first_day: datetime.date
    last_day: datetime.date
    meal: str
    hours_before_cutoff: float


@dataclass
class History:
    absences: list[Absent] = field(default_factory=list)
    # (date, meal) -> how many came
    head_counts: dict[tuple[datetime.date, str], int] = field(default_factory=dict)


def attendance_history(
    *,
    rng: random.Random,
    students: list[int],
    days: list[datetime.date],
    habits: Habits,
    closed: set[datetime.date] = frozenset(),
    leaves: Sequence[Absent] = (),
) -> History:
    """The absences `students` said and the head counts of every meal of `days` (the closed ones
    served none), by `habits`; and `leaves`, absences decided beforehand (an internship), among the
    absences said and the meals missed: no other absence of a student begins on a day of their leave."""
    history = History()
    away: dict[tuple[datetime.date, str], set[int]] = {}
    on_leave: set[tuple[datetime.date, int]] = set()

    def away_from(student: int, first_day: datetime.date, last_day: datetime.date, meal: str) -> None:
        day = first_day
        while day <= last_day:
            for m in [meal] if meal else Meal.values:
                away.setdefault((day, m), set()).add(student)
            day += datetime.timedelta(days=1)

    def absent(student: int, first_day: datetime.date, last_day: datetime.date, meal: str) -> None:
        if (first_day, student) in on_leave:
            return
        # Said too late, an absence is refused and the student just does not come.
        if rng.random() >= habits.said_late:
            history.absences.append(Absent(student, first_day, last_day, meal, rng.uniform(2, 72)))
        away_from(student, first_day, last_day, meal)

    for leave in leaves:
        history.absences.append(leave)
        away_from(leave.student, leave.first_day, leave.last_day, leave.meal)
        on_leave.update(
            (leave.first_day + datetime.timedelta(days=n), leave.student) for n in range((leave.last_day - leave.first_day).days + 1)
        )

    for day in days:
        if day.weekday() == 4:  # a weekend at home, from Friday dinner to Sunday dinner
            for student in students:
                if rng.random() < habits.weekend_home:
                    absent(student, day, day, Meal.DINNER)
                    absent(student, day + datetime.timedelta(days=1), day + datetime.timedelta(days=2), "")
        for student in students:
            if rng.random() < habits.skip_a_meal:
                absent(student, day, day, rng.choice(Meal.values))
        if habits.exams and habits.exams[0] <= day <= habits.exams[1]:
            for student in students:
                if rng.random() < habits.exam_breakfast_share:
                    absent(student, day, day, Meal.BREAKFAST)
    if habits.festival:
        first_day, last_day = habits.festival
        for student in rng.sample(students, int(len(students) * habits.festival_share)):
            leaves, returns = first_day - datetime.timedelta(days=rng.randint(0, 1)), last_day + datetime.timedelta(days=rng.randint(0, 1))
            absent(student, leaves, returns, "")

    for day in days:
        if day in closed:
            continue
        for meal in Meal.values:
            share = MEAL_SHARE[meal] * habits.weekday_factor[day.weekday()] * habits.outing.get((day.weekday(), meal), 1.0)
            gone = away.get((day, meal), set())
            came = sum(rng.random() < (CAME_ANYWAY if s in gone else share) for s in students)
            history.head_counts[day, meal] = came
    return history


def absences_said(*, mess: Mess, absences: Iterable[Absent], said_by: datetime.datetime | None = None) -> list[Absence]:
    """`absences` as `mess` keeps them (unsaved): each known `hours_before_cutoff` hours before the
    cut-off of its first meal; with `said_by`, only those said by then. One query (the meals' windows)."""
    windows = meal_windows(mess=mess)
    by_meal = {w.meal: w for w in windows}
    rows = []
    for a in absences:
        cutoff = meal_cutoff(mess=mess, date=a.first_day, window=by_meal[a.meal] if a.meal else windows[0])
        known_at = cutoff - datetime.timedelta(hours=a.hours_before_cutoff)
        if said_by is None or known_at <= said_by:
            row = Absence(student_id=a.student, mess=mess, first_day=a.first_day, last_day=a.last_day, meal=a.meal, known_at=known_at)
            rows.append(row)
    return rows


def split(total: int, shares: list[float], rng: random.Random) -> list[int]:
    """`total` diners cut into floors' head counts by `shares` (which add up to 1), each by chance."""
    counts = [int(total * share * rng.uniform(0.93, 1.07)) for share in shares[:-1]]
    return [*counts, max(total - sum(counts), 0)]
