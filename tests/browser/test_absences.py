"""Cooking for those who come, in a real browser (see tests/browser/conftest.py for how these run): a
student skips tomorrow's dinner in two taps and sees it marked, takes it back, and takes a leave; an
official sees the meal being cooked, the week's forecasts, what the waste is worth and the goal on the
dashboard, and who is away on the absences page; at desktop and phone width, under the
Content-Security-Policy."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from mess.cook_sheets import sheet_due_date
from mess.meals import meal_windows
from mess.models import Absence, CookSheet, Mess, WasteRecord
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, DESKTOP, PHONE, fits, log_in, submit

pytestmark = BROWSER_TESTS

WIDTHS = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]


@pytest.mark.parametrize("viewport", WIDTHS)
def test_a_student_skips_tomorrows_dinner_in_two_taps_and_sees_it_marked(page, live_server, people, dialogs, csp_violations, viewport):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)  # the live server runs on the real clock: tomorrow's dinner is open
    page.set_viewport_size(viewport)
    log_in(page, live_server, "alice", "pw-alice-123")
    assert page.url == f"{live_server.url}/feedback/"

    submit(page, "header nav a[href='/feedback/']")  # the first tap: the page from anywhere
    dinner = page.locator(f"#meal-{tomorrow.isoformat()}-dinner")
    submit(page, f'#meal-{tomorrow.isoformat()}-dinner button:has-text("I\'ll skip this")')  # the second

    assert page.url.endswith(f"/feedback/#day-{tomorrow.isoformat()}")
    assert f"Dinner of {tomorrow:%a} {tomorrow.day} {tomorrow:%b}: you will skip it." in page.locator(".messages").inner_text()
    assert "you skip it" in dinner.inner_text() and dinner.locator("button", has_text="I'll eat it after all").is_visible()
    assert list(Absence.objects.values_list("first_day", "meal")) == [(tomorrow, "dinner")]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"absences-student-{viewport['width']}.png", full_page=True)
    assert fits(page, viewport["width"])

    submit(page, f'#meal-{tomorrow.isoformat()}-dinner button:has-text("I\'ll eat it after all")')
    assert "you are counted in again" in page.locator(".messages").inner_text()
    assert "you skip it" not in dinner.inner_text() and not Absence.objects.exists()
    assert dialogs == [] and csp_violations == []


@pytest.mark.parametrize("viewport", WIDTHS)
def test_a_student_takes_a_leave_and_is_told_what_is_wrong_first(page, live_server, people, dialogs, csp_violations, viewport):
    first, last = timezone.localdate() + datetime.timedelta(days=3), timezone.localdate() + datetime.timedelta(days=5)
    page.set_viewport_size(viewport)
    log_in(page, live_server, "alice", "pw-alice-123")

    page.fill("#id_leave_first_day", last.isoformat())
    page.fill("#id_leave_last_day", first.isoformat())
    submit(page, 'button:has-text("I\'ll be away")')
    field = page.locator(".field.invalid", has=page.locator("#id_leave_last_day"))
    assert "The last day is before the first day." in field.locator(".error").inner_text()
    assert not Absence.objects.exists()
    assert fits(page, viewport["width"])

    page.fill("#id_leave_first_day", first.isoformat())
    page.fill("#id_leave_last_day", last.isoformat())
    submit(page, 'button:has-text("I\'ll be away")')

    days = f"{first:%a} {first.day} {first:%b} to {last:%a} {last.day} {last:%b}"  # the short day: Mon 7 Dec
    assert f"You are away from {days}" in page.locator(".messages").inner_text()
    assert f"{days}: every meal" in page.locator("#absences").inner_text()
    assert page.locator(f"#meal-{first.isoformat()}-lunch .badge.skipped").is_visible()
    page.screenshot(path=ARTIFACTS / f"absences-leave-{viewport['width']}.png", full_page=True)
    assert fits(page, viewport["width"])
    assert dialogs == [] and csp_violations == []


def the_meal_being_cooked(mess, now):
    """The (date, meal) whose sheet the dashboard shows at `now`: with a cut-off of two days, some meal
    always has passed its cut-off and not ended."""
    return next((date, w.meal) for w in meal_windows() if (date := sheet_due_date(mess=mess, window=w, now=now)))


@pytest.mark.parametrize("viewport", WIDTHS)
def test_an_official_sees_the_cook_sheet_the_worth_and_the_goal_and_who_is_away(page, live_server, people, csp_violations, viewport):
    mess, today = people["mess"], timezone.localdate()
    Mess.objects.filter(pk=mess.pk).update(
        absence_cutoff_minutes=2 * 24 * 60,
        food_cost_per_kg=Decimal("80"),
        baseline_start=today - datetime.timedelta(days=60),
        baseline_end=today - datetime.timedelta(days=60),
    )
    mess.refresh_from_db()
    date, meal = the_meal_being_cooked(mess, timezone.now())
    explanation = "expected 312: 355 signed up × 88 % who came on recent Tuesday lunches"
    CookSheet.objects.create(
        mess=mess, date=date, meal=meal, students=380, absent=25, forecast=312, explanation=explanation, to_cook=328, cook_kg=Decimal("140")
    )
    ground = mess.floors.get(name="Ground")
    WasteRecord.objects.create(floor=ground, date=today - datetime.timedelta(days=60), meal="lunch", total_kg=Decimal("20"), diners=100)
    WasteRecord.objects.create(floor=ground, date=today - datetime.timedelta(days=1), meal="lunch", total_kg=Decimal("15"), diners=100)
    Absence.objects.create(student=people["student"], mess=mess, first_day=date, last_day=date, meal=meal, known_at=timezone.now())
    page.set_viewport_size(viewport)
    log_in(page, live_server, "olga", "pw-olga-123")

    sheet = page.locator("#cook-sheet")
    assert "cook for 328 (about 140.00 kg)" in sheet.inner_text()
    assert "Expected 312: 355 signed up × 88 % who came on recent Tuesday lunches, and a margin of 5 %." in sheet.inner_text()
    assert "alice" not in sheet.inner_text()  # numbers on the dashboard, names on the absences page
    worth = page.locator("#worth").inner_text()
    assert "₹1,200" in worth and "37.50 kg" in worth
    goal = page.locator("#goal")
    assert "This week 150 g per diner: 25 % below the baseline, goal 20 %." in goal.inner_text()
    assert goal.locator("svg line.marker.baseline title").text_content() == "baseline, 200 g"
    assert goal.locator("svg line.marker.goal title").text_content() == "goal, 160 g"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"dashboard-cooking-{viewport['width']}.png", full_page=True)
    assert fits(page, viewport["width"])

    submit(page, "#cook-sheet >> text=who is away")
    assert page.url == f"{live_server.url}/mess/mess1/absences/"
    assert "alice" in page.locator("#absences").inner_text()
    assert fits(page, viewport["width"])
    assert csp_violations == []
