"""The alert rule at its boundaries: kilograms per recorded day (today once its last meal is over),
grams per diner, ratings with enough of them, each mess's window and thresholds; alerts_evaluate."""

import datetime
from decimal import Decimal

import time_machine

from mess.alerts import (
    alert_conditions,
    alerts_evaluate,
    alerts_generate,
)
from mess.models import Alert, Closure, Floor, Mess, WasteRecord
from tests.alerts_rows import MIDDAY, NOON, TODAY, alert_row, days_ago, ratings, thresholds, waste

# High waste: kilograms per recorded day, exactly


def test_it_raises_nothing_for_exactly_the_daily_waste_threshold(ground):
    waste(ground, days_ago(1), "25.00")
    waste(ground, days_ago(1), "25.00", meal="dinner")  # one recorded day, two records
    waste(ground, days_ago(3), "50.00")
    assert alerts_evaluate(as_of=TODAY) == []  # 100.00 kg over 2 days: 50.00 a day


def test_it_raises_high_waste_one_hundredth_above_the_threshold(ground):
    waste(ground, days_ago(1), "50.00")
    waste(ground, days_ago(2), "50.01", meal="dinner")
    # 100.01 kg > 50 x 2 days; 50.005 a day, shown rounded half up
    assert alerts_evaluate(as_of=TODAY) == [alert_row(value=50.01, basis=2)]


def test_it_counts_dates_with_a_record_not_records_nor_the_days_of_the_window(ground):
    for meal in ("breakfast", "lunch", "snacks", "dinner"):
        waste(ground, days_ago(2), "15.00", meal=meal)  # 60 kg on one day of the seven
    assert alerts_evaluate(as_of=TODAY) == [alert_row(value=60.0, basis=1)]
    waste(ground, days_ago(5), "40.01")  # a second recorded day: 100.01 over 2
    assert alerts_evaluate(as_of=TODAY) == [alert_row(value=50.01, basis=2)]
    waste(ground, days_ago(4), "0.00")  # a record of nothing is still a recorded day
    assert alerts_evaluate(as_of=TODAY) == []


def test_it_compares_a_decimal_sum_that_binary_floating_point_gets_wrong(mess1, ground, first):
    # In binary floating point 0.1 + 0.2 is 0.30000000000000004, above 0.3 (SQLite sums as floats).
    assert 0.1 + 0.2 > 0.3
    thresholds(mess1, waste_threshold_kg=Decimal("0.30"), waste_threshold_g_per_diner=Decimal("150"))
    waste(ground, TODAY, "0.10")
    waste(ground, TODAY, "0.20", meal="dinner")
    waste(first, TODAY, "0.10", diners=1)  # 300 g for 2 diners: exactly 150 g each
    waste(first, TODAY, "0.20", meal="dinner", diners=1)
    assert alerts_evaluate(as_of=TODAY) == []
    waste(ground, TODAY, "0.01", meal="snacks")
    assert alerts_evaluate(as_of=TODAY) == [alert_row(value=0.31, threshold=0.3)]


def test_it_leaves_closed_days_out_of_the_recorded_days_and_the_kilograms(mess1, mess2, ground):
    waste(ground, days_ago(1), "80.00")
    waste(ground, days_ago(2), "30.00")
    assert alerts_evaluate(as_of=TODAY) == [alert_row(value=55.0, basis=2)]
    Closure.objects.create(mess=mess2, first_day=days_ago(3), last_day=days_ago(1))  # another mess's holiday
    assert alerts_evaluate(as_of=TODAY) == [alert_row(value=55.0, basis=2)]
    Closure.objects.create(mess=mess1, first_day=days_ago(9), last_day=days_ago(2), reason="Holi")  # begins before the window
    assert alerts_evaluate(as_of=TODAY) == [alert_row(value=80.0, basis=1)]
    Closure.objects.create(mess=mess1, first_day=days_ago(1), last_day=days_ago(1))
    assert alerts_evaluate(as_of=TODAY) == []


# High waste per diner: over the records with a head count


def test_it_raises_nothing_for_exactly_the_per_diner_threshold_and_raises_a_gram_above(ground):
    waste(ground, days_ago(1), "9.00", diners=60)
    waste(ground, days_ago(2), "6.00", meal="dinner", diners=40)
    assert alerts_evaluate(as_of=TODAY) == []  # 15 kg for 100 diners: 150 g each
    WasteRecord.objects.filter(meal="dinner").update(total_kg=Decimal("6.01"))
    assert alerts_evaluate(as_of=TODAY) == [alert_row(kind="high_waste_per_diner", value=150.1, threshold=150.0, basis=100)]


def test_it_leaves_records_without_a_head_count_out_of_the_per_diner_figure(ground, first):
    waste(ground, days_ago(1), "15.00", diners=100)
    waste(ground, days_ago(2), "40.00")  # no head count
    waste(ground, days_ago(3), "40.00", diners=0)  # a head count of nobody
    assert alerts_evaluate(as_of=TODAY) == []
    waste(first, days_ago(1), "1.00", diners=3)  # 333.33 g each
    assert alerts_evaluate(as_of=TODAY) == [alert_row(kind="high_waste_per_diner", subject="First", value=333.33, threshold=150.0, basis=3)]


