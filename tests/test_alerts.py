"""generate_alerts: alerts_generate keeps one open alert per condition; alerts_evaluate and alerts_open
serve the command's output."""

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

from mess.alerts import alerts_evaluate, alerts_generate, alerts_open
from mess.models import Alert, Feedback, Floor, Mess, WasteRecord
from scheduling.models import JobRun

User = get_user_model()

TODAY = datetime.date(2026, 3, 10)
NOON = datetime.datetime(2026, 3, 10, 6, 30, tzinfo=datetime.UTC)  # 12:00 IST


def days_ago(n, today=TODAY):
    return today - datetime.timedelta(days=n)


WEEK_START = days_ago(6)  # the default window ending TODAY: seven days, TODAY included


def waste(floor, date, kg, meal="lunch"):
    return WasteRecord.objects.create(floor=floor, date=date, meal=meal, total_kg=Decimal(kg))


_students = iter(range(10**6))


def ratings(mess, date, meal, *values):
    """Feedback of `meal` on `date`, one entry per rating, each by a new student."""
    students = User.objects.bulk_create([User(username=f"s{next(_students)}") for _ in values])
    Feedback.objects.bulk_create(
        [Feedback(student=s, mess=mess, date=date, meal=meal, rating=r) for s, r in zip(students, values, strict=True)]
    )


def alert_row(mess="mess1", kind="high_waste", subject="Ground", value=50.01, threshold=50.0, start=WEEK_START, end=TODAY):
    return {
        "mess": mess,
        "kind": kind,
        "subject": subject,
        "value": value,
        "threshold": threshold,
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
    }


# The thresholds, exactly


def test_it_raises_nothing_for_exactly_the_waste_threshold(ground):
    waste(ground, days_ago(1), "25.00")
    waste(ground, days_ago(2), "25.00", meal="dinner")
    assert alerts_evaluate(as_of=TODAY) == []


def test_it_raises_high_waste_one_hundredth_above_the_threshold(ground):
    waste(ground, days_ago(1), "25.00")
    waste(ground, days_ago(2), "25.01", meal="dinner")
    assert alerts_evaluate(as_of=TODAY) == [alert_row(value=50.01)]


def test_it_raises_nothing_for_an_average_of_exactly_the_rating_threshold(mess1):
    ratings(mess1, days_ago(0), "lunch", 2, 4, 3)
    ratings(mess1, days_ago(3), "lunch", 1, 5)
    assert alerts_evaluate(as_of=TODAY) == []


def test_it_compares_averages_exactly_against_a_fractional_threshold(mess1):
    Mess.objects.filter(pk=mess1.pk).update(rating_threshold=Decimal("3.35"))
    ratings(mess1, TODAY, "dinner", *([3] * 13 + [4] * 7))  # 67 / 20 = 3.35: not below
    ratings(mess1, TODAY, "lunch", *([3] * 14 + [4] * 6))  # 66 / 20 = 3.30: below
    assert alerts_evaluate(as_of=TODAY) == [alert_row(kind="low_rating", subject="lunch", value=3.3, threshold=3.35)]


def test_it_raises_low_rating_below_the_threshold_and_rounds_the_value(mess1):
    ratings(mess1, TODAY, "breakfast", 3, 3, 2)
    assert alerts_evaluate(as_of=TODAY) == [alert_row(kind="low_rating", subject="breakfast", value=2.67, threshold=3.0)]


def test_it_raises_nothing_for_a_meal_without_feedback_or_a_mess_without_data(mess1, mess2):
    assert alerts_evaluate(as_of=TODAY) == []
    with time_machine.travel(NOON, tick=False):
        assert alerts_generate() == "0 active alerts (0 new, 0 resolved) in 2 messes"
    assert not Alert.objects.exists()


