"""The head-count forecast (mess/forecast.py): what it reads, what it never reads, how it explains
itself, and how it does against `last_week` and `signed_up` on histories of students who go home,
take leave and skip meals (mess/attendance.py)."""

import datetime
import json
import random
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.absences import meal_cutoff
from mess.attendance import FLAT_WEEK, Habits, absences_said, attendance_history, split
from mess.forecast import forecast_backtest, forecasts
from mess.meals import meal_windows
from mess.models import Absence, Closure, Floor, Mess, Profile, Role, WasteRecord
from mess.people import Person, people_create

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
TODAY = datetime.date(2026, 3, 10)  # a Tuesday
NOW = datetime.datetime(2026, 3, 10, 7, 30, tzinfo=IST)


def history_of(mess: Mess, *, students: int, days: int, habits: Habits, seed: int = 1, closed=()) -> dict:
    """Students at `mess`, their absences (said by their cut-offs) and the head counts of `days` days
    before TODAY, recorded by its floors, as the attendance simulation makes them."""
    rng = random.Random(seed)
    people = [Person(f"{mess.code}s{n}", Role.STUDENT, mess.pk) for n in range(students)]
    ids = list(people_create(people=people).values())
    Profile.objects.filter(user_id__in=ids).update(since=TODAY - datetime.timedelta(days=days + 60))
    dates = [TODAY - datetime.timedelta(days=n) for n in range(days, 0, -1)]
    for first_day, last_day in closed:
        Closure.objects.create(mess=mess, first_day=first_day, last_day=last_day, reason="Holiday")
    closed_dates = {d for first, last in closed for d in dates if first <= d <= last}
    history = attendance_history(rng=rng, students=ids, days=dates, habits=habits, closed=closed_dates)
    Absence.objects.bulk_create(absences_said(mess=mess, absences=history.absences))
    floors = list(mess.floors.order_by("name"))
    WasteRecord.objects.bulk_create(
        WasteRecord(floor=floor, date=date, meal=meal, total_kg=Decimal("5"), diners=diners)
        for (date, meal), count in history.head_counts.items()
        for floor, diners in zip(floors, split(count, [0.5, 0.5], rng), strict=True)
    )
    return history.head_counts


@pytest.fixture
def campus(db):
    mess = Mess.objects.create(code="north", name="North")
    Floor.objects.bulk_create([Floor(mess=mess, name="A"), Floor(mess=mess, name="B")])
    return mess


def days_before(first: int, last: int) -> tuple[datetime.date, datetime.date]:
    return TODAY - datetime.timedelta(days=first), TODAY - datetime.timedelta(days=last)


# Histories a mess may have (days counted back from TODAY): how many students, how many days, their
# habits, the days it was closed, and the random draws.
HISTORIES = {
    "a term with a festival week, exams and two closed days": dict(
        students=300, days=120, habits=Habits(festival=days_before(20, 14), exams=days_before(40, 33)), closed=[days_before(9, 8)]
    ),
    "a small mess whose students go home most weekends": dict(
        students=80, days=90, habits=Habits(weekend_home=0.4, skip_a_meal=0.08), closed=[days_before(30, 30)], seed=2
    ),
    "a week whose days barely differ": dict(
        students=200, days=100, habits=Habits(weekday_factor=FLAT_WEEK, outing={}, weekend_home=0.03), seed=3
    ),
    "a long festival: three weeks at home": dict(
        students=250, days=120, habits=Habits(festival=days_before(35, 15), festival_share=0.6), seed=4
    ),
    "a large mess whose students often do not say, closed for a week": dict(
        students=600,
        days=100,
        habits=Habits(said_late=0.3, skip_a_meal=0.08, exams=days_before(25, 12)),
        closed=[days_before(50, 44)],
        seed=5,
    ),
    "a new mess: nine weeks of history": dict(students=150, days=63, habits=Habits(festival=days_before(30, 26)), seed=6),
}


@pytest.mark.parametrize("history", HISTORIES.values(), ids=HISTORIES.keys())
@time_machine.travel(NOW, tick=False)
def test_the_forecast_beats_last_week_and_signed_up_by_the_bar(campus, history):
    history_of(campus, **history)

    result = forecast_backtest(days=56)

    print(result)
    assert result.meals >= 100
    assert result.mape["forecast"] <= 0.85 * min(result.mape["last_week"], result.mape["signed_up"])


