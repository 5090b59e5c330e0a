"""Closed days on the pages: the menus (students' page, public page, dashboard) say "Closed: <reason>"
instead of the meals, a closed day's meals cannot be rated, and the waste page records a closed day's
waste with a warning that it counts in no alert."""

import datetime

import pytest
import time_machine

from mess.feedback import feedback_save
from mess.menus import menu_of_day, menu_of_week
from mess.models import Closure, Feedback, Meal, RegularMenu, WasteRecord
from tests.factories import NOW, TODAY, days_ago

TOMORROW = TODAY + datetime.timedelta(days=1)


@pytest.fixture
def menus(mess1):
    for weekday in range(7):
        for meal in Meal.values:
            RegularMenu.objects.create(mess=mess1, weekday=weekday, meal=meal, dishes=f"{meal.title()} dish {weekday}")


def close(mess, first_day, last_day=None, reason=""):
    return Closure.objects.create(mess=mess, first_day=first_day, last_day=last_day or first_day, reason=reason)


def section(html: str, id: str) -> str:
    return html.split(f'id="{id}"')[1].split("</section>")[0]


# The menu of a day says whether the mess is closed


def test_the_menu_of_a_closed_day_says_so_with_the_reason(mess1, mess2, menus):
    close(mess1, TOMORROW, TOMORROW + datetime.timedelta(days=1), reason="Holi")
    close(mess1, TODAY + datetime.timedelta(days=4))  # no reason given
    close(mess2, TODAY)  # another mess's closure

    week = menu_of_week(mess=mess1, start=TODAY)

    assert [(d.closed, d.closed_reason) for d in week] == [
        (False, ""),
        (True, "Holi"),
        (True, "Holi"),
        (False, ""),
        (True, ""),
        (False, ""),
        (False, ""),
    ]
    assert [d.closed_text for d in week if d.closed] == ["Closed: Holi", "Closed: Holi", "Closed"]
    assert menu_of_day(mess=mess1, date=TOMORROW).closed and not menu_of_day(mess=mess2, date=TOMORROW).closed


@time_machine.travel(NOW, tick=False)
def test_the_students_page_shows_closed_instead_of_the_meals(as_student, mess1, menus):
    close(mess1, TODAY, reason="Holi")
    close(mess1, TODAY + datetime.timedelta(days=2), reason="Staff outing")

    response = as_student.get("/feedback/")

    today = section(response.text, "menu-today")
    assert "Closed: Holi" in today and "Lunch dish 1" not in today
    thursday = section(response.text, "day-2026-03-12")
    assert "Closed: Staff outing" in thursday and "Lunch dish 3" not in thursday
    assert "Lunch dish 2" in section(response.text, "day-2026-03-11")  # an open day keeps its meals


@time_machine.travel(NOW, tick=False)
def test_the_public_menu_shows_closed_instead_of_the_meals(client, mess1, menus):
    close(mess1, TODAY, reason="Holi <b>festival</b>")

    response = client.get("/menu/mess1/")

    today = section(response.text, "menu-today")
    assert "Closed: Holi &lt;b&gt;festival&lt;/b&gt;" in today and "Lunch dish 1" not in today
    assert "Closed: Holi" in section(response.text, "day-2026-03-10")
    assert "Lunch dish 2" in section(response.text, "day-2026-03-11")


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_shows_closed_instead_of_todays_meals(as_official, mess1, menus):
    assert "Lunch dish 1" in section(as_official.get("/mess/mess1/").text, "menu-today")
    close(mess1, TODAY)

    today = section(as_official.get("/mess/mess1/").text, "menu-today")

    assert "Closed" in today and "Lunch dish 1" not in today and "No menu for today" not in today


# A closed day's meals cannot be rated


@time_machine.travel(NOW, tick=False)
def test_a_closed_days_meal_is_refused_and_nothing_is_saved(student, mess1):
    close(mess1, days_ago(1), TODAY, reason="Holi")

    with pytest.raises(ValueError, match=r"Mess 1 is closed today \(Holi\): it serves no meal to rate"):
        feedback_save(student=student, meal="lunch", rating=4, category="food", comment="Good")

    assert not Feedback.objects.exists()
    close(mess1, TOMORROW)  # closed tomorrow: today's meals can be rated
    Closure.objects.filter(first_day=days_ago(1)).delete()
    assert feedback_save(student=student, meal="lunch", rating=4, category="food", comment="Good").created


@time_machine.travel(NOW, tick=False)
def test_the_students_page_offers_no_rating_on_a_closed_day_and_refuses_a_post(as_student, mess1, menus):
    close(mess1, TODAY, reason="Holi")

    page = as_student.get("/feedback/")
    assert page.context["cards"] == [] and 'id="meal-lunch"' not in page.text and "feedback-form" not in page.text
    assert "Mess 1 is closed today, so there is no meal to rate." in page.text
    assert "Later today" not in page.text

    posted = as_student.post("/feedback/", {"meal": "lunch", "rating": "4", "category": "food", "comment": ""})

    assert posted.status_code == 200 and not Feedback.objects.exists()
    assert "Mess 1 is closed today (Holi): it serves no meal to rate" in posted.text


# A closed day's waste is recorded, with a warning


@time_machine.travel(NOW, tick=False)
def test_the_waste_page_warns_of_a_closed_day_and_still_records_it(as_official, mess1, ground):
    close(mess1, days_ago(1), reason="Holi")
    url = f"/mess/mess1/waste/?date={days_ago(1)}&meal=lunch"

    warning = "Mess 1 is marked closed on this day (Holi). You can still record what was cooked and thrown away"
    assert warning in as_official.get(url).text
    assert "closed days' waste is left out of the alerts" in as_official.get(url).text
    assert 'id="closed-day"' not in as_official.get(f"/mess/mess1/waste/?date={TODAY}&meal=lunch").text

    saved = as_official.post(
        "/mess/mess1/waste/", {"date": str(days_ago(1)), "meal": "lunch", f"kg_{ground.pk}": "3", f"diners_{ground.pk}": ""}
    )

    assert saved.status_code == 302
    assert WasteRecord.objects.get().date == days_ago(1)
