"""The dishes and menu scorecard page in a real browser, at desktop and phone width (see
tests/browser/conftest.py for how the browser runs)."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from mess.demo.menus import WEEK_1, WEEK_2
from mess.models import DishVote, Feedback, Meal, RegularMenu, Role, WasteRecord
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, log_in, submit
from tests.helpers import create_person

pytestmark = BROWSER_TESTS


def four_weeks(mess, floors, students, today):
    """28 days of waste and ratings on every meal, Monday's lunch the worst, with votes on two
    dishes; the demo's two weekly menus."""
    RegularMenu.objects.bulk_create(
        RegularMenu(mess=mess, week=number, weekday=weekday, meal=meal, dishes="\n".join(dishes))
        for number, week in ((1, WEEK_1), (2, WEEK_2))
        for weekday, meals in enumerate(week)
        for meal, dishes in zip(Meal.values, meals, strict=True)
    )
    days = [today - datetime.timedelta(days=n) for n in range(1, 29)]
    WasteRecord.objects.bulk_create(
        WasteRecord(
            floor=floor,
            date=d,
            meal=meal,
            total_kg=Decimal("30.00") if (d.weekday(), meal) == (0, "lunch") else Decimal("4.50"),
            diners=100,
        )
        for d in days
        for floor in floors
        for meal in Meal.values
    )
    Feedback.objects.bulk_create(
        Feedback(student=s, mess=mess, date=d, meal=meal, rating=2 if (d.weekday(), meal) == (0, "lunch") else 4)
        for d in days
        for s in students
        for meal in Meal.values
    )
    DishVote.objects.bulk_create(
        DishVote(feedback=e, mess=mess, date=e.date, dish=dish, liked=liked)
        for e in Feedback.objects.filter(meal="lunch", date__gte=today - datetime.timedelta(days=7))
        for dish, liked in [("Rajma chawal", True), ("Lauki sabzi with a rather long name", False)]
    )


def test_an_official_opens_the_scorecard_from_the_dashboard(page, live_server, people, dialogs, csp_violations):
    mess = people["mess"]
    students = [people["student"]] + [create_person(username=f"s{i}", role=Role.STUDENT, mess=mess) for i in range(2)]
    four_weeks(mess, list(mess.floors.all()), students, timezone.localdate())

    log_in(page, live_server, "olga", "pw-olga-123")
    page.set_viewport_size({"width": 1280, "height": 900})
    submit(page, "text=Dishes and menu scorecard")

    assert page.url == f"{live_server.url}/mess/mess1/scorecard/"
    first = page.locator("#scorecard tbody tr").first.locator("td")
    # Four Mondays, two floors: 1000 × 240 kg / 800 diners = 300 g; 12 ratings of 2: 300 × (6 − 2) = 1200
    texts = first.all_inner_texts()
    assert texts[0] == "1" and texts[2:] == ["1200 (100 %)", "300", "2.00", "800", "12"]  # the worst is 100 % of itself
    assert texts[1].startswith("Monday lunch") and "Week 1: Rajma chawal, Jeera rice, Chapati, Salad" in texts[1]
    assert page.locator("#scorecard tbody tr").count() == 28
    assert page.locator("#dishes-liked td").first.inner_text() == "Rajma chawal"
    assert "Lauki sabzi" in page.locator("#dishes-disliked").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "scorecard.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / "scorecard-phone.png", full_page=True)
    # At phone width the page does not scroll sideways; the wide tables scroll in their own boxes.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("#scorecard tbody tr").first.is_visible()
    # ... and say so: a shadow at the side where more of the table lies
    box = page.locator("#scorecard .scroll").first
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    cue = box.evaluate("b => getComputedStyle(b).backgroundImage + ' ' + getComputedStyle(b).backgroundAttachment")
    assert cue.count("radial-gradient") == 2 and "local" in cue
    assert dialogs == []
    assert csp_violations == []


def test_an_admin_opens_any_mess_scorecard(page, live_server, people, csp_violations):
    get_user_model().objects.create_superuser(username="ada", email="ada@example.org", password="pw-ada-123")
    log_in(page, live_server, "ada", "pw-ada-123")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/mess/mess1/scorecard/")

    assert "No slot has both waste with head counts and ratings" in page.locator("#scorecard").inner_text()
    assert page.locator("#unscored tbody tr").count() == 28
    assert "No dish has more likes than dislikes yet." in page.locator("#dishes-liked").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert csp_violations == []