def test_it_raises_nothing_per_diner_for_a_mess_whose_threshold_is_empty(mess1, ground):
    thresholds(mess1, waste_threshold_g_per_diner=None)
    waste(ground, TODAY, "40.00", diners=10)
    assert alerts_evaluate(as_of=TODAY) == []
    thresholds(mess1, waste_threshold_g_per_diner=Decimal("0"))  # zero is a threshold: any waste is above it
    assert alerts_evaluate(as_of=TODAY) == [alert_row(kind="high_waste_per_diner", value=4000.0, threshold=0.0, basis=10)]


def test_it_raises_both_waste_alerts_of_one_floor_and_sums_diners_over_the_window(ground):
    waste(ground, days_ago(6), "60.00", diners=100)
    waste(ground, TODAY, "60.00", diners=1134)
    assert alerts_evaluate(as_of=TODAY) == [alert_row(value=60.0, basis=2)]  # 97.24 g a diner
    waste(ground, days_ago(3), "300.00", meal="dinner", diners=1)
    assert alerts_evaluate(as_of=TODAY) == [
        alert_row(value=140.0, basis=3),
        alert_row(kind="high_waste_per_diner", value=340.08, threshold=150.0, basis=1235),
    ]


# Low rating: an average below the threshold from at least min_ratings ratings


def test_it_raises_nothing_for_an_average_of_exactly_the_rating_threshold(mess1):
    thresholds(mess1, min_ratings=1)
    ratings(mess1, days_ago(0), "lunch", 2, 4, 3)
    ratings(mess1, days_ago(3), "lunch", 1, 5)
    assert alerts_evaluate(as_of=TODAY) == []


def test_it_compares_averages_exactly_against_a_fractional_threshold(mess1):
    Mess.objects.filter(pk=mess1.pk).update(rating_threshold=Decimal("3.35"))
    ratings(mess1, TODAY, "dinner", *([3] * 13 + [4] * 7))  # 67 / 20 = 3.35: not below
    ratings(mess1, TODAY, "lunch", *([3] * 14 + [4] * 6))  # 66 / 20 = 3.30: below
    assert alerts_evaluate(as_of=TODAY) == [alert_row(kind="low_rating", subject="lunch", value=3.3, threshold=3.35, basis=20)]


def test_it_needs_min_ratings_ratings_before_an_average_raises(mess1):
    ratings(mess1, days_ago(1), "breakfast", *([1] * 9))  # the default, 10, less one
    assert alerts_evaluate(as_of=TODAY) == []
    ratings(mess1, TODAY, "breakfast", 3)
    assert alerts_evaluate(as_of=TODAY) == [alert_row(kind="low_rating", subject="breakfast", value=1.2, threshold=3.0, basis=10)]
    thresholds(mess1, min_ratings=11)
    assert alerts_evaluate(as_of=TODAY) == []


def test_it_raises_low_rating_below_the_threshold_and_rounds_the_value(mess1):
    thresholds(mess1, min_ratings=3)
    ratings(mess1, TODAY, "breakfast", 3, 3, 2)
    assert alerts_evaluate(as_of=TODAY) == [alert_row(kind="low_rating", subject="breakfast", value=2.67, threshold=3.0, basis=3)]


def test_it_raises_nothing_for_a_meal_without_feedback_or_a_mess_without_data(mess1, mess2):
    assert alerts_evaluate(as_of=TODAY) == []
    with time_machine.travel(NOON, tick=False):
        assert alerts_generate() == "0 active alerts (0 new, 0 resolved) in 2 messes"
    assert not Alert.objects.exists()


def test_it_uses_each_messs_own_thresholds(mess1, mess2, ground):
    thresholds(mess2, waste_threshold_kg=Decimal("10"), waste_threshold_g_per_diner=Decimal("100"), rating_threshold=Decimal("4.5"))
    thresholds(mess1, min_ratings=1)
    thresholds(mess2, min_ratings=1)
    third = Floor.objects.get(name="Third")
    waste(ground, TODAY, "10.01", diners=80)  # 125.13 g a diner: under mess1's 150
    waste(third, TODAY, "10.01", diners=80)
    ratings(mess1, TODAY, "lunch", 4)
    ratings(mess2, TODAY, "lunch", 4)
    assert alerts_evaluate(as_of=TODAY) == [
        alert_row(mess="mess2", subject="Third", value=10.01, threshold=10.0),
        alert_row(mess="mess2", kind="high_waste_per_diner", subject="Third", value=125.13, threshold=100.0, basis=80),
        alert_row(mess="mess2", kind="low_rating", subject="lunch", value=4.0, threshold=4.5),
    ]


# The window


def test_it_counts_the_first_and_last_day_of_the_window_and_not_the_day_before(ground, first):
    waste(ground, days_ago(6), "50.00")  # the window's first day
    waste(ground, TODAY, "50.02")  # its last day
    waste(first, days_ago(7), "400.00")  # the day before the window
    waste(first, days_ago(6), "50.00")
    waste(first, days_ago(-1), "400.00")  # the day after
    assert alerts_evaluate(as_of=TODAY) == [alert_row(subject="Ground", value=50.01, basis=2)]


