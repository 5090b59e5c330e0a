"""The menus in a real browser (see tests/browser/conftest.py for how these run): the students' menu,
week and dish votes, the public menu page (a closed day's too) and the dashboard's menu, at desktop
and phone width, under the Content-Security-Policy."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from mess.models import Closure, DishVote, Feedback, MealWindow, Mess, NonVegItem, NonVegMenu, RegularMenu, TemporaryMenu
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, DESKTOP, PHONE, fits, log_in, submit

pytestmark = BROWSER_TESTS


def in_sight(page, selector: str) -> bool:
    """Whether the element is within the window as it is scrolled now."""
    return page.locator(selector).evaluate("e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }")


LONG_DISH = "Aloo-gobhi-matar-paneer-shimla-mirch-ki-sabzi-with-extra-masala-and-coriander"


@pytest.fixture
def menus(people):
    """Every day's breakfast served all day (the live server runs on the real clock), a week of
    regular menus, a one-day change tomorrow and today's non-veg items."""
    MealWindow.objects.filter(meal="breakfast").update(starts_at=datetime.time(0, 0), ends_at=datetime.time(23, 59))
    mess, today = people["mess"], timezone.localdate()
    for weekday in range(7):
        RegularMenu.objects.create(mess=mess, weekday=weekday, meal="breakfast", dishes=f"Idli {weekday}\nSambar\n{LONG_DISH}")
        RegularMenu.objects.create(mess=mess, weekday=weekday, meal="dinner", dishes=f"Dal {weekday}\nRice")
    TemporaryMenu.objects.create(mess=mess, date=today + datetime.timedelta(days=1), meal="dinner", dishes="Festival thali")
    menu = NonVegMenu.objects.create(mess=mess, date=today, meal="breakfast")
    NonVegItem.objects.create(menu=menu, name="Egg bhurji", price=Decimal("35"))
    return mess


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_student_sees_todays_menu_and_the_week_and_votes_on_dishes(page, live_server, menus, dialogs, csp_violations, viewport):
    weekday = timezone.localdate().weekday()
    page.set_viewport_size(viewport)
    log_in(page, live_server, "alice", "pw-alice-123")

    first = page.locator("#menu-today .menu-meal").first
    assert first.get_attribute("id") == "menu-breakfast"  # being served now, so first
    assert "serving now" in first.inner_text() and f"Idli {weekday}" in first.inner_text() and "₹35" in first.inner_text()
    tomorrow = page.locator(".menu-day").nth(1)
    assert "Festival thali" in tomorrow.inner_text() and tomorrow.locator(".badge.changed").count() >= 1
    assert page.locator(".menu-day").count() == 7
    assert fits(page, viewport["width"])

    card = page.locator("#meal-breakfast")
    card.locator("label", has_text="4").first.click()
    card.locator(f"input[name=liked][value='Idli {weekday}']").check()
    card.locator("input[name=disliked][value='Egg bhurji']").check()
    card.locator("input[name=liked][value='Sambar']").check()
    card.locator("input[name=disliked][value='Sambar']").check()  # both: refused beside the dishes
    card.locator("button[type=submit]").click()
    assert "A dish is liked or disliked, not both: Sambar." in page.locator("#meal-breakfast .dish-votes").inner_text()
    assert not Feedback.objects.exists()
    # on a phone too, the person lands on what is wrong: the dishes' first box has the focus, in sight
    assert page.evaluate("document.activeElement.id") == "id_breakfast_liked_0"
    assert in_sight(page, "#id_breakfast_liked_0")
    assert "not both: Sambar" in page.locator("#problems").inner_text()  # and the summary at the top says it

    card.locator("input[name=disliked][value='Sambar']").uncheck()
    card.locator("button[type=submit]").click()
    assert "your feedback on today's breakfast is saved" in page.locator("#meal-breakfast .thanks").inner_text()
    assert in_sight(page, "#meal-breakfast .thanks")  # said where the page lands, not at the top of a long page
    assert {(v.dish, v.liked) for v in DishVote.objects.all()} == {(f"Idli {weekday}", True), ("Sambar", True), ("Egg bhurji", False)}
    assert page.locator("#meal-breakfast input[name=liked][value='Sambar']").is_checked()  # shown again as saved
    assert fits(page, viewport["width"])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"student-menu-{viewport['width']}.png", full_page=True)
    assert dialogs == [] and csp_violations == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_anyone_opens_the_public_menu_page_at_any_width(page, live_server, menus, csp_violations, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/menu/mess1/")

    assert "/accounts/login/" not in page.url
    assert page.locator("h1").inner_text() == "Mess 1: today's menu"
    assert page.locator("#menu-today .menu-meal").first.get_attribute("id") == "menu-breakfast"
    assert LONG_DISH in page.locator("#menu-today").inner_text()
    assert "Festival thali" in page.locator("#menu-week").inner_text()
    assert fits(page, viewport["width"])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"public-menu-{viewport['width']}.png", full_page=True)
    Mess.objects.filter(pk=menus.pk).update(is_active=False)
    assert page.goto(f"{live_server.url}/menu/mess1/").status == 404
    assert csp_violations == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_official_sees_todays_menu_on_the_dashboard(page, live_server, menus, csp_violations, viewport):
    page.set_viewport_size(viewport)
    log_in(page, live_server, "olga", "pw-olga-123")

    menu = page.locator("#menu-today")
    assert f"Idli {timezone.localdate().weekday()}" in menu.inner_text() and "Egg bhurji" in menu.inner_text()
    assert fits(page, viewport["width"])
    submit(page, "text=The public menu page")
    assert page.url == f"{live_server.url}/menu/mess1/"
    assert csp_violations == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_public_menu_says_closed_on_a_closed_day(page, live_server, menus, csp_violations, viewport):
    today = timezone.localdate()
    Closure.objects.create(mess=menus, first_day=today, last_day=today + datetime.timedelta(days=1), reason="Holi, the festival of colours")
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/menu/mess1/")

    assert page.locator("#menu-today .closed-day").inner_text() == "Closed: Holi, the festival of colours"
    assert page.locator("#menu-today .menu-meal").count() == 0 and "Idli" not in page.locator("#menu-today").inner_text()
    closed = page.locator(".menu-day.closed")
    assert closed.count() == 2 and "Festival thali" not in closed.nth(1).inner_text()  # tomorrow's one-day change is not served
    assert closed.locator(".badge.changed").count() == 0
    assert page.locator(".menu-day").nth(2).locator(".closed-day").count() == 0
    assert page.locator("#menu-today .closed-day").is_visible()
    assert fits(page, viewport["width"])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"public-menu-closed-{viewport['width']}.png", full_page=True)
    assert csp_violations == []
