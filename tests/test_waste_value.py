"""What waste costs (mess/waste_value.py): rupees at the mess's food cost, CO2e and meals, the share
of what was cooked, and grams per diner against the baseline and the goal."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.models import CookedFood, Mess
from mess.waste_value import BASELINE_DAYS, waste_goals, waste_periods, waste_valued, weekly_grams
from tests.factories import TODAY, days_ago, waste


def test_waste_is_said_in_rupees_co2e_and_meals_at_the_messs_rates(mess1):
    assert waste_valued(mess=mess1, kg=Decimal("42.00")) == waste_valued(mess=mess1, kg=42)
    plain = waste_valued(mess=mess1, kg=Decimal("42.00"))
    assert (plain.inr, plain.co2e_kg, plain.meals) == (None, Decimal("105.00"), 100)  # no food cost set: no rupees

    mess1.food_cost_per_kg, mess1.co2e_per_kg, mess1.kg_per_meal = Decimal("85.50"), Decimal("1.90"), Decimal("0.5")
    valued = waste_valued(mess=mess1, kg=Decimal("42.00"))

    assert (valued.inr, valued.co2e_kg, valued.meals) == (Decimal("3591.00"), Decimal("79.80"), 84)


def test_the_last_7_and_30_days_and_the_share_of_what_was_cooked(mess1, ground, first):
    waste(ground, TODAY, "lunch", "6.00", diners=100)
    waste(first, days_ago(3), "dinner", "4.00")
    waste(ground, days_ago(20), "dinner", "10.00")
    CookedFood.objects.create(mess=mess1, date=TODAY, meal="lunch", kg=Decimal("60"))  # 6 of 60 kg left over

    periods = waste_periods(mess=mess1, today=TODAY)

    assert (periods[7].valued.kg, periods[30].valued.kg) == (Decimal("10.00"), Decimal("20.00"))
    assert periods[7].cooked_share == periods[30].cooked_share == Decimal("0.100")  # only the meals whose cooking was weighed


def test_the_goal_is_measured_against_the_first_28_recorded_days_by_default(mess1, ground):
    first_day = days_ago(90)
    for n in range(BASELINE_DAYS + 10):  # 200 g per diner for the first 28 days with a head count, then 100
        waste(ground, first_day + datetime.timedelta(days=n), "lunch", "20.00" if n < BASELINE_DAYS else "10.00", diners=100)
    for n in range(7):
        waste(ground, days_ago(n), "lunch", "17.00", diners=100)  # this week: 170 g

    goal = waste_goals(messes=[mess1], today=TODAY)[mess1.pk]

    assert (goal.baseline_start, goal.baseline_end) == (first_day, first_day + datetime.timedelta(days=BASELINE_DAYS - 1))
    assert (goal.baseline, goal.week, goal.target, goal.reduction) == (200, 170, 160, Decimal("0.150"))
    assert goal.sentence == "this week 170 g per diner: 15 % below the baseline, goal 20 %"


def test_an_admin_sets_the_baseline_period_and_the_goal(mess1, ground):
    for n in range(14):
        waste(ground, days_ago(40 + n), "lunch", "15.00" if n < 7 else "30.00", diners=100)
    waste(ground, TODAY, "lunch", "16.50", diners=100)
    Mess.objects.filter(pk=mess1.pk).update(baseline_start=days_ago(46), baseline_end=days_ago(40), waste_goal_percent=10)
    mess1.refresh_from_db()

    goal = waste_goals(messes=[mess1], today=TODAY)[mess1.pk]

    assert (goal.baseline, goal.week, goal.target) == (150, 165, 135)
    assert goal.sentence == "this week 165 g per diner: 10 % above the baseline, goal 10 %"


def test_a_mess_without_head_counts_has_no_baseline_and_says_so(mess1, ground):
    waste(ground, TODAY, "lunch", "5.00")

    assert waste_goals(messes=[mess1], today=TODAY)[mess1.pk].sentence == "no baseline yet: it needs head counts recorded (goal 20 %)"


def test_the_goals_of_many_messes_cost_one_query(mess1, mess2, ground):
    waste(ground, TODAY, "lunch", "5.00", diners=50)
    with CaptureQueriesContext(connection) as two:
        waste_goals(messes=[mess1, mess2], today=TODAY)
    more = [Mess.objects.create(code=f"x{n}", name="X") for n in range(10)]
    with CaptureQueriesContext(connection) as twelve:
        waste_goals(messes=[mess1, mess2, *more], today=TODAY)

    assert len(two) == len(twelve) == 1


def test_the_weekly_grams_per_diner_are_weeks_of_seven_days_ending_today(mess1, ground):
    waste(ground, TODAY, "lunch", "10.00", diners=100)
    waste(ground, days_ago(6), "lunch", "20.00", diners=100)  # the same week as today: 150 g
    waste(ground, days_ago(7), "lunch", "12.00", diners=100)  # the week before: 120 g

    weeks = weekly_grams(mess=mess1, today=TODAY, weeks=3)

    assert weeks == [(days_ago(14), None), (days_ago(7), 120), (TODAY, 150)]
