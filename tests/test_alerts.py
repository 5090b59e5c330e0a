"""generate_alerts: the rule at its boundaries (kilograms per recorded day, grams per diner, ratings
with enough of them), alerts_generate keeps one open alert per condition and reopens one that
clears and holds again the same day; alerts_evaluate and alerts_open serve the command's output."""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.alerts import (
    alert_acknowledge,
    alert_conditions,
    alert_wording,
    alerts_evaluate,
    alerts_generate,
    alerts_history,
    alerts_open,
)
from mess.meals import day_start
from mess.models import Alert, Closure, Feedback, Floor, Mess, WasteRecord
from mess.waste import waste_by_floor_and_meal
from scheduling.models import JobRun

User = get_user_model()

TODAY = datetime.date(2026, 3, 10)
# 21:30 IST, after the day's last meal: the day counts whole in the per-day rule (see the partial day's tests)
NOON = datetime.datetime(2026, 3, 10, 16, 0, tzinfo=datetime.UTC)
MIDDAY = datetime.datetime(2026, 3, 10, 6, 30, tzinfo=datetime.UTC)  # 12:00 IST: breakfast and lunch have been


def days_ago(n, today=TODAY):
    return today - datetime.timedelta(days=n)


WEEK_START = days_ago(6)  # the default window ending TODAY: seven days, TODAY included


def waste(floor, date, kg, meal="lunch", diners=None):
    return WasteRecord.objects.create(floor=floor, date=date, meal=meal, total_kg=Decimal(kg), diners=diners)


def thresholds(mess, **fields):
    """Sets `mess`'s alert thresholds (min_ratings=1 lets a single rating count)."""
    Mess.objects.filter(pk=mess.pk).update(**fields)


_students = iter(range(10**6))


def ratings(mess, date, meal, *values):
    """Feedback of `meal` on `date`, one entry per rating, each by a new student."""
    students = User.objects.bulk_create([User(username=f"s{next(_students)}") for _ in values])
    Feedback.objects.bulk_create(
        [Feedback(student=s, mess=mess, date=date, meal=meal, rating=r) for s, r in zip(students, values, strict=True)]
    )


def alert_row(mess="mess1", kind="high_waste", subject="Ground", value=50.01, threshold=50.0, basis=1, start=WEEK_START, end=TODAY):
    return {
        "mess": mess,
        "kind": kind,
        "subject": subject,
        "value": value,
        "threshold": threshold,
        "basis": basis,
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
    }


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


# Storing alerts


@time_machine.travel(NOON, tick=False)
def test_it_stores_one_open_alert_per_condition(mess1, ground):
    thresholds(mess1, min_ratings=2)
    waste(ground, TODAY, "70.50", diners=300)
    ratings(mess1, TODAY, "lunch", 1, 2)

    assert alerts_generate() == "3 active alerts (3 new, 0 resolved) in 1 mess"

    high, per_diner, low = Alert.objects.order_by("kind")
    assert (per_diner.kind, per_diner.subject, per_diner.value, per_diner.threshold, per_diner.basis) == (
        "high_waste_per_diner",
        "Ground",
        Decimal("235.00"),
        Decimal("150"),
        300,
    )
    assert (high.basis, low.basis) == (1, 2)
    assert (high.mess, high.kind, high.subject, high.value, high.threshold) == (
        mess1,
        "high_waste",
        "Ground",
        Decimal("70.50"),
        Decimal("50"),
    )
    assert (low.kind, low.subject, low.value, low.threshold) == ("low_rating", "lunch", Decimal("1.50"), Decimal("3"))
    assert (high.window_start, high.window_end) == (days_ago(6), TODAY)
    assert high.first_seen_at == high.last_seen_at == NOON
    assert high.is_open is True and high.resolved_at is None


def test_it_updates_an_open_alert_instead_of_duplicating_it(ground):
    waste(ground, TODAY, "60.00")
    with time_machine.travel(NOON, tick=False):
        alerts_generate()
    waste(ground, TODAY, "5.00", meal="dinner")
    later = NOON + datetime.timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        assert alerts_generate() == "1 active alert (0 new, 0 resolved) in 1 mess"
    alert = Alert.objects.get()
    assert alert.value == Decimal("65.00")
    assert (alert.first_seen_at, alert.last_seen_at) == (NOON, later)


