"""The waste pages in a real browser, at desktop and at phone width: a meal's waste for every floor in
one form, the confirmation an unusual figure asks for, deleting a wrong record, and the admins'
history. The browser and its fixtures are in tests/browser/conftest.py."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from mess.models import DayTotals, WasteChange, WasteRecord
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, DESKTOP, PHONE, fits, log_in, submit

pytestmark = BROWSER_TESTS


WIDTHS = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]


@pytest.mark.parametrize("viewport", WIDTHS)
def test_an_official_records_every_floor_confirms_an_unusual_figure_and_deletes_a_record(
    page, live_server, people, dialogs, csp_violations, viewport
):
    mess, today = people["mess"], timezone.localdate()
    ground, first = mess.floors.get(name="Ground"), mess.floors.get(name="First")
    yesterday = today - datetime.timedelta(days=1)
    # Ground's usual dinner: 4 kg (its median over the 30 days before yesterday)
    WasteRecord.objects.bulk_create(
        WasteRecord(floor=ground, date=yesterday - datetime.timedelta(days=n), meal="dinner", total_kg=Decimal("4")) for n in range(1, 7)
    )
    page.set_viewport_size(viewport)
    log_in(page, live_server, "olga", "pw-olga-123")

    # The live server runs on the real clock: yesterday's dinner is over whatever the hour.
    page.goto(f"{live_server.url}/mess/mess1/waste/")
    page.fill("#id_date", yesterday.isoformat())
    page.select_option("#id_meal", "dinner")
    submit(page, "button:has-text('Show')")
    assert page.locator("#meal-waste h2").inner_text().startswith("Dinner of")
    page.fill(f"#id_kg_{ground.pk}", "15")  # over 3 x 4 kg
    page.fill(f"#id_diners_{ground.pk}", "110")
    page.fill(f"#id_kg_{first.pk}", "3.5")
    submit(page, "button:has-text('Save')")

    warning = page.locator(f"#floor-{ground.pk} .warning")
    assert "15.00 kg is more than 3 times this floor's usual 4.00 kg" in warning.inner_text()
    assert not WasteRecord.objects.filter(date=yesterday, meal="dinner").exists()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"waste-confirm-{viewport['width']}.png", full_page=True)
    assert fits(page, viewport["width"])
    page.check("#id_confirm")
    submit(page, "button:has-text('Save')")

    assert "recorded 3.50 kg for First, 15.00 kg (110 diners) for Ground" in page.locator(".messages").inner_text()
    assert f"date={yesterday.isoformat()}" in page.url and "meal=dinner" in page.url
    assert page.input_value("#id_date") == yesterday.isoformat() and page.input_value("#id_meal") == "dinner"
    assert page.input_value(f"#id_kg_{ground.pk}") == "15.00" and page.input_value(f"#id_kg_{first.pk}") == "3.50"
    page.screenshot(path=ARTIFACTS / f"waste-{viewport['width']}.png", full_page=True)
    assert fits(page, viewport["width"])

    page.locator(f"#floor-{ground.pk}").get_by_role("link", name="Delete").click()
    assert "Delete this waste record?" in page.content()
    assert "15.00 kg, 110 diners" in page.locator(".facts").inner_text()
    page.screenshot(path=ARTIFACTS / f"waste-delete-{viewport['width']}.png", full_page=True)
    assert fits(page, viewport["width"])
    submit(page, "button:has-text('Delete')")

    assert "Deleted the waste of Ground, dinner of" in page.locator(".messages").inner_text()
    assert page.input_value(f"#id_kg_{ground.pk}") == "" and page.input_value(f"#id_kg_{first.pk}") == "3.50"
    assert list(WasteRecord.objects.filter(date=yesterday, meal="dinner").values_list("floor__name", flat=True)) == ["First"]
    assert DayTotals.objects.get(mess=mess, date=yesterday).waste_kg == Decimal("3.50")
    assert [c.action for c in WasteChange.objects.order_by("id")] == ["recorded", "recorded", "deleted"]
    assert dialogs == [] and csp_violations == []


@pytest.mark.parametrize("viewport", WIDTHS)
def test_an_admin_reads_the_waste_history(page, live_server, people, dialogs, csp_violations, viewport):
    mess = people["mess"]
    get_user_model().objects.create_superuser(username="ada", email="ada@example.org", password="pw-ada-123")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ground = mess.floors.get(name="Ground")
    WasteChange.objects.bulk_create(
        [
            WasteChange(
                mess=mess, floor=ground, floor_name="Ground", date=yesterday, meal="lunch", action="recorded", kg_after=Decimal("4")
            ),
            WasteChange(
                mess=mess,
                floor=ground,
                floor_name="Ground",
                date=yesterday,
                meal="lunch",
                action="changed",
                kg_before=Decimal("4"),
                kg_after=Decimal("40"),
                diners_after=120,
                changed_by=people["official"],
            ),
        ]
    )
    page.set_viewport_size(viewport)
    log_in(page, live_server, "ada", "pw-ada-123")

    page.goto(f"{live_server.url}/mess/mess1/waste/")
    submit(page, "text=History of changes")

    rows = page.locator("#history tbody tr")
    assert rows.count() == 2
    assert "olga" in rows.nth(0).inner_text() and "40.00 kg, 120" in rows.nth(0).inner_text()
    assert "Recorded" in rows.nth(1).inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"waste-history-{viewport['width']}.png", full_page=True)
    assert fits(page, viewport["width"])
    assert dialogs == [] and csp_violations == []