def test_it_looks_at_the_as_of_date_alone_in_a_window_of_one_day(mess1, ground):
    thresholds(mess1, alert_window_days=1, min_ratings=1)
    waste(ground, days_ago(1), "500.00")
    ratings(mess1, days_ago(1), "lunch", 1)
    waste(ground, TODAY, "50.00")
    assert alerts_evaluate(as_of=TODAY) == []
    waste(ground, TODAY, "0.01", meal="dinner")
    ratings(mess1, TODAY, "dinner", 2)
    assert alerts_evaluate(as_of=TODAY) == [
        alert_row(value=50.01, start=TODAY),
        alert_row(kind="low_rating", subject="dinner", value=2.0, threshold=3.0, start=TODAY),
    ]


def test_it_counts_ratings_on_the_windows_edges_only(mess1):
    thresholds(mess1, min_ratings=1)
    ratings(mess1, days_ago(7), "snacks", 1, 1, 1)  # the day before the window
    ratings(mess1, days_ago(-1), "snacks", 1, 1, 1)  # the day after
    ratings(mess1, days_ago(6), "snacks", 4)
    ratings(mess1, TODAY, "snacks", 3)
    assert alerts_evaluate(as_of=TODAY) == []
    ratings(mess1, days_ago(6), "dinner", 2)
    assert alerts_evaluate(as_of=TODAY) == [alert_row(kind="low_rating", subject="dinner", value=2.0, threshold=3.0)]


def test_it_uses_each_messs_own_window_length(mess1, mess2, ground):
    Mess.objects.filter(pk=mess2.pk).update(alert_window_days=3)
    Mess.objects.filter(pk=mess1.pk).update(alert_window_days=14)
    second = Floor.objects.get(name="Second")
    waste(ground, days_ago(13), "50.01")
    waste(ground, days_ago(14), "100.00")
    waste(second, days_ago(3), "100.00")  # outside mess2's three days
    waste(second, days_ago(2), "50.01")
    assert alerts_evaluate(as_of=TODAY) == [
        alert_row(subject="Ground", start=days_ago(13)),
        alert_row(mess="mess2", subject="Second", start=days_ago(2)),
    ]


def test_it_takes_today_in_india_around_midnight(ground):
    waste(ground, datetime.date(2026, 2, 23), "50.01")
    # 23:59 IST on 03-01: the window is 02-23 to 03-01.
    with time_machine.travel(datetime.datetime(2026, 3, 1, 18, 29, tzinfo=datetime.UTC), tick=False):
        assert alerts_generate() == "1 active alert (1 new, 0 resolved) in 1 mess"
    alert = Alert.objects.get()
    assert (alert.window_start, alert.window_end) == (datetime.date(2026, 2, 23), datetime.date(2026, 3, 1))
    # 00:01 IST on 03-02: 02-23 has left the window.
    with time_machine.travel(datetime.datetime(2026, 3, 1, 18, 31, tzinfo=datetime.UTC), tick=False):
        assert alerts_generate() == "0 active alerts (0 new, 1 resolved) in 1 mess"


def test_today_counts_in_the_per_day_rule_once_its_last_meal_is_over_and_per_diner_meal_by_meal(ground):
    for n in range(1, 7):
        waste(ground, days_ago(n), "70.00")  # six full days of 70 kg
    waste(ground, TODAY, "15.00", meal="breakfast", diners=60)  # 250 g a diner, before lunch has even been weighed

    with time_machine.travel(MIDDAY, tick=False):
        midday = alert_conditions(as_of=TODAY)[1]
    with time_machine.travel(NOON, tick=False):  # 21:30: dinner (19:00 to 21:00) is over
        evening = alert_conditions(as_of=TODAY)[1]

    by_kind = {c["kind"]: (c["value"], c["basis"]) for c in midday}
    assert by_kind == {"high_waste": (Decimal("70.00"), 6), "high_waste_per_diner": (Decimal("250.00"), 60)}  # not 62.14 over 7
    assert {c["kind"]: (c["value"], c["basis"]) for c in evening}["high_waste"] == (Decimal("62.14"), 7)


def test_a_floor_with_only_todays_unfinished_day_raises_no_per_day_alert(ground):
    waste(ground, TODAY, "90.00", meal="lunch")
    with time_machine.travel(MIDDAY, tick=False):
        assert alert_conditions(as_of=TODAY)[1] == []


def test_it_evaluates_a_past_week_without_storing_anything(ground):
    waste(ground, datetime.date(2026, 1, 5), "60.00")
    assert alerts_evaluate(as_of=datetime.date(2026, 1, 11)) == [
        alert_row(value=60.0, start=datetime.date(2026, 1, 5), end=datetime.date(2026, 1, 11))
    ]
    assert alerts_evaluate(as_of=datetime.date(2026, 1, 12)) == []
    assert alerts_evaluate(as_of=datetime.date(2026, 1, 4)) == []
    assert not Alert.objects.exists()