def test_it_marks_an_unchanged_alert_seen_and_rewrites_only_a_changed_one(mess1, ground, first):
    waste(ground, TODAY, "60.00")
    waste(first, TODAY, "70.00")
    with time_machine.travel(NOON, tick=False):
        alerts_generate()
    waste(first, TODAY, "1.00", meal="dinner")
    later = NOON + datetime.timedelta(hours=1)
    with time_machine.travel(later, tick=False), CaptureQueriesContext(connection) as ctx:
        assert alerts_generate() == "2 active alerts (0 new, 0 resolved) in 1 mess"
    updates = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    # one plain UPDATE of last_seen_at for the unchanged alert; bulk_update's CASE for the other
    assert ["CASE" in sql for sql in updates] == [False, True]
    alerts = Alert.objects.order_by("-subject")
    assert [(a.subject, a.value, a.first_seen_at, a.last_seen_at) for a in alerts] == [
        ("Ground", Decimal("60.00"), NOON, later),  # unchanged: only seen again
        ("First", Decimal("71.00"), NOON, later),  # changed: rewritten
    ]


def test_it_is_idempotent(mess1, ground):
    thresholds(mess1, min_ratings=1)
    waste(ground, TODAY, "60.00")
    ratings(mess1, TODAY, "lunch", 1)
    with time_machine.travel(NOON, tick=False):
        alerts_generate()
        before = list(Alert.objects.order_by("pk").values())
        assert alerts_generate() == "2 active alerts (0 new, 0 resolved) in 1 mess"
        assert list(Alert.objects.order_by("pk").values()) == before


def test_it_resolves_an_alert_whose_condition_no_longer_holds_and_reopens_it_the_same_day(ground, official):
    record = waste(ground, TODAY, "60.00")
    with time_machine.travel(NOON, tick=False):
        alerts_generate()
        alert_acknowledge(mess=ground.mess, alert_id=Alert.objects.get().pk, note="Spoke to the cook", by=official)
    record.total_kg = Decimal("40")
    record.save()
    resolved_at = NOON + datetime.timedelta(hours=1)
    with time_machine.travel(resolved_at, tick=False):
        assert alerts_generate() == "0 active alerts (0 new, 1 resolved) in 1 mess"
        assert alerts_generate() == "0 active alerts (0 new, 0 resolved) in 1 mess"
    alert = Alert.objects.get()
    assert (alert.resolved_at, alert.is_open) == (resolved_at, None)

    record.total_kg = Decimal("55")
    record.save()
    reopened_at = resolved_at + datetime.timedelta(hours=1)
    with time_machine.travel(reopened_at, tick=False):
        assert alerts_generate() == "1 active alert (0 new, 0 resolved, 1 reopened) in 1 mess"
        assert alerts_generate() == "1 active alert (0 new, 0 resolved) in 1 mess"
    alert = Alert.objects.get()  # the same row, open again
    assert (alert.is_open, alert.resolved_at, alert.value, alert.first_seen_at, alert.last_seen_at) == (
        True,
        None,
        Decimal("55.00"),
        NOON,
        reopened_at,
    )
    assert (alert.acknowledged_by, alert.acknowledgement) == (official, "Spoke to the cook")


def test_it_opens_a_new_alert_when_the_condition_holds_again_on_a_later_day(ground):
    record = waste(ground, TODAY, "60.00")
    with time_machine.travel(NOON, tick=False):
        alerts_generate()
        record.total_kg = Decimal("40")
        record.save()
        alerts_generate()
    # The next evening, its last meal over: the alert was resolved yesterday, so a new one opens
    waste(ground, days_ago(-1), "70.00")
    with time_machine.travel(datetime.datetime(2026, 3, 11, 16, 0, tzinfo=datetime.UTC), tick=False):
        assert alerts_generate() == "1 active alert (1 new, 0 resolved) in 1 mess"
    old, new = Alert.objects.order_by("first_seen_at")
    assert (old.is_open, new.is_open, new.value, new.basis) == (None, True, Decimal("55.00"), 2)


def test_it_reopens_only_the_same_mess_kind_and_subject(mess1, ground, first):
    record = waste(ground, TODAY, "60.00", diners=100)
    with time_machine.travel(NOON, tick=False):
        alerts_generate()
        record.delete()
        alerts_generate()
        waste(first, TODAY, "60.00")
        assert alerts_generate() == "1 active alert (1 new, 0 resolved) in 1 mess"
    assert sorted(Alert.objects.values_list("kind", "subject", "is_open")) == [
        ("high_waste", "First", True),
        ("high_waste", "Ground", None),
        ("high_waste_per_diner", "Ground", None),
    ]


