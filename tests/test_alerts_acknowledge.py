"""How an alert reads, an official's acknowledgement with its note, the 90-day history, and the
dashboard's waste read for its chart."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from mess.alerts import (
    alert_acknowledge,
    alert_wording,
    alerts_generate,
    alerts_history,
)
from mess.meals import day_start
from mess.models import Alert, WasteRecord
from mess.waste import waste_by_floor_and_meal
from tests.alerts_rows import NOON, TODAY, days_ago, waste

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
