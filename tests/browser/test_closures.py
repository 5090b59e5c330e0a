"""The closed-days page in a real browser, at desktop and phone width (see tests/browser/conftest.py,
whose browser, live-server and people fixtures these tests share)."""

import datetime

from django.utils import timezone

from mess.models import Closure
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, log_in, submit

pytestmark = BROWSER_TESTS


def test_an_official_closes_days_is_told_what_is_wrong_and_removes_a_closure(page, live_server, people, dialogs, csp_violations):
    today = timezone.localdate()
    first, last = today + datetime.timedelta(days=10), today + datetime.timedelta(days=12)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "olga", "pw-olga-123")
    submit(page, "text=Closed days")
    assert page.url == f"{live_server.url}/mess/mess1/closures/"

    page.fill("#id_first_day", first.isoformat())
    page.fill("#id_last_day", last.isoformat())
    page.fill("#id_reason", "Diwali <break>")
    submit(page, "button:has-text('Mark closed')")
    days = f"{first:%a} {first.day} {first:%b %Y} to {last:%a} {last.day} {last:%b %Y}"  # the day: Mon 7 Dec 2026
    assert f"Mess 1 is closed {days}." in page.locator(".messages").inner_text()
    row = page.locator("#closures tbody tr")
    assert row.count() == 1 and "Diwali <break>" in row.inner_text()

    # overlapping days: said beside the first day, nothing added
    page.fill("#id_first_day", last.isoformat())
    page.fill("#id_last_day", (last + datetime.timedelta(days=1)).isoformat())
    submit(page, "button:has-text('Mark closed')")
    field = page.locator(".field.invalid", has=page.locator("#id_first_day"))
    assert "These days overlap the closure" in field.locator(".error").inner_text()
    assert Closure.objects.count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "closures.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / "closures-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways
    submit(page, "#closures button:has-text('Remove')")
    assert f"Removed the closure of {days}" in page.locator(".messages").inner_text()
    assert "No closures coming up" in page.locator("#closures").inner_text()
    assert not Closure.objects.exists()
    assert dialogs == []
    assert csp_violations == []