@time_machine.travel(NOON, tick=False)
def test_it_raises_nothing_for_an_inactive_mess_and_resolves_its_alerts(mess1, mess2, ground):
    waste(ground, TODAY, "60.00")
    alerts_generate()
    Mess.objects.filter(pk=mess1.pk).update(is_active=False)

    assert alerts_evaluate(as_of=TODAY) == []
    assert alerts_generate() == "0 active alerts (0 new, 1 resolved) in 1 mess"
    assert Alert.objects.get().is_open is None


@time_machine.travel(NOON, tick=False)
def test_it_works_on_one_mess_only_when_asked(mess1, mess2, ground):
    second = Floor.objects.get(name="Second")
    waste(ground, TODAY, "60.00")
    waste(second, TODAY, "60.00")

    assert alerts_generate(mess_code="mess2") == "1 active alert (1 new, 0 resolved) in 1 mess"
    assert list(Alert.objects.values_list("mess__code", flat=True)) == ["mess2"]
    assert alerts_generate() == "2 active alerts (1 new, 0 resolved) in 2 messes"

    WasteRecord.objects.all().delete()
    assert alerts_generate(mess_code="mess1") == "0 active alerts (0 new, 1 resolved) in 1 mess"
    assert alerts_open() == [alert_row(mess="mess2", subject="Second", value=60.0)]
    assert alerts_evaluate(as_of=TODAY, mess_code="mess1") == []


def test_it_refuses_an_unknown_mess(mess1):
    for call in (lambda: alerts_generate(mess_code="nope"), lambda: alerts_evaluate(as_of=TODAY, mess_code="nope")):
        with pytest.raises(ValueError, match="no mess with code 'nope'"):
            call()
    with pytest.raises(ValueError, match="nope"):
        alerts_open(mess_code="nope")


@time_machine.travel(NOON, tick=False)
def test_it_lists_open_alerts_as_json_sorted_by_mess_kind_and_subject(mess1, mess2, ground, first):
    thresholds(mess1, min_ratings=1)
    third = Floor.objects.get(name="Third")
    waste(third, TODAY, "51")
    waste(ground, TODAY, "52")
    waste(first, TODAY, "53.333")
    ratings(mess1, TODAY, "lunch", 1)
    ratings(mess1, TODAY, "dinner", 2)
    alerts_generate()

    expected = [
        alert_row(subject="First", value=53.33),
        alert_row(subject="Ground", value=52.0),
        alert_row(kind="low_rating", subject="dinner", value=2.0, threshold=3.0),
        alert_row(kind="low_rating", subject="lunch", value=1.0, threshold=3.0),
        alert_row(mess="mess2", subject="Third", value=51.0),
    ]
    assert alerts_open() == expected
    assert alerts_evaluate(as_of=TODAY) == expected
    assert json.loads(json.dumps(alerts_open())) == expected
    assert alerts_open(mess_code="mess2") == expected[-1:]


# Queries


def make_messes(n, prefix):
    """n messes with three floors each and a closed day, every floor over both its waste thresholds
    and every meal rated low."""
    messes = Mess.objects.bulk_create([Mess(code=f"{prefix}{i}", name=f"Mess {prefix}{i}", min_ratings=2) for i in range(n)])
    floors = Floor.objects.bulk_create([Floor(mess=m, name=f"Floor {j}") for m in messes for j in range(3)])
    Closure.objects.bulk_create([Closure(mess=m, first_day=days_ago(3), last_day=days_ago(2)) for m in messes])
    WasteRecord.objects.bulk_create([WasteRecord(floor=f, date=TODAY, meal="lunch", total_kg=Decimal("60"), diners=100) for f in floors])
    for m in messes:
        ratings(m, TODAY, "lunch", 1, 2)


def _generate_queries(n):
    make_messes(n, "a")
    with CaptureQueriesContext(connection) as ctx:
        alerts_generate()
    assert Alert.objects.filter(is_open=True).count() == 7 * n
    WasteRecord.objects.all().delete()
    with CaptureQueriesContext(connection) as resolving:
        alerts_generate()
    return len(ctx.captured_queries), len(resolving.captured_queries)


@time_machine.travel(NOON, tick=False)
def test_it_uses_as_many_queries_for_six_messes_as_for_two(db, django_assert_num_queries):
    raising, resolving = _generate_queries(2)
    assert (raising, resolving) == (10, 11)  # with the meal windows (is today over?), the savepoint and its release
    Alert.objects.all().delete()
    Feedback.objects.all().delete()
    make_messes(6, "b")  # six more, none of them alerting yet
    with django_assert_num_queries(raising):
        alerts_generate()
    WasteRecord.objects.all().delete()
    with django_assert_num_queries(resolving):
        alerts_generate()
    with django_assert_num_queries(6):  # the messes, meal windows (is today over?), floors, closed days, waste and ratings
        alerts_evaluate(as_of=TODAY)


