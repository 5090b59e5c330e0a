"""alerts_generate keeps one open alert per condition, updates it, resolves it and reopens one that
clears and holds again the same day, in a fixed number of queries; the generate_alerts command
prints what alerts_evaluate and alerts_open give."""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.alerts import (
    alert_acknowledge,
    alerts_evaluate,
    alerts_generate,
    alerts_open,
)
from mess.models import Alert, Closure, Feedback, Floor, Mess, WasteRecord
from scheduling.models import JobRun
from tests.alerts_rows import NOON, TODAY, alert_row, days_ago, ratings, thresholds, waste

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
