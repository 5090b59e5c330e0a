"""The announcements page in a real browser, at phone width (see tests/browser/conftest.py, whose
browser, live-server and people fixtures these tests share)."""

import datetime

from django.utils import timezone

from mess.models import Announcement
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, PHONE, fits, log_in, submit

pytestmark = BROWSER_TESTS


def test_an_official_posts_an_announcement_on_a_phone_and_a_student_reads_it(page, live_server, people, dialogs, csp_violations):
    today = timezone.localdate()
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "olga", "pw-olga-123")
    submit(page, "text=Announcements")
    assert page.url == f"{live_server.url}/mess/mess1/announcements/"
    assert page.input_value("#id_first_day") == today.isoformat()  # today to begin with

    page.fill("#id_title", "Pest control")
    page.fill("#id_text", "Closed Sunday dinner.\n<b>Eat at mess 2</b>")
    page.fill("#id_last_day", (today - datetime.timedelta(days=1)).isoformat())
    submit(page, "#post-announcement button:has-text('Post')")
    field = page.locator(".field.invalid", has=page.locator("#id_last_day"))
    assert "The last day is before the first day." in field.locator(".error").inner_text()
    assert page.input_value("#id_title") == "Pest control"  # kept as typed
    assert not Announcement.objects.exists()

    page.fill("#id_last_day", (today + datetime.timedelta(days=2)).isoformat())
    submit(page, "#post-announcement button:has-text('Post')")
    assert "Posted the announcement to Mess 1." in page.locator(".messages").inner_text()
    assert "Pest control" in page.locator("#announcements-coming").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "announcements-phone.png", full_page=True)
    assert fits(page, PHONE["width"])

    page.context.clear_cookies()
    log_in(page, live_server, "alice", "pw-alice-123")
    shown = page.locator("#announcements")
    assert shown.locator("h3").inner_text() == "Pest control"
    assert shown.locator("p").inner_text() == "Closed Sunday dinner.\n<b>Eat at mess 2</b>"  # text, its line break kept
    page.screenshot(path=ARTIFACTS / "announcements-student-phone.png", full_page=True)
    assert fits(page, PHONE["width"])
    assert dialogs == []
    assert csp_violations == []