# The command


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


@time_machine.travel(NOON, tick=False)
def test_generate_alerts_prints_the_active_alerts_as_json(mess1, ground, first):
    WasteRecord.objects.create(floor=ground, date=TODAY, meal="lunch", total_kg=Decimal("50.01"))
    WasteRecord.objects.create(floor=first, date=TODAY, meal="lunch", total_kg=Decimal("50.00"))

    alerts = json.loads(run("generate_alerts", "--json"))

    assert alerts == [
        {
            "mess": "mess1",
            "kind": "high_waste",
            "subject": "Ground",
            "value": 50.01,
            "threshold": 50.0,
            "basis": 1,
            "window_start": "2026-03-04",
            "window_end": "2026-03-10",
        }
    ]
    assert Alert.objects.filter(is_open=True).count() == 1


@time_machine.travel(NOON, tick=False)
def test_generate_alerts_as_of_a_past_date_stores_nothing(mess1, ground):
    WasteRecord.objects.create(floor=ground, date=TODAY - datetime.timedelta(days=20), meal="dinner", total_kg=Decimal("80"))

    alerts = json.loads(run("generate_alerts", "--as-of", "2026-02-20", "--json"))

    assert [(a["subject"], a["window_end"]) for a in alerts] == [("Ground", "2026-02-20")]
    assert not Alert.objects.exists()
    assert not JobRun.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_generate_alerts_refuses_an_unknown_mess(mess1):
    with pytest.raises(CommandError, match="generate_alerts was not run: mess_code: no mess with code 'nomess'"):
        call_command("generate_alerts", "--mess", "nomess")
    assert not JobRun.objects.exists()  # refused before it started: no failure of the job


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize(
    ("as_of", "message"), [("0001-01-01", "0001-01-01 is before 2000-01-01"), ("2026-03-11", "2026-03-11 is in the future")]
)
def test_generate_alerts_as_of_refuses_a_day_out_of_range_with_a_message(mess1, as_of, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_alerts", "--as-of", as_of)


def test_generate_alerts_prints_each_kinds_unit_and_basis(mess1, ground):
    thresholds(mess1, min_ratings=2)
    with time_machine.travel(NOON, tick=False):
        waste(ground, TODAY, "70.50", diners=1234)
        waste(ground, days_ago(1), "60.00")
        ratings(mess1, TODAY, "lunch", 1, 2)
        out = run("generate_alerts", "--as-of", "2026-03-10")
    assert out.splitlines() == [
        "mess1\thigh_waste\tGround\t65.25 kg/day (threshold 50.00 kg/day) over 2 recorded days",
        "mess1\tlow_rating\tlunch\taverage 1.50 (threshold 3.00) from 2 ratings",
    ]


# How alerts read


@pytest.mark.parametrize(
    ("kind", "subject", "value", "threshold", "basis", "expected"),
    [
        ("high_waste", "Ground", "62.4", "50", 5, ("High waste: Ground", "62.40 kg/day", "50.00 kg/day", "over 5 recorded days")),
        ("high_waste", "Ground", "62.4", "50", 1, ("High waste: Ground", "62.40 kg/day", "50.00 kg/day", "over 1 recorded day")),
        (
            "high_waste_per_diner",
            "First",
            "182.5",
            "150",
            1234,
            ("High waste per diner: First", "182.50 g/diner", "150.00 g/diner", "from 1,234 diners"),
        ),
        ("low_rating", "lunch", "2.666", "3", 42, ("Low rating: Lunch", "average 2.67", "3.00", "from 42 ratings")),
        ("low_rating", "lunch", "2.5", "3", 0, ("Low rating: Lunch", "average 2.50", "3.00", "")),  # stored before the basis was kept
    ],
)
def test_it_words_each_kind_with_its_unit_and_basis(kind, subject, value, threshold, basis, expected):
    words = alert_wording(kind=kind, subject=subject, value=Decimal(value), threshold=Decimal(threshold), basis=basis)
    assert (words["title"], words["value"], words["threshold"], words["basis"]) == expected


# Acknowledgements and the history


@pytest.fixture
def open_alert(mess1, ground):
    waste(ground, TODAY, "60.00")
    with time_machine.travel(NOON, tick=False):
        alerts_generate()
    return Alert.objects.get()


def test_it_acknowledges_an_open_alert_with_who_when_and_the_note(open_alert, official):
    later = NOON + datetime.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        alert = alert_acknowledge(mess=open_alert.mess, alert_id=open_alert.pk, note="  Spoke to the cook\r\nabout portions  ", by=official)
    open_alert.refresh_from_db()
    assert (open_alert.acknowledged_by, open_alert.acknowledged_at, open_alert.acknowledgement) == (
        official,
        later,
        "Spoke to the cook\nabout portions",
    )
    assert alert.acknowledgement == open_alert.acknowledgement
    assert open_alert.is_open is True  # it stays open until its condition clears
    with time_machine.travel(NOON, tick=False):
        assert alerts_generate() == "1 active alert (0 new, 0 resolved) in 1 mess"


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("   ", "Say what was done about it."),
        ("x" * 201, "At most 200 characters (this note has 201)."),
        ("bell\x07", "The note contains the control character U+0007, which is not text."),
    ],
)
def test_it_refuses_a_bad_note_and_changes_nothing(open_alert, official, note, message):
    with pytest.raises(ValueError) as error:
        alert_acknowledge(mess=open_alert.mess, alert_id=open_alert.pk, note=note, by=official)
    assert str(error.value) == message
    open_alert.refresh_from_db()
    assert (open_alert.acknowledged_by, open_alert.acknowledged_at, open_alert.acknowledgement) == (None, None, "")


