"""The demo's story (mess/demo/__init__.py tells it), read from one seeding shared by these tests:
the alerts left evaluated, the forecast against the bar, the students' absences of each kind and the
head counts they make, the closed days, waste valued against the goal, and the cook sheets."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.db.models import Count, Max
from django.test import override_settings

from mess.absences import absent_students, meal_cutoff, students_by_day
from mess.cook_sheets import cook_sheets_recent
from mess.demo.story import EXAMS, FESTIVAL, INTERNSHIP_ENDS
from mess.forecast import forecast_backtest, head_counts
from mess.meals import meal_windows
from mess.models import Absence, Alert, Closure, CookedFood, CookSheet, Feedback, Mess, Profile, Role, WasteRecord
from mess.waste_value import waste_goals
from tests.test_demo import EXPECTED_ALERTS, SEEDED, TODAY, day, open_alerts, seed


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data of 31 July 2024, seeded at 15:30 IST once for this module and rolled back after it;
    each test runs inside it (and is rolled back to it)."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with transaction.atomic():
            out = seed()
            yield out
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def in_a_test_transaction(db):
    pass


def test_a_fresh_demo_shows_its_alerts_at_once(demo):
    assert demo.splitlines()[0].endswith("; 3 active alerts (3 new, 0 resolved) in 2 messes.")
    assert open_alerts() == EXPECTED_ALERTS
    first_seen = set(Alert.objects.values_list("first_seen_at", flat=True))
    assert first_seen == {SEEDED}


def test_the_forecast_beats_last_week_and_signed_up_by_the_bar_on_the_demo_data(demo):
    with time_machine.travel(SEEDED, tick=False):
        result = forecast_backtest()

    print(result)
    assert result.meals >= 100
    assert result.mape["forecast"] <= 0.85 * min(result.mape["last_week"], result.mape["signed_up"])


def test_each_mess_has_absences_of_each_kind_said_before_the_meals_cut_off(demo):
    windows = {w.meal: w for w in meal_windows()}
    students = dict(Profile.objects.filter(user__groups__name=Role.STUDENT).values_list("mess__code").annotate(n=Count("id")))

    for code in ("mess1", "mess2"):
        absences = list(Absence.objects.filter(mess__code=code).select_related("mess"))
        # weekends at home: from Friday's dinner, then Saturday and Sunday
        assert [a for a in absences if a.first_day.weekday() == 4 and a.meal == "dinner"]
        assert [a for a in absences if a.first_day.weekday() == 5 and a.last_day == a.first_day + datetime.timedelta(days=1) and not a.meal]
        # the festival week: about four in ten leave for every meal of it, a day longer for some
        first_days, last_days = (day(FESTIVAL[0] - 1), day(FESTIVAL[0])), (day(FESTIVAL[1]), day(FESTIVAL[1] + 1))
        festival = [a for a in absences if not a.meal and a.first_day in first_days and a.last_day in last_days]
        assert 0.3 * students[code] < len(festival) < 0.5 * students[code]
        # the exam fortnight: many skip breakfast, every day of it
        exams = [a for a in absences if a.meal == "breakfast" and day(EXAMS[0]) <= a.first_day <= day(EXAMS[1])]
        assert {a.first_day for a in exams} == {day(n) for n in range(EXAMS[0], EXAMS[1] + 1)}
        assert len(exams) > 0.25 * students[code] * (EXAMS[1] - EXAMS[0] + 1)
        # each said before its first meal's cut-off, and by the time of seeding
        for a in absences:
            assert a.known_at <= min(SEEDED, meal_cutoff(mess=a.mess, date=a.first_day, window=windows[a.meal or "breakfast"]))
    # some are said for the days to come
    assert Absence.objects.filter(first_day__gt=TODAY).exists()


def test_mess2s_third_floor_is_away_on_internships_a_leave_the_forecast_knows(demo):
    breakfast = next(w for w in meal_windows() if w.meal == "breakfast")
    mess2 = Mess.objects.get(code="mess2")

    leaves = Absence.objects.filter(mess=mess2, meal="", first_day=day(-9), last_day=day(INTERNSHIP_ENDS))
    assert leaves.count() == 72  # 80 % of its 90 students
    assert {a.known_at for a in leaves} == {meal_cutoff(mess=mess2, date=day(-9), window=breakfast) - datetime.timedelta(days=7)}
    sheets = CookSheet.objects.filter(mess=mess2, date__gte=day(-6))
    assert sheets.count() == 6 * 4 + 3 and all(sheet.absent >= 72 for sheet in sheets)
    third = WasteRecord.objects.filter(floor__mess=mess2, floor__name="Third")
    assert third.filter(date__gte=day(-9)).aggregate(most=Max("diners"))["most"] < 30
    assert third.filter(date__lt=day(-9)).aggregate(most=Max("diners"))["most"] > 60


def test_every_head_count_comes_from_the_students_eating_at_the_mess_that_day(demo):
    messes = {m.pk: m for m in Mess.objects.all()}
    days = [day(-n) for n in range(60)]
    students = students_by_day(mess_ids=list(messes), dates=days)
    away = absent_students(mess_ids=list(messes), start=days[-1], end=TODAY)

    assert set(Profile.objects.filter(user__groups__name=Role.STUDENT).values_list("since", flat=True)) == {day(-59)}
    for mess_id, date, diners in WasteRecord.objects.values_list("floor__mess_id", "date", "diners"):
        assert diners <= students[mess_id, date]
    counts = head_counts(mess_ids=list(messes), start=days[-1], end=TODAY)
    for (mess_id, date, meal), count in counts.items():
        signed_up = students[mess_id, date] - len(away.get((mess_id, date, meal), ()))
        assert count <= students[mess_id, date] and count <= signed_up + 10  # a few who said they would not come, do
    # the festival week shows: fewer than two thirds of the week before's dinners
    for mess_id in messes:
        festival = sum(counts[mess_id, day(n), "dinner"] for n in range(FESTIVAL[0], FESTIVAL[1] + 1))
        before = sum(counts[mess_id, day(n - 7), "dinner"] for n in range(FESTIVAL[0], FESTIVAL[1] + 1))
        assert festival < 2 / 3 * before


def test_the_closed_days_served_nothing(demo):

    closures = set(Closure.objects.values_list("mess__code", "first_day", "last_day"))
    assert closures == {("mess1", day(-24), day(-24)), ("mess1", day(9), day(9)), ("mess2", day(-18), day(-17))}
    for code, date in [("mess1", day(-24)), ("mess2", day(-18)), ("mess2", day(-17))]:
        assert not WasteRecord.objects.filter(floor__mess__code=code, date=date).exists()
        assert not Feedback.objects.filter(mess__code=code, date=date).exists()
    assert WasteRecord.objects.filter(floor__mess__code="mess2", date=day(-24)).exists()


def test_waste_has_a_price_and_mess1_shows_progress_against_its_goal(demo):
    messes = list(Mess.objects.order_by("code"))

    assert [(m.food_cost_per_kg, m.kitchen_email) for m in messes] == [
        (Decimal("82.00"), "kitchen.mess1@example.org"),
        (Decimal("76.00"), "kitchen.mess2@example.org"),
    ]
    goals = waste_goals(messes=messes, today=TODAY)
    mess1, mess2 = goals[messes[0].pk], goals[messes[1].pk]
    # the baseline is the first 28 recorded days; mess1 wasted less per diner since, mess2 more lately
    assert (mess1.baseline_start, mess1.baseline_end) == (day(-59), day(-32))
    assert re.fullmatch(r"this week \d+ g per diner: \d+ % below the baseline, goal 20 %", mess1.sentence), mess1.sentence
    assert 0 < mess1.reduction < Decimal("0.2")
    assert "above the baseline" in mess2.sentence
    # mess1 weighs what it cooks for its recent meals, mess2 does not
    assert CookedFood.objects.filter(mess=messes[0]).count() == 20 * 4 + 2
    assert not CookedFood.objects.filter(mess=messes[1]).exists()


def test_the_cook_sheets_of_the_last_week_sit_beside_the_head_counts_recorded(demo):

    for mess in Mess.objects.all():
        rows = cook_sheets_recent(mess=mess, today=TODAY)
        past = [row for row in rows if row["sheet"].date < TODAY]
        assert len(past) == 6 * 4 and all(row["came"] is not None for row in past)
        # off by a few diners: the forecast knew who had said they would be away
        assert sum(abs(row["error"]) for row in past) < 0.1 * sum(row["came"] for row in past)
    # today's: the meals whose cut-off had passed at 15:30 (snacks' at 13:30)
    assert set(CookSheet.objects.filter(date=TODAY).values_list("meal", flat=True)) == {"breakfast", "lunch", "snacks"}
    # in kilograms too where the mess weighs what it cooks
    assert not CookSheet.objects.filter(mess__code="mess1", cook_kg__isnull=True).exists()
    assert not CookSheet.objects.filter(mess__code="mess2", cook_kg__isnull=False).exists()
