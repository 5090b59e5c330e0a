"""What waste costs (mess/waste_value.py): rupees at the mess's food cost, CO2e and meals, the share
of what was cooked, and grams per diner against the baseline and the goal."""

import datetime
from decimal import Decimal

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.messes import mess_save
from mess.models import CookedFood, Floor, Mess, WasteBaseline
from mess.waste import waste_record_save, waste_records_delete
from mess.waste_value import (
    BASELINE_DAYS,
    baseline_holds,
    waste_baselines_refresh,
    waste_goals,
    waste_goals_of_week,
    waste_periods,
    waste_valued,
    weekly_grams,
)
from tests.factories import NOW, TODAY, days_ago, waste

travel = time_machine.travel(NOW, tick=False)


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


# The baselines stored for the overview


def four_baselines(mess1, ground) -> list[Mess]:
    """mess1: its first 28 days with a head count long over, then 170 g this week; young: 3 days so
    far, today's among them; chosen: an admin's period, over; current: an admin's period to today."""
    for n in range(BASELINE_DAYS + 10):
        waste(ground, days_ago(60) + datetime.timedelta(days=n), "lunch", "20.00" if n < BASELINE_DAYS else "10.00", diners=100)
    for n in range(7):
        waste(ground, days_ago(n), "breakfast", "17.00", diners=100)
    messes = [mess1]
    for code, start, end in [("young", None, None), ("chosen", days_ago(46), days_ago(40)), ("current", days_ago(3), TODAY)]:
        mess = Mess.objects.create(code=code, name=code.title(), baseline_start=start, baseline_end=end)
        floor = Floor.objects.create(mess=mess, name="Ground")
        for n in (50, 45, 40, 2, 1, 0) if start else (2, 1, 0):
            waste(floor, days_ago(n), "lunch", f"{15 + n / 10:.2f}", diners=100)
        messes.append(mess)
    return messes


def stored_goals(messes: list[Mess]) -> dict:
    """The goals as the overview makes them: the week's grams given, the baselines stored where they hold."""
    weeks = {mess_id: goal.week for mess_id, goal in waste_goals(messes=messes, today=TODAY).items()}
    return waste_goals_of_week(messes=messes, today=TODAY, weeks=weeks)


@travel
def test_a_baseline_is_stored_and_read_once_it_stops_changing_and_gives_the_goal_the_records_give(mess1, ground):
    messes = four_baselines(mess1, ground)

    assert waste_baselines_refresh() == "recomputed the waste baselines of 4 messes"
    stored = {b.mess.code: b for b in WasteBaseline.objects.select_related("mess")}
    assert [baseline_holds(baseline=stored[m.code], mess=m) for m in messes] == [True, False, True, False]
    assert (stored["mess1"].start, stored["mess1"].end, stored["mess1"].days) == (days_ago(60), days_ago(33), BASELINE_DAYS)
    assert (stored["mess1"].kg, stored["mess1"].diners) == (Decimal("560.00"), 2800)
    # the young mess's and the current period's still change: each hourly run computes them again
    assert waste_baselines_refresh() == "recomputed the waste baselines of 2 messes"
    assert stored_goals(messes) == waste_goals(messes=messes, today=TODAY)
    assert waste_goals(messes=[mess1], today=TODAY)[mess1.pk].baseline == 200
    with CaptureQueriesContext(connection) as held:
        stored_goals_only = waste_goals_of_week(messes=[messes[0], messes[2]], today=TODAY, weeks={messes[0].pk: 170, messes[2].pk: 150})
    assert len(held) == 1  # the stored rows; no record read
    assert (stored_goals_only[messes[2].pk].baseline, stored_goals_only[messes[2].pk].week) == (193, 150)  # 38.50 kg, 200 diners


@travel
def test_a_change_of_a_day_in_a_stored_baseline_recomputes_it_at_once(mess1, ground, admin):
    messes = four_baselines(mess1, ground)
    waste_baselines_refresh()
    waste_record_save(mess=mess1, floor=ground, date=days_ago(60), meal="lunch", total_kg=Decimal("48.00"), diners=100, recorded_by=admin)
    assert stored_goals(messes)[mess1.pk].baseline == 210  # (560 + 28) kg over 2800 diners
    chosen = messes[2]
    waste_records_delete(records=chosen.floors.get().waste_records.filter(date=days_ago(45)), deleted_by=admin)
    assert WasteBaseline.objects.get(mess=chosen).days == 1
    assert stored_goals(messes) == waste_goals(messes=messes, today=TODAY)


@travel
def test_an_admin_choosing_another_period_is_read_from_the_records_until_the_next_refresh(mess1, ground, admin):
    messes = four_baselines(mess1, ground)
    waste_baselines_refresh()
    mess1.baseline_start, mess1.baseline_end = days_ago(32), days_ago(23)  # the days at 100 g
    mess_save(mess=mess1, changed_by=admin)

    assert not baseline_holds(baseline=WasteBaseline.objects.get(mess=mess1), mess=mess1)
    assert stored_goals(messes)[mess1.pk].baseline == 100
    assert stored_goals(messes) == waste_goals(messes=messes, today=TODAY)
    waste_baselines_refresh()
    assert baseline_holds(baseline=WasteBaseline.objects.get(mess=mess1), mess=mess1)


def test_the_weekly_grams_per_diner_are_weeks_of_seven_days_ending_today(mess1, ground):
    waste(ground, TODAY, "lunch", "10.00", diners=100)
    waste(ground, days_ago(6), "lunch", "20.00", diners=100)  # the same week as today: 150 g
    waste(ground, days_ago(7), "lunch", "12.00", diners=100)  # the week before: 120 g

    weeks = weekly_grams(mess=mess1, today=TODAY, weeks=3)

    assert weeks == [(days_ago(14), None), (days_ago(7), 120), (TODAY, 150)]