def test_it_acknowledges_a_note_of_exactly_200_characters(open_alert, official):
    alert_acknowledge(mess=open_alert.mess, alert_id=open_alert.pk, note="x" * 200, by=official)
    open_alert.refresh_from_db()
    assert open_alert.acknowledgement == "x" * 200


def test_it_refuses_to_acknowledge_a_resolved_alert_or_another_messs(open_alert, official, mess2):
    with pytest.raises(Alert.DoesNotExist):
        alert_acknowledge(mess=mess2, alert_id=open_alert.pk, note="Not ours", by=official)
    WasteRecord.objects.all().delete()
    with time_machine.travel(NOON, tick=False):
        alerts_generate()
    with pytest.raises(ValueError, match="resolved since"):
        alert_acknowledge(mess=open_alert.mess, alert_id=open_alert.pk, note="Too late", by=official)
    open_alert.refresh_from_db()
    assert open_alert.acknowledgement == ""


def test_the_history_holds_90_days_of_a_messs_alerts_newest_first(mess1, mess2):
    def stored(mess, subject, first_seen, resolved=True):
        return Alert.objects.create(
            mess=mess,
            kind="high_waste",
            subject=subject,
            value=Decimal("60"),
            threshold=Decimal("50"),
            window_start=TODAY,
            window_end=TODAY,
            first_seen_at=first_seen,
            last_seen_at=first_seen,
            resolved_at=first_seen if resolved else None,
            is_open=None if resolved else True,
        )

    day = datetime.timedelta(days=1)
    stored(mess1, "Too old", day_start(days_ago(90)) - datetime.timedelta(seconds=1))
    oldest = stored(mess1, "Oldest", day_start(days_ago(89)))
    still_open = stored(mess1, "Open a long time", day_start(days_ago(200)), resolved=False)
    newest = stored(mess1, "Newest", NOON - day)
    stored(mess2, "Another mess", NOON - day)
    with time_machine.travel(NOON, tick=False):
        assert alerts_history(mess=mess1) == [newest, oldest, still_open]


def test_the_dashboards_waste_read_gives_each_floors_kilograms_by_day_for_the_chart(mess1, ground, first):
    waste(ground, days_ago(1), "1.10")
    waste(ground, days_ago(1), "2.20", meal="dinner")
    waste(ground, days_ago(3), "0.00")
    waste(first, days_ago(4), "9.00")  # before the days asked for
    rows = waste_by_floor_and_meal(mess=mess1, start=days_ago(2), end=TODAY)
    assert [(r["floor"], r["days"]) for r in rows] == [
        ("First", [(days_ago(2), None), (days_ago(1), None), (TODAY, None)]),
        ("Ground", [(days_ago(2), None), (days_ago(1), Decimal("3.30")), (TODAY, None)]),
    ]
    assert rows[1]["meals"] == {"breakfast": None, "lunch": Decimal("1.10"), "snacks": None, "dinner": Decimal("2.20")}
    assert rows[1]["total"] == Decimal("3.30") and rows[0]["total"] is None
