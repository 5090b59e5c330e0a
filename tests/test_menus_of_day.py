"""What a mess serves on a day: the regular menu of the weekday and of the rotation's week, replaced
by a one-day menu, with the day's non-veg items; at the day and week boundaries in IST."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mess.meals import meal_windows
from mess.menu_rules import rotation_week
from mess.menus import meals_now_first, menu_of_day, menu_of_week
from mess.models import Closure, Meal, MenuWeek, NonVegItem, NonVegMenu, RegularMenu, TemporaryMenu

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
TUESDAY = datetime.date(2026, 3, 10)
MONDAY = datetime.date(2026, 3, 9)


def regular(mess, weekday, meal, dishes, *, week=MenuWeek.EVERY, is_veg=True):
    return RegularMenu.objects.create(mess=mess, weekday=weekday, meal=meal, week=week, is_veg=is_veg, dishes="\n".join(dishes))


def nonveg(mess, date, meal, items):
    menu = NonVegMenu.objects.create(mess=mess, date=date, meal=meal)
    NonVegItem.objects.bulk_create(NonVegItem(menu=menu, name=name, price=Decimal(price)) for name, price in items)
    return menu


def test_it_serves_the_weekdays_regular_menu_in_serving_order(mess1):
    regular(mess1, 1, "lunch", ["Rajma", "  Jeera rice ", "", "Roti"])  # Tuesday; blank lines and spaces go
    regular(mess1, 1, "breakfast", ["Poha"])
    regular(mess1, 2, "lunch", ["Chole"])  # Wednesday

    menu = menu_of_day(mess=mess1, date=TUESDAY)

    assert [m.meal for m in menu.meals] == Meal.values
    assert menu.meal("lunch").veg == ["Rajma", "Jeera rice", "Roti"]
    assert menu.meal("breakfast").veg == ["Poha"]
    assert menu.meal("dinner").is_empty and not menu.changed
    assert menu_of_day(mess=mess1, date=TUESDAY + datetime.timedelta(days=1)).meal("lunch").veg == ["Chole"]
    assert menu_of_day(mess=mess1, date=TUESDAY + datetime.timedelta(days=7)).meal("lunch").veg == ["Rajma", "Jeera rice", "Roti"]


def test_veg_and_non_veg_rows_are_both_shown_with_the_days_non_veg_items_and_prices(mess1, mess2):
    regular(mess1, 1, "dinner", ["Dal", "Rice"])
    regular(mess1, 1, "dinner", ["Egg curry"], is_veg=False)
    nonveg(mess1, TUESDAY, "dinner", [("Chicken biryani", "120"), ("Fish fry", "90.50")])
    nonveg(mess1, TUESDAY + datetime.timedelta(days=7), "dinner", [("Mutton", "200")])  # another Tuesday
    nonveg(mess2, TUESDAY, "dinner", [("Prawns", "150")])  # another mess

    dinner = menu_of_day(mess=mess1, date=TUESDAY).meal("dinner")

    assert (dinner.veg, dinner.nonveg) == (["Dal", "Rice"], ["Egg curry"])
    assert [(o.name, o.price) for o in dinner.offers] == [("Chicken biryani", Decimal("120")), ("Fish fry", Decimal("90.50"))]
    assert dinner.dishes == ["Dal", "Rice", "Egg curry", "Chicken biryani", "Fish fry"]


def test_a_dish_named_twice_whatever_its_case_is_voted_on_once(mess1):
    regular(mess1, 1, "lunch", ["Dal", "Rice", "dal", "Roti", "Rice"])
    nonveg(mess1, TUESDAY, "lunch", [("RICE", "10"), ("Egg", "20")])
    assert menu_of_day(mess=mess1, date=TUESDAY).meal("lunch").dishes == ["Dal", "Rice", "Roti", "Egg"]


def test_a_one_day_menu_replaces_that_meal_only_on_that_date_and_keeps_the_non_veg_items(mess1):
    regular(mess1, 1, "lunch", ["Rajma", "Rice"])
    regular(mess1, 1, "lunch", ["Chicken curry"], is_veg=False)
    regular(mess1, 1, "dinner", ["Dal"])
    TemporaryMenu.objects.create(mess=mess1, date=TUESDAY, meal="lunch", dishes="Pulao\nRaita")
    nonveg(mess1, TUESDAY, "lunch", [("Egg bhurji", "40")])

    menu = menu_of_day(mess=mess1, date=TUESDAY)

    lunch = menu.meal("lunch")
    assert (lunch.veg, lunch.nonveg, lunch.changed) == (["Pulao", "Raita"], [], True)
    assert [o.name for o in lunch.offers] == ["Egg bhurji"]
    assert (menu.meal("dinner").veg, menu.meal("dinner").changed, menu.changed) == (["Dal"], False, True)
    next_week = menu_of_day(mess=mess1, date=TUESDAY + datetime.timedelta(days=7)).meal("lunch")
    assert (next_week.veg, next_week.nonveg, next_week.changed) == (["Rajma", "Rice"], ["Chicken curry"], False)


def test_with_a_rotation_the_weeks_own_row_wins_over_the_every_week_row(mess1):
    mess1.rotation_starts_on = datetime.date(2026, 3, 2)  # a Monday: week 1; 9 March starts week 2
    mess1.save()
    regular(mess1, 1, "lunch", ["Every-week lunch"])
    regular(mess1, 1, "lunch", ["Week 1 lunch"], week=MenuWeek.FIRST)
    regular(mess1, 1, "dinner", ["Every-week dinner"])
    regular(mess1, 1, "dinner", ["Week 2 dinner"], week=MenuWeek.SECOND)
    regular(mess1, 1, "dinner", ["Every-week chicken"], is_veg=False)  # veg and non-veg slots are apart

    week1, week2 = menu_of_day(mess=mess1, date=datetime.date(2026, 3, 3)), menu_of_day(mess=mess1, date=TUESDAY)

    assert (week1.week, week2.week) == (1, 2)
    assert week1.meal("lunch").veg == ["Week 1 lunch"] and week1.meal("dinner").veg == ["Every-week dinner"]
    assert week2.meal("lunch").veg == ["Every-week lunch"] and week2.meal("dinner").veg == ["Week 2 dinner"]
    assert week2.meal("dinner").nonveg == ["Every-week chicken"]


def test_without_a_rotation_only_the_every_week_rows_are_served(mess1):
    regular(mess1, 1, "lunch", ["Every-week lunch"])
    regular(mess1, 1, "lunch", ["Week 1 lunch"], week=MenuWeek.FIRST)
    regular(mess1, 1, "dinner", ["Week 2 dinner"], week=MenuWeek.SECOND)

    menu = menu_of_day(mess=mess1, date=TUESDAY)

    assert (menu.week, menu.meal("lunch").veg, menu.meal("dinner").veg) == (None, ["Every-week lunch"], [])


def test_the_rotation_alternates_across_a_year_of_53_iso_weeks_and_before_its_start(mess1):
    mess1.rotation_starts_on = datetime.date(2026, 1, 5)  # Monday of ISO week 2 of 2026, a year of 53 ISO weeks
    mondays = [datetime.date(2026, 1, 5) + datetime.timedelta(weeks=n) for n in range(-3, 60)]

    weeks = [rotation_week(mess=mess1, date=monday) for monday in mondays]

    assert weeks == [2, 1, 2] + [1, 2] * 30  # never the same week twice in a row, whatever the year
    # ISO week 53 of 2026 and week 1 of 2027 are both odd; the rotation still alternates.
    assert datetime.date(2026, 12, 28).isocalendar().week == 53 and datetime.date(2027, 1, 4).isocalendar().week == 1
    assert (rotation_week(mess=mess1, date=datetime.date(2026, 12, 28)), rotation_week(mess=mess1, date=datetime.date(2027, 1, 4))) == (
        2,
        1,
    )
    # Every day of a week is in its Monday's week, before the start too.
    for monday in [datetime.date(2025, 12, 29), datetime.date(2026, 12, 28)]:
        assert {rotation_week(mess=mess1, date=monday + datetime.timedelta(days=d)) for d in range(7)} == {
            rotation_week(mess=mess1, date=monday)
        }
    assert rotation_week(mess=mess1, date=datetime.date(2026, 1, 4)) == 2  # the Sunday before the start
    assert rotation_week(mess=mess1, date=datetime.date(2026, 1, 11)) == 1  # the first Sunday of week 1


def test_the_week_runs_sunday_into_mondays_other_week_and_marks_the_changes(mess1):
    mess1.rotation_starts_on = datetime.date(2026, 3, 2)
    mess1.save()
    regular(mess1, 6, "dinner", ["Sunday special"], week=MenuWeek.FIRST)
    regular(mess1, 0, "breakfast", ["Week 1 Monday idli"], week=MenuWeek.FIRST)
    regular(mess1, 0, "breakfast", ["Week 2 Monday dosa"], week=MenuWeek.SECOND)
    TemporaryMenu.objects.create(mess=mess1, date=datetime.date(2026, 3, 11), meal="lunch", dishes="Holiday thali")

    week = menu_of_week(mess=mess1, start=datetime.date(2026, 3, 5))  # Thursday of week 1

    assert [d.date for d in week] == [datetime.date(2026, 3, 5) + datetime.timedelta(days=n) for n in range(7)]
    sunday, monday = week[3], week[4]
    assert (sunday.date.weekday(), sunday.week, sunday.meal("dinner").veg) == (6, 1, ["Sunday special"])
    assert (monday.date.weekday(), monday.week, monday.meal("breakfast").veg) == (0, 2, ["Week 2 Monday dosa"])
    assert [d.changed for d in week] == [False] * 6 + [True]


def test_the_menu_of_today_changes_at_midnight_ist(mess1):
    regular(mess1, 1, "dinner", ["Tuesday dinner"])
    regular(mess1, 2, "breakfast", ["Wednesday breakfast"])
    # 23:59 IST on Tuesday is 18:29 UTC; 00:00 IST on Wednesday is 18:30 UTC, still Tuesday in UTC.
    with time_machine.travel(datetime.datetime(2026, 3, 10, 23, 59, tzinfo=IST), tick=False):
        assert menu_of_day(mess=mess1, date=timezone.localdate()).meal("dinner").veg == ["Tuesday dinner"]
    with time_machine.travel(datetime.datetime(2026, 3, 11, 0, 0, tzinfo=IST), tick=False):
        assert datetime.datetime.now(datetime.UTC).date() == TUESDAY
        menu = menu_of_day(mess=mess1, date=timezone.localdate())
        assert (menu.date, menu.meal("breakfast").veg, menu.meal("dinner").veg) == (datetime.date(2026, 3, 11), ["Wednesday breakfast"], [])


@pytest.mark.parametrize(
    ("clock", "first", "now", "next"),
    [
        (datetime.time(13, 0), "lunch", "lunch", None),  # lunch is being served
        (datetime.time(10, 0), "lunch", None, "lunch"),  # between breakfast and lunch: lunch comes next
        (datetime.time(6, 0), "breakfast", None, "breakfast"),
        (datetime.time(22, 0), "breakfast", None, None),  # the day's meals are over: serving order
        (datetime.time(19, 0), "dinner", "dinner", None),  # a window starts on the minute
    ],
)
def test_the_meal_being_served_now_comes_first_then_the_rest_in_serving_order(mess1, clock, first, now, next):
    menu = menu_of_day(mess=mess1, date=TUESDAY)
    at = datetime.datetime.combine(TUESDAY, clock, tzinfo=IST)

    meals = meals_now_first(menu=menu, windows=meal_windows(), now=at)

    order = [m.menu.meal for m in meals]
    assert order[0] == first
    assert order[1:] == [meal for meal in Meal.values if meal != first]
    assert [m.menu.meal for m in meals if m.now] == ([now] if now else [])
    assert [m.menu.meal for m in meals if m.next] == ([next] if next else [])


def test_the_week_costs_four_queries_however_many_menus_and_closed_days(mess1, mess2):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            week = menu_of_week(mess=mess1, start=TUESDAY)
        return len(captured), week

    regular(mess1, 1, "lunch", ["Rajma"])
    few, _ = queries()
    for mess in (mess1, mess2):
        for weekday in range(7):
            for meal in Meal.values:
                for week in MenuWeek.values:
                    for is_veg in (True, False):
                        RegularMenu.objects.get_or_create(
                            mess=mess, weekday=weekday, meal=meal, week=week, is_veg=is_veg, defaults={"dishes": "Dal\nRice\nRoti"}
                        )
        for n in range(7):
            day = TUESDAY + datetime.timedelta(days=n)
            for meal in Meal.values:
                TemporaryMenu.objects.create(mess=mess, date=day, meal=meal, dishes="Pulao")
                nonveg(mess, day, meal, [(f"Item {i}", "50") for i in range(5)])
        Closure.objects.create(mess=mess, first_day=TUESDAY + datetime.timedelta(days=1), last_day=TUESDAY + datetime.timedelta(days=2))
        Closure.objects.create(mess=mess, first_day=TUESDAY + datetime.timedelta(days=5), last_day=TUESDAY + datetime.timedelta(days=9))
    many, week = queries()

    assert few == many == 4
    assert [d.closed for d in week] == [False, True, True, False, False, True, True]
    assert sum(len(m.offers) for d in week for m in d.meals) == 7 * 4 * 5