def _recorded(mess, date, meal, *diners):
    for floor, count in zip(mess.floors.order_by("name"), diners, strict=True):
        WasteRecord.objects.create(floor=floor, date=date, meal=meal, total_kg=Decimal("3"), diners=count)


@time_machine.travel(NOW, tick=False)
def test_the_forecast_learns_the_weekdays_share_and_says_so_in_a_line(campus):
    people_create(people=[Person(f"n{n}", Role.STUDENT, campus.pk) for n in range(100)])
    for weeks in (1, 2, 3):  # Tuesday lunches: 80 of 100 came
        _recorded(campus, TODAY - datetime.timedelta(weeks=weeks), "lunch", 40, 40)

    forecast = forecasts(messes=[campus], meals=[(TODAY, "lunch")])[campus.pk, TODAY, "lunch"]

    assert (forecast.signed_up, forecast.expected, forecast.share) == (100, 80, Decimal("0.8"))
    assert forecast.explanation == "expected 80: 100 signed up × 80 % who came on recent Tuesday lunches"


@time_machine.travel(NOW, tick=False)
def test_the_forecast_never_reads_a_head_count_of_its_own_day(campus):
    people_create(people=[Person(f"n{n}", Role.STUDENT, campus.pk) for n in range(100)])
    for weeks in (1, 2):
        _recorded(campus, TODAY - datetime.timedelta(weeks=weeks), "dinner", 45, 45)
    before = forecasts(messes=[campus], meals=[(TODAY, "dinner")])[campus.pk, TODAY, "dinner"]
    _recorded(campus, TODAY, "breakfast", 5, 5)  # the day's own meals, recorded before the forecast is asked again
    _recorded(campus, TODAY, "dinner", 10, 10)

    after = forecasts(messes=[campus], meals=[(TODAY, "dinner")])[campus.pk, TODAY, "dinner"]
    backtested = forecast_backtest(days=7, today=TODAY + datetime.timedelta(days=1))

    assert after == before and after.expected == 90
    assert backtested.meals == 1 and backtested.mape["forecast"] == pytest.approx((90 - 20) / 20)


@time_machine.travel(NOW, tick=False)
def test_the_backtest_counts_only_the_absences_known_by_each_meals_cut_off(campus):
    ids = list(people_create(people=[Person(f"n{n}", Role.STUDENT, campus.pk) for n in range(10)]).values())
    yesterday = TODAY - datetime.timedelta(days=1)
    for day in (yesterday - datetime.timedelta(days=7), yesterday):
        _recorded(campus, day, "lunch", 4, 4)
    lunch = next(w for w in meal_windows() if w.meal == "lunch")
    cutoff = meal_cutoff(mess=campus, date=yesterday, window=lunch)
    Absence.objects.create(student_id=ids[0], mess=campus, first_day=yesterday, last_day=yesterday, known_at=cutoff)
    Absence.objects.create(
        student_id=ids[1], mess=campus, first_day=yesterday, last_day=yesterday, known_at=cutoff + datetime.timedelta(seconds=1)
    )
    Absence.objects.create(student_id=ids[2], mess=campus, first_day=yesterday, last_day=yesterday, known_at=None)  # imported

    result = forecast_backtest(days=1)

    assert result.meals == 1
    assert result.mape["signed_up"] == pytest.approx((8 - 8) / 8)  # 10 less the 2 known by the cut-off


def test_forecasts_for_every_mess_cost_the_same_queries_for_two_messes_as_for_twenty(db):
    def cost(n: int) -> int:
        messes = [Mess.objects.create(code=f"m{n}-{i}", name="M") for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            forecasts(messes=messes, meals=[(TODAY, "lunch")])
        return len(queries)

    assert cost(2) == cost(20)


@time_machine.travel(NOW, tick=False)
def test_the_backtest_costs_the_same_queries_over_56_days_of_many_messes_as_over_7_of_one(campus):
    history_of(campus, students=40, days=70, habits=Habits())

    def cost(days: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            forecast_backtest(days=days)
        return len(queries)

    one = cost(7)
    Mess.objects.bulk_create([Mess(code=f"m{n}", name="M") for n in range(5)])
    assert cost(56) == one


@time_machine.travel(NOW, tick=False)
def test_the_backtest_command_prints_one_json_object(campus, capsys):
    history_of(campus, students=40, days=30, habits=Habits())
    call_command("forecast_backtest", "--json", "--days", "14")

    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"meals", "mape"} and set(printed["mape"]) == {"forecast", "last_week", "signed_up"}
    assert printed["meals"] > 0 and 0 <= printed["mape"]["forecast"] < 1
