"""Alerts in a real browser (see tests/browser/conftest.py for how these run): an official acknowledges
an alert from the dashboard, corrects the note, and reads the alert history, at desktop and phone
width, under the Content-Security-Policy."""

import datetime
from decimal import Decimal

from django.utils import timezone

from mess.models import Alert, WasteRecord
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, DESKTOP, PHONE, log_in, submit

pytestmark = BROWSER_TESTS


def open_alert(mess, kind, subject, value, threshold, basis, first_seen_at, resolved_at=None):
    today = timezone.localdate()
    return Alert.objects.create(
        mess=mess,
        kind=kind,
        subject=subject,
        value=Decimal(value),
        threshold=Decimal(threshold),
        basis=basis,
        window_start=today - datetime.timedelta(days=6),
        window_end=today,
        first_seen_at=first_seen_at,
        last_seen_at=first_seen_at,
        resolved_at=resolved_at,
        is_open=None if resolved_at else True,
    )


def test_an_official_acknowledges_an_alert_and_reads_the_history(page, live_server, people, dialogs, csp_violations):
    mess, today, now = people["mess"], timezone.localdate(), timezone.now()
    first = mess.floors.get(name="First")
    WasteRecord.objects.create(floor=first, date=today - datetime.timedelta(days=1), meal="lunch", total_kg=Decimal("62.40"))
    open_alert(mess, "high_waste", "First", "62.40", "50", 1, now)
    open_alert(mess, "low_rating", "lunch", "2.67", "3", 42, now - datetime.timedelta(days=20), now - datetime.timedelta(days=19))

    log_in(page, live_server, "olga", "pw-olga-123")
    alerts = page.locator("#alerts")
    assert "62.40 kg/day (threshold 50.00 kg/day) over 1 recorded day" in alerts.inner_text()
    # the First floor's chart: yesterday's column above the daily threshold's line
    first_chart = page.locator("#waste-week svg").nth(0)
    assert first_chart.locator("rect.over").count() == 1
    assert first_chart.locator("line.marker title").text_content() == "daily threshold (50.00 kg)"

    note = "Spoke to the cook about <b>portion</b> sizes"
    alerts.locator("input[name=note]").fill(note)
    alerts.locator("button:has-text('Acknowledge')").click()
    assert "Alert acknowledged" in page.locator(".messages").inner_text()
    assert "Acknowledged by olga" in alerts.inner_text() and note in alerts.inner_text()
    assert alerts.locator("b").count() == 0  # the note is text
    assert Alert.objects.get(subject="First").acknowledgement == note
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=ARTIFACTS / "alerts-dashboard-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Changing the note: an empty one is refused beside the field, and nothing changes.
    page.set_viewport_size(DESKTOP)
    alerts.locator("text=Change the note").click()
    page.fill("#id_note", "   ")
    submit(page, "button:has-text('Acknowledge')")
    assert page.locator(".field.invalid .error").inner_text() == "Say what was done about it."
    assert Alert.objects.get(subject="First").acknowledgement == note
    page.fill("#id_note", "The cook now serves smaller first helpings")
    submit(page, "button:has-text('Acknowledge')")
    assert page.url == f"{live_server.url}/mess/mess1/#alerts"

    submit(page, "text=Alert history")
    items = page.locator("#alert-history li")
    assert items.count() == 2
    assert "High waste: First" in items.nth(0).inner_text()  # newest first
    assert "The cook now serves smaller first helpings" in items.nth(0).inner_text()
    assert "Low rating: Lunch" in items.nth(1).inner_text() and "from 42 ratings" in items.nth(1).inner_text()
    page.screenshot(path=ARTIFACTS / "alert-history.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=ARTIFACTS / "alert-history-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert dialogs == []
    assert csp_violations == []
