"""A mess's alerts on its pages: each kind with its unit and basis, acknowledging an open alert with
a note (beside the field when it is wrong, escaped when shown), the 90-day history in a constant
number of queries, and the admin's view of alerts and of the messes' thresholds."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.models import Alert, DailyReport
from mess.reports import daily_reports_send
from tests.factories import IST, NOW, TODAY, alert, days_ago, feedback, waste

SCRIPT = '<script>alert("x")</script> & <b>bold</b>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"


def stored(mess, subject, *, kind="high_waste", value="60.50", threshold="50", basis=3, resolved=False, seen=None):
    made = alert(mess, subject, kind=kind, value=value, resolved=resolved)
    Alert.objects.filter(pk=made.pk).update(
        threshold=Decimal(threshold), basis=basis, **({"first_seen_at": seen, "last_seen_at": seen} if seen else {})
    )
    made.refresh_from_db()
    return made


def ack_url(a) -> str:
    return f"/mess/{a.mess.code}/alerts/{a.pk}/acknowledge/"


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_shows_each_kind_with_its_unit_and_basis(as_official, mess1, mess2):
    stored(mess1, "Ground", value="62.40", basis=5)
    stored(mess1, "First", kind="high_waste_per_diner", value="182.50", threshold="150", basis=1234)
    stored(mess1, "lunch", kind="low_rating", value="2.67", threshold="3", basis=42)
    stored(mess2, "Third")  # another mess's

    page = as_official.get("/mess/mess1/").text
    section = page.split('id="alerts"')[1].split("</section>")[0]

    assert "High waste: Ground</strong>\n      62.40 kg/day (threshold 50.00 kg/day) over 5 recorded days" in section
    assert "High waste per diner: First</strong>\n      182.50 g/diner (threshold 150.00 g/diner) from 1,234 diners" in section
    assert "Low rating: Lunch</strong>\n      average 2.67 (threshold 3.00) from 42 ratings" in section
    assert "Third" not in section
    assert section.count('name="note"') == 3
    assert 'href="/mess/mess1/alerts/"' in section


@time_machine.travel(NOW, tick=False)
def test_an_official_acknowledges_an_alert_and_everyone_sees_who_when_and_the_note(as_official, official, mess1):
    a = stored(mess1, "Ground")

    response = as_official.post(ack_url(a), {"note": "Spoke to the cook about portion sizes"})

    assert response.status_code == 302 and response["Location"] == "/mess/mess1/#alerts"
    a.refresh_from_db()
    assert (a.acknowledged_by, a.acknowledged_at, a.acknowledgement, a.is_open) == (
        official,
        NOW,
        "Spoke to the cook about portion sizes",
        True,
    )
    page = as_official.get("/mess/mess1/").text
    assert "Acknowledged by olga, Tue 10 Mar, 13:00: Spoke to the cook about portion sizes" in page
    assert "Alert acknowledged: it stays open until its condition clears." in page
    assert 'name="note"' not in page.split('id="alerts"')[1].split("</section>")[0]  # a link to change it instead
    assert "Change the note" in page


@time_machine.travel(NOW, tick=False)
def test_an_admin_acknowledges_any_messs_alert(as_admin, admin, mess2):
    a = stored(mess2, "Third")
    assert as_admin.post(ack_url(a), {"note": "Asked the mess to weigh again"}).status_code == 302
    a.refresh_from_db()
    assert a.acknowledged_by == admin


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("note", "error"),
    [
        ("", "Say what was done about it."),
        ("   ", "Say what was done about it."),
        ("x" * 201, "Ensure this value has at most 200 characters (it has 201)."),
        ("bell\x07", "The note contains the control character U+0007, which is not text."),
    ],
)
def test_a_bad_note_is_refused_beside_the_field_and_changes_nothing(as_official, mess1, note, error):
    a = stored(mess1, "Ground")

    response = as_official.post(ack_url(a), {"note": note})

    assert response.status_code == 200
    field = response.text.split('<label for="id_note">')[1].split("</div>")[0]
    assert f'<span class="error">{error}</span>' in field
    a.refresh_from_db()
    assert (a.acknowledged_by, a.acknowledged_at, a.acknowledgement) == (None, None, "")


@time_machine.travel(NOW, tick=False)
def test_a_resolved_alert_is_not_acknowledged(as_official, mess1):
    a = stored(mess1, "Ground", resolved=True)
    assert "This alert was resolved" in as_official.get(ack_url(a)).text
    response = as_official.post(ack_url(a), {"note": "Too late"})
    assert "This alert was resolved Mon 9 Mar, 10:00: its condition no longer holds." in response.text
    a.refresh_from_db()
    assert a.acknowledgement == ""


@time_machine.travel(NOW, tick=False)
def test_another_messs_alert_is_404_under_ones_own_mess(as_official, mess1, mess2):
    theirs = stored(mess2, "Third")
    assert as_official.get(f"/mess/mess1/alerts/{theirs.pk}/acknowledge/").status_code == 404
    assert as_official.post(f"/mess/mess1/alerts/{theirs.pk}/acknowledge/", {"note": "Not ours"}).status_code == 404
    assert as_official.post(ack_url(theirs), {"note": "Not ours"}).status_code == 404
    assert as_official.post("/mess/mess1/alerts/999999/acknowledge/", {"note": "No such"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.acknowledgement == ""


@time_machine.travel(NOW, tick=False)
def test_a_note_shows_as_text_everywhere(as_official, official, mess1):
    a = stored(mess1, "Ground")
    as_official.post(ack_url(a), {"note": SCRIPT})
    Alert.objects.filter(pk=a.pk).update(subject=SCRIPT[:64])
    for url in ("/mess/mess1/", "/mess/mess1/alerts/", ack_url(a)):
        page = as_official.get(url).text
        assert ESCAPED in page, url
        assert "<script>" not in page and "<b>bold" not in page


@time_machine.travel(NOW, tick=False)
def test_the_history_lists_90_days_newest_first_with_the_notes(as_official, official, mess1, mess2):
    old = stored(mess1, "Ground", resolved=True, seen=datetime.datetime(2025, 12, 11, 10, tzinfo=IST))  # 89 days ago
    stored(mess1, "First", resolved=True, seen=datetime.datetime(2025, 12, 9, 10, tzinfo=IST))  # 91 days ago
    new = stored(mess1, "lunch", kind="low_rating", value="2.50", threshold="3", basis=12)
    Alert.objects.filter(pk=old.pk).update(acknowledged_by=official, acknowledged_at=NOW, acknowledgement="New cook since")
    stored(mess2, "Third")

    response = as_official.get("/mess/mess1/alerts/")

    assert [a.pk for a in response.context["alerts"]] == [new.pk, old.pk]
    page = response.text
    assert page.index("Low rating: Lunch") < page.index("High waste: Ground")
    assert "average 2.50 (threshold 3.00) from 12 ratings" in page
    assert "Acknowledged by olga, Tue 10 Mar, 13:00: New cook since" in page
    assert "Thu 11 Dec, 10:00 to Mon 9 Mar, 10:00" in page  # from first seen to resolved
    assert f'href="/mess/mess1/alerts/{new.pk}/acknowledge/"' in page
    assert "Third" not in page and "First" not in page


@time_machine.travel(NOW, tick=False)
def test_the_history_costs_the_same_queries_for_three_alerts_as_for_sixty(as_official, official, mess1):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_official.get("/mess/mess1/alerts/").status_code == 200
        return len(queries)

    for n in range(3):
        stored(mess1, f"Floor {n}", resolved=True, seen=NOW - datetime.timedelta(days=n))
    Alert.objects.update(acknowledged_by=official, acknowledged_at=NOW, acknowledgement="Seen")
    few = count()
    for n in range(3, 60):
        a = stored(mess1, f"Floor {n}", resolved=True, seen=NOW - datetime.timedelta(days=n))
        Alert.objects.filter(pk=a.pk).update(acknowledged_by=official, acknowledged_at=NOW, acknowledgement="Seen")
    assert count() == few <= 8


@time_machine.travel(NOW, tick=False)
def test_the_daily_report_shows_each_alerts_unit_and_basis(as_official, official, mess1, ground):
    waste(ground, days_ago(1), "lunch", "10")
    stored(mess1, "First", kind="high_waste_per_diner", value="182.50", threshold="150", basis=1234)
    daily_reports_send(date=days_ago(1))
    report = DailyReport.objects.get(mess=mess1)
    expected = "High waste per diner: First, 182.50 g/diner (threshold 150.00 g/diner) from 1,234 diners"
    assert expected in report.text_body and expected in report.html_body
    assert expected in as_official.get(f"/mess/mess1/reports/{days_ago(1)}/").text


@time_machine.travel(NOW, tick=False)
def test_the_admin_lists_alerts_with_their_figures_and_acknowledgement(as_admin, admin, mess1):
    a = stored(mess1, "First", kind="high_waste_per_diner", value="182.50", threshold="150", basis=1234)
    Alert.objects.filter(pk=a.pk).update(acknowledged_by=admin, acknowledged_at=NOW, acknowledgement=SCRIPT)
    listing = as_admin.get("/admin/mess/alert/").text
    assert "182.50 g/diner (threshold 150.00 g/diner) from 1,234 diners" in listing
    page = as_admin.get(f"/admin/mess/alert/{a.pk}/change/").text
    assert ESCAPED in page and "<script>" not in page


def test_the_mess_admin_shows_and_edits_the_thresholds(as_admin, mess1):
    listing = as_admin.get("/admin/mess/mess/").text
    assert "Waste threshold (g per diner)" in listing and "Min ratings" in listing
    form = as_admin.get(f"/admin/mess/mess/{mess1.pk}/change/").text
    for help_text in (
        "A floor whose waste per recorded day over the alert window is above this raises a high-waste alert.",
        "A floor whose waste per diner over the alert window is above this raises an alert; empty turns that alert off.",
        "How many ratings a meal needs over the alert window before its average can raise a low-rating alert.",
    ):
        assert help_text in form
    data = {
        "code": "mess1",
        "name": "Mess 1",
        "is_active": "on",
        "waste_threshold_kg": "45.5",
        "waste_threshold_g_per_diner": "",
        "rating_threshold": "3.5",
        "min_ratings": "0",
        "alert_window_days": "7",
        "absence_cutoff_minutes": "180",
        "menu_message_minutes": "30",
        "cook_margin_percent": "5",
        "co2e_per_kg": "2.50",
        "kg_per_meal": "0.420",
        "waste_goal_percent": "20",
        "floors-TOTAL_FORMS": "0",
        "floors-INITIAL_FORMS": "0",
    }
    refused = as_admin.post(f"/admin/mess/mess/{mess1.pk}/change/", data)
    assert refused.status_code == 200 and "Ensure this value is greater than or equal to 1." in refused.text
    assert as_admin.post(f"/admin/mess/mess/{mess1.pk}/change/", {**data, "min_ratings": "5"}).status_code == 302
    mess1.refresh_from_db()
    assert (mess1.waste_threshold_kg, mess1.waste_threshold_g_per_diner, mess1.min_ratings) == (Decimal("45.50"), None, 5)


@time_machine.travel(NOW, tick=False)
def test_the_rating_chart_says_how_many_ratings_each_bar_rests_on(as_official, mess1):
    for rating in (2, 4):
        feedback(mess1, TODAY, "lunch", rating)
    feedback(mess1, days_ago(20), "lunch", 1)  # in the 30 days, not the 7

    svg = as_official.get("/mess/mess1/").text.split('id="ratings"')[1].split("</figure>")[0]

    assert ">3.00 (2)</text>" in svg and ">2.33 (3)</text>" in svg
    assert "<title>Lunch, Last 7 days: 3.00, from 2 ratings</title>" in svg
    assert "(n): the ratings each bar rests on" in svg
