"""The keyboard alone: a student rates a meal and an official records waste with Tab, Shift+Tab,
Space, Enter, the arrows and typing, never the mouse; at each stop the focus shows (a ring of at
least 2 px, from the stylesheet's :focus-visible: Chromium's own ring is 1 px)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from mess.models import Feedback, MealWindow, WasteRecord
from tests.browser.common import BROWSER_TESTS, log_in

pytestmark = BROWSER_TESTS

FOCUS_SHOWS = """() => {
    const style = getComputedStyle(document.activeElement);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
}"""


def press_until(page, focused: str, key: str = "Tab", limit: int = 80) -> None:
    """Presses `key` until the element `focused` (a CSS selector) has the focus, checking at every
    stop on the way that the focus shows."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("() => document.activeElement !== document.body"):
            assert page.evaluate(FOCUS_SHOWS), "the focus does not show on " + page.evaluate("() => document.activeElement.outerHTML")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", focused):
            return
    raise AssertionError(f"{key} never reached {focused}")


def test_a_student_rates_a_meal_with_the_keyboard_alone(page, live_server, people):
    # The live server runs on the real clock: let breakfast's window cover the whole day.
    MealWindow.objects.filter(meal="breakfast").update(starts_at=datetime.time(0, 0), ends_at=datetime.time(23, 59))
    log_in(page, live_server, "alice", "pw-alice-123")
    assert page.url == f"{live_server.url}/feedback/"

    press_until(page, "#meal-breakfast input[name=rating]")
    page.keyboard.press("Space")  # the first rating, 1
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # the arrows move the choice: 3
    press_until(page, "#meal-breakfast textarea[name=comment]")
    page.keyboard.type("A bit salty")
    page.keyboard.press("Shift+Tab")  # back, and forth again: the choices stay
    press_until(page, "#meal-breakfast textarea[name=comment]")
    press_until(page, "#meal-breakfast button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "your feedback on today's breakfast is saved" in page.locator("#meal-breakfast .thanks").inner_text()
    entry = Feedback.objects.get()
    assert (entry.meal, entry.rating, entry.comment) == ("breakfast", 3, "A bit salty")


def test_an_official_records_waste_with_the_keyboard_alone(page, live_server, people):
    ground = people["mess"].floors.get(name="Ground")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)  # its dinner is over whatever the hour
    log_in(page, live_server, "olga", "pw-olga-123")

    press_until(page, "nav a[href$='/waste/']")  # Record waste
    with page.expect_navigation():
        page.keyboard.press("Enter")
    press_until(page, "#id_date")
    page.keyboard.type(f"{yesterday:%m%d%Y}")  # the date field's month, day and year, as Chromium's en-US shows them
    press_until(page, "#id_meal")
    page.keyboard.type("Dinner")  # a closed list picks the option its typing starts
    press_until(page, "#pick button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    press_until(page, f"#id_kg_{ground.pk}")
    page.keyboard.type("4.75")
    press_until(page, "#meal-waste button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "recorded 4.75 kg" in page.locator(".messages").inner_text()
    record = WasteRecord.objects.get()
    assert (record.floor, record.date, record.meal, record.total_kg) == (ground, yesterday, "dinner", Decimal("4.75"))
