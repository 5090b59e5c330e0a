"""A student asks to change mess, and sees what the others think of theirs, in a real browser at
desktop and phone width (see tests/browser/conftest.py for how the browser runs)."""

import datetime

from django.utils import timezone

from mess.mess_changes import mess_change_capacities_save, mess_change_window_save
from mess.models import Mess, MessChangeCapacity, MessChangeWindow
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, DESKTOP, PHONE, fits, log_in, submit

pytestmark = BROWSER_TESTS


def test_a_student_asks_to_change_mess_and_withdraws(page, live_server, people, dialogs, csp_violations):
    today = timezone.localdate()
    other = Mess.objects.create(code="mess2", name="Mess 2")
    window = mess_change_window_save(
        window=MessChangeWindow(first_day=today - datetime.timedelta(days=1), last_day=today + datetime.timedelta(days=5))
    )
    mess_change_capacities_save(window=window, capacities=[MessChangeCapacity(mess=other, capacity=3)])

    log_in(page, live_server, "alice", "pw-alice-123")
    page.set_viewport_size(DESKTOP)
    assert page.locator("#opinions").is_visible()  # what the others think, on the students' page
    submit(page, "text=Change mess")
    assert page.url == f"{live_server.url}/mess-change/"
    page.select_option("#id_to_mess", label="Mess 2")
    page.fill("#id_reason", "My lab is next to Mess 2.")
    submit(page, "text=Send my request")

    assert "pending" in page.locator("#requests").inner_text()
    assert "My lab is next to Mess 2." in page.locator("#requests").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "mess-change.png", full_page=True)
    assert fits(page, DESKTOP["width"])

    page.set_viewport_size(PHONE)
    page.screenshot(path=ARTIFACTS / "mess-change-phone.png", full_page=True)
    assert fits(page, PHONE["width"])
    page.locator("#requests button").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "None yet." in page.locator("#requests").inner_text()
    assert page.locator("#id_reason").is_visible()
    assert dialogs == []
    assert csp_violations == []