def test_it_uses_each_messs_own_thresholds(mess1, mess2, ground):
    Mess.objects.filter(pk=mess2.pk).update(waste_threshold_kg=Decimal("10"), rating_threshold=Decimal("4.5"))
    third = Floor.objects.get(name="Third")
    waste(ground, TODAY, "10.01")
    waste(third, TODAY, "10.01")
    ratings(mess1, TODAY, "lunch", 4)
    ratings(mess2, TODAY, "lunch", 4)
    assert alerts_evaluate(as_of=TODAY) == [
        alert_row(mess="mess2", subject="Third", value=10.01, threshold=10.0),
        alert_row(mess="mess2", kind="low_rating", subject="lunch", value=4.0, threshold=4.5),
    ]


# The window


def test_it_counts_the_first_and_last_day_of_the_window_and_not_the_day_before(ground, first):
    waste(ground, days_ago(6), "30.00")  # the window's first day
    waste(ground, TODAY, "20.01")  # its last day
    waste(first, days_ago(7), "40.00")  # the day before the window
    waste(first, days_ago(6), "10.01")
    waste(first, days_ago(-1), "40.00")  # the day after
    assert alerts_evaluate(as_of=TODAY) == [alert_row(subject="Ground", value=50.01)]


def test_it_counts_ratings_on_the_windows_edges_only(mess1):
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
    waste(ground, TODAY, "70.50")
    ratings(mess1, TODAY, "lunch", 1, 2)

    assert alerts_generate() == "2 active alerts (2 new, 0 resolved) in 1 mess"

    high, low = Alert.objects.order_by("kind")
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
    waste(ground, TODAY, "60.00")
    ratings(mess1, TODAY, "lunch", 1)
    with time_machine.travel(NOON, tick=False):
        alerts_generate()
        before = list(Alert.objects.order_by("pk").values())
        assert alerts_generate() == "2 active alerts (0 new, 0 resolved) in 1 mess"
        assert list(Alert.objects.order_by("pk").values()) == before


def test_it_resolves_an_alert_whose_condition_no_longer_holds_and_reopens_a_new_one(ground):
    record = waste(ground, TODAY, "60.00")
    with time_machine.travel(NOON, tick=False):
        alerts_generate()
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
    with time_machine.travel(resolved_at + datetime.timedelta(hours=1), tick=False):
        assert alerts_generate() == "1 active alert (1 new, 0 resolved) in 1 mess"
    assert Alert.objects.count() == 2
    assert Alert.objects.get(is_open=True).value == Decimal("55.00")


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
    """n messes with three floors each, every floor over its threshold and every meal rated low."""
    messes = Mess.objects.bulk_create([Mess(code=f"{prefix}{i}", name=f"Mess {prefix}{i}") for i in range(n)])
    floors = Floor.objects.bulk_create([Floor(mess=m, name=f"Floor {j}") for m in messes for j in range(3)])
    WasteRecord.objects.bulk_create([WasteRecord(floor=f, date=TODAY, meal="lunch", total_kg=Decimal("60")) for f in floors])
    for m in messes:
        ratings(m, TODAY, "lunch", 1, 2)


def _generate_queries(n):
    make_messes(n, "a")
    with CaptureQueriesContext(connection) as ctx:
        alerts_generate()
    assert Alert.objects.filter(is_open=True).count() == 4 * n
    WasteRecord.objects.all().delete()
    with CaptureQueriesContext(connection) as resolving:
        alerts_generate()
    return len(ctx.captured_queries), len(resolving.captured_queries)


@time_machine.travel(NOON, tick=False)
def test_it_uses_as_many_queries_for_six_messes_as_for_two(db, django_assert_num_queries):
    raising, resolving = _generate_queries(2)
    assert (raising, resolving) == (8, 9)  # with the savepoint and its release
    Alert.objects.all().delete()
    Feedback.objects.all().delete()
    make_messes(6, "b")  # six more, none of them alerting yet
    with django_assert_num_queries(raising):
        alerts_generate()
    WasteRecord.objects.all().delete()
    with django_assert_num_queries(resolving):
        alerts_generate()
    with django_assert_num_queries(4):
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
