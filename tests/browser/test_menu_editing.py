"""The officials' menu pages in a real browser (see tests/browser/conftest.py for how it runs): the weekly
grid, a one-day change and the non-veg items, at desktop and at phone width, under the
Content-Security-Policy."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mess.models import MenuChange, NonVegItem, RegularMenu, TemporaryMenu
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, DESKTOP, PHONE, fits, log_in, submit

pytestmark = BROWSER_TESTS


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_official_edits_the_weekly_menu_in_the_grid(page, live_server, people, dialogs, csp_violations, viewport):
    page.set_viewport_size(viewport)
    log_in(page, live_server, "olga", "pw-olga-123")
    submit(page, "#menu-links >> text=weekly menu")
    assert page.url == f"{live_server.url}/mess/mess1/menu/"
    assert fits(page, viewport["width"])

    page.fill("#id_veg-0-lunch", "Dal tadka\nJeera rice\n\n  Salad  ")
    page.fill("#id_veg-2-dinner", "\n".join(f"Dish {n}" for n in range(31)))
    submit(page, "button:has-text('Save the weekly menu')")

    assert "Nothing was saved" in page.locator(".messages").inner_text()
    wednesday_dinner = page.locator(".field", has=page.locator("#id_veg-2-dinner"))
    assert "31 dishes: a menu holds at most 30" in wednesday_dinner.locator(".error").inner_text()
    assert page.locator("#id_veg-0-lunch").input_value() == "Dal tadka\nJeera rice\n\n  Salad  "  # kept as typed
    assert not RegularMenu.objects.exists()

    page.fill("#id_veg-2-dinner", "Paneer butter masala\nRoti")
    page.click("#nonveg-grid summary")
    page.fill("#id_nonveg-4-dinner", "Chicken curry")
    submit(page, "button:has-text('Save the weekly menu')")

    assert "3 meals changed" in page.locator(".messages").inner_text()
    assert page.locator("#id_veg-0-lunch").input_value() == "Dal tadka\nJeera rice\nSalad"
    assert set(RegularMenu.objects.values_list("weekday", "meal", "is_veg")) == {
        (0, "lunch", True),
        (2, "dinner", True),
        (4, "dinner", False),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"menu-grid-{viewport['width']}.png", full_page=True)
    assert fits(page, viewport["width"])

    submit(page, ".menu-nav >> text=History")
    assert page.locator(".history > li").count() == 3
    assert fits(page, viewport["width"])
    assert dialogs == [] and csp_violations == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_official_makes_changes_and_removes_a_one_day_change(page, live_server, people, dialogs, csp_violations, viewport):
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    page.set_viewport_size(viewport)
    log_in(page, live_server, "olga", "pw-olga-123")
    page.goto(f"{live_server.url}/mess/mess1/menu/day/")
    assert fits(page, viewport["width"])

    page.fill("#id_date", (today - datetime.timedelta(days=1)).isoformat())
    page.select_option("#id_meal", "dinner")
    page.fill("#id_dishes", "Veg biryani\nRaita")
    submit(page, "button:has-text('Save the change')")
    assert "is in the past" in page.locator(".field", has=page.locator("#id_date")).locator(".error").inner_text()
    assert not TemporaryMenu.objects.exists()

    page.fill("#id_date", tomorrow.isoformat())
    submit(page, "button:has-text('Save the change')")
    assert "Saved the one-day change for dinner" in page.locator(".messages").inner_text()
    assert "Veg biryani\nRaita" in page.locator("#upcoming").inner_text()

    submit(page, "#upcoming a:text-is('Change')")
    expect(page.locator("#id_dishes")).to_have_value("Veg biryani\nRaita")
    page.fill("#id_dishes", "Veg biryani\nRaita\nGulab jamun")
    submit(page, "button:has-text('Save the change')")
    assert TemporaryMenu.objects.get().dishes == "Veg biryani\nRaita\nGulab jamun"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"menu-day-{viewport['width']}.png", full_page=True)
    assert fits(page, viewport["width"])

    submit(page, "#upcoming >> a:has-text('Remove')")
    assert "Remove this one-day change?" in page.locator("h1").inner_text()  # asked first, on a page of its own
    assert fits(page, viewport["width"])
    submit(page, "button:has-text('Remove')")
    assert "Removed the one-day change for dinner" in page.locator(".messages").inner_text()
    assert "No one-day changes from today on" in page.locator("#upcoming").inner_text()
    assert not TemporaryMenu.objects.exists()
    assert MenuChange.objects.filter(kind="temporary").count() == 3
    assert dialogs == [] and csp_violations == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_official_sets_the_non_veg_items_of_a_date_with_prices(page, live_server, people, dialogs, csp_violations, viewport):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.set_viewport_size(viewport)
    log_in(page, live_server, "olga", "pw-olga-123")
    submit(page, "#menu-links >> text=non-veg items")
    assert fits(page, viewport["width"])

    page.fill("#id_date", tomorrow.isoformat())
    page.select_option("#id_meal", "dinner")
    submit(page, "button:has-text('Show')")
    assert page.locator("#items-form h2, h2", has_text="Dinner of").count() == 1

    page.fill("#id_items-0-name", "Chicken curry")
    page.fill("#id_items-0-price", "80")
    page.fill("#id_items-1-name", "Egg bhurji")
    page.fill("#id_items-1-price", "-35")
    submit(page, "button:has-text('Save the items')")
    assert "A price cannot be negative" in page.locator(".field", has=page.locator("#id_items-1-price")).locator(".error").inner_text()
    assert not NonVegItem.objects.exists()

    page.fill("#id_items-1-price", "35.50")
    submit(page, "button:has-text('Save the items')")
    assert "Saved 2 non-veg items for dinner" in page.locator(".messages").inner_text()
    assert list(NonVegItem.objects.values_list("name", "price")) == [("Chicken curry", Decimal("80.00")), ("Egg bhurji", Decimal("35.50"))]
    upcoming = page.locator("#upcoming").inner_text()
    assert "Chicken curry ₹80" in upcoming and "Egg bhurji ₹35.50" in upcoming
    assert page.locator("#id_items-1-price").input_value() == "35.50"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"menu-nonveg-{viewport['width']}.png", full_page=True)
    assert fits(page, viewport["width"])
    assert dialogs == [] and csp_violations == []
