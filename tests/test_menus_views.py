"""The menu on the pages: the students' page (today's menu, the meal being served first, the week,
dish votes with a rating), the public menu page, the officials' dashboard and the menu CSV."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mess.models import DishVote, Feedback, Meal, MenuWeek, NonVegItem, NonVegMenu, RegularMenu, TemporaryMenu
from tests.factories import IST, TODAY

LUNCH_TIME = datetime.datetime(2026, 3, 10, 13, 0, tzinfo=IST)  # a Tuesday, lunch being served


@pytest.fixture
def menus(mess1, mess2):
    for weekday in range(7):
        for meal in Meal.values:
            RegularMenu.objects.create(mess=mess1, weekday=weekday, meal=meal, dishes=f"{meal.title()} dish {weekday}\nDal {weekday}")
    RegularMenu.objects.create(mess=mess1, weekday=1, meal="lunch", is_veg=False, dishes="Egg curry")
    RegularMenu.objects.create(mess=mess2, weekday=1, meal="lunch", dishes="Mess 2 lunch")
    TemporaryMenu.objects.create(mess=mess1, date=TODAY + datetime.timedelta(days=2), meal="dinner", dishes="Festival thali")
    menu = NonVegMenu.objects.create(mess=mess1, date=TODAY, meal="lunch")
    NonVegItem.objects.create(menu=menu, name="Chicken biryani", price=Decimal("120.50"))


def vote_post(client, meal="lunch", liked=(), disliked=(), rating="4"):
    return client.post(
        "/feedback/", {"meal": meal, "rating": rating, "category": "food", "comment": "", "liked": liked, "disliked": disliked}
    )


@time_machine.travel(LUNCH_TIME, tick=False)
def test_the_students_page_shows_todays_menu_the_meal_being_served_first(as_student, menus):
    response = as_student.get("/feedback/")

    today = response.context["menu_today"]
    assert [m.menu.meal for m in today] == ["lunch", "breakfast", "snacks", "dinner"] and today[0].now
    section = response.text.split('id="menu-today"')[1].split("</section>")[0]
    assert section.index("Lunch dish 1") < section.index("Breakfast dish 1")
    assert "Egg curry" in section and "Chicken biryani" in section and "₹120.50" in section
    assert "serving now" in section and "Mess 2 lunch" not in response.text


@time_machine.travel(LUNCH_TIME, tick=False)
def test_the_students_page_shows_the_next_seven_days_with_the_changes_marked(as_student, menus):
    response = as_student.get("/feedback/")

    week = response.context["menu_week"]
    assert [d.date for d in week] == [TODAY + datetime.timedelta(days=n) for n in range(7)]
    section = response.text.split('id="menu-week"')[1].split("</section>\n</section>")[0]
    thursday = response.text.split('id="day-2026-03-12"')[1].split("</section>")[0]
    assert "Festival thali" in thursday and "changed" in thursday and "Dinner dish 3" not in thursday
    assert "Dinner dish 0" in section  # Monday 16 March is the seventh day
    assert 'id="day-2026-03-17"' not in response.text


@time_machine.travel(LUNCH_TIME, tick=False)
def test_a_student_rates_lunch_and_its_dishes_and_sees_their_votes_again(as_student, menus):
    form = as_student.get("/feedback/").text.split('id="meal-lunch"')[1].split("</section>")[0]
    assert 'name="liked" value="Lunch dish 1"' in form and 'name="disliked" value="Chicken biryani"' in form

    response = vote_post(as_student, liked=["Lunch dish 1", "Chicken biryani"], disliked=["Egg curry"])

    assert response.status_code == 302
    assert {(v.dish, v.liked) for v in DishVote.objects.all()} == {("Lunch dish 1", True), ("Chicken biryani", True), ("Egg curry", False)}
    page = as_student.get("/feedback/")
    card = next(c for c in page.context["cards"] if c["window"].meal == "lunch")
    assert {r["dish"]: r["vote"] for r in card["dishes"]} == {
        "Lunch dish 1": "liked",
        "Dal 1": "",
        "Egg curry": "disliked",
        "Chicken biryani": "liked",
    }
    assert 'value="Lunch dish 1" id="id_lunch_liked_0" checked' in page.text

    vote_post(as_student, disliked=["Dal 1"], rating="2")  # the later save replaces the votes
    assert {(v.dish, v.liked) for v in DishVote.objects.all()} == {("Dal 1", False)}
    assert Feedback.objects.get().rating == 2


@time_machine.travel(LUNCH_TIME, tick=False)
def test_a_dish_not_on_the_meals_menu_or_both_liked_and_disliked_is_refused_beside_the_dishes(as_student, menus):
    response = vote_post(as_student, liked=["Breakfast dish 1"])
    assert response.status_code == 200
    assert "Breakfast dish 1 is not on this meal&#x27;s menu today." in response.text

    response = vote_post(as_student, liked=["Dal 1"], disliked=["Dal 1"])
    assert "A dish is liked or disliked, not both: Dal 1." in response.text
    assert not Feedback.objects.exists() and not DishVote.objects.exists()


@time_machine.travel(LUNCH_TIME, tick=False)
def test_a_dish_typed_by_an_official_shows_as_text(as_student, mess1):
    RegularMenu.objects.create(mess=mess1, weekday=1, meal="lunch", dishes="<b>Paneer</b> & <script>x</script>")
    response = as_student.get("/feedback/")
    assert "<b>Paneer</b>" not in response.text and "&lt;b&gt;Paneer&lt;/b&gt; &amp; &lt;script&gt;" in response.text


@time_machine.travel(LUNCH_TIME, tick=False)
def test_the_students_page_costs_the_same_queries_with_more_menus_and_votes(as_student, student, mess1):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert as_student.get("/feedback/").status_code == 200
        return len(captured)

    RegularMenu.objects.create(mess=mess1, weekday=1, meal="lunch", dishes="Rajma")
    vote_post(as_student, meal="lunch", disliked=["Rajma"])
    few = count()
    for weekday in range(7):
        for meal in Meal.values:
            for week in MenuWeek.values:
                RegularMenu.objects.get_or_create(mess=mess1, weekday=weekday, meal=meal, week=week, defaults={"dishes": "A\nB\nC"})
    for n in range(7):
        TemporaryMenu.objects.create(mess=mess1, date=TODAY + datetime.timedelta(days=n), meal="snacks", dishes="Samosa\nTea")
    vote_post(as_student, meal="breakfast", liked=["A", "B"])
    assert DishVote.objects.count() == 3

    assert count() == few


@time_machine.travel(LUNCH_TIME, tick=False)
def test_the_public_menu_needs_no_login_and_shows_today_and_the_week(client, menus):
    response = client.get("/menu/mess1/")

    assert response.status_code == 200
    assert [m.menu.meal for m in response.context["menu_today"]][0] == "lunch"
    assert "Lunch dish 1" in response.text and "Festival thali" in response.text and "₹120.50" in response.text
    assert "Mess 2 lunch" in client.get("/menu/mess2/").text


@time_machine.travel(LUNCH_TIME, tick=False)
def test_the_public_menu_costs_a_fixed_number_of_queries(client, menus, django_assert_num_queries):
    with django_assert_num_queries(7):  # the mess, the meal windows, the three menu tables, the closed days and the announcements
        client.get("/menu/mess1/")


def test_the_public_menu_is_404_when_turned_off_for_an_inactive_mess_and_an_unknown_one(client, settings, mess1, mess2):
    mess2.is_active = False
    mess2.save()
    assert client.get("/menu/mess1/").status_code == 200
    assert client.get("/menu/mess2/").status_code == 404
    assert client.get("/menu/nope/").status_code == 404
    settings.PUBLIC_MENUS = False
    assert client.get("/menu/mess1/").status_code == 404


@time_machine.travel(LUNCH_TIME, tick=False)
def test_the_dashboard_shows_todays_menu(as_official, menus, settings):
    response = as_official.get("/mess/mess1/")

    section = response.text.split('id="menu-today"')[1].split("</section>")[0]
    assert "Breakfast dish 1" in section and "Egg curry" in section and "Chicken biryani" in section
    assert section.index("Breakfast dish 1") < section.index("Lunch dish 1")  # serving order
    assert 'href="/menu/mess1/"' in section and 'href="/mess/mess1/menu.csv"' in section
    settings.PUBLIC_MENUS = False
    assert 'href="/menu/mess1/"' not in as_official.get("/mess/mess1/").text


def test_the_pages_turn_to_the_next_days_menu_and_rotation_week_at_midnight_ist(as_student, mess1):
    anonymous = Client()
    mess1.rotation_starts_on = datetime.date(2026, 3, 2)  # week 1 from Monday 2 March; Monday 9 March starts week 2
    mess1.save()
    RegularMenu.objects.create(mess=mess1, weekday=6, meal="dinner", week=MenuWeek.FIRST, dishes="Week 1 Sunday dinner")
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="breakfast", week=MenuWeek.FIRST, dishes="Week 1 Monday breakfast")
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="breakfast", week=MenuWeek.SECOND, dishes="Week 2 Monday breakfast")

    with time_machine.travel(datetime.datetime(2026, 3, 8, 23, 59, tzinfo=IST), tick=False):  # Sunday of week 1
        for url in ["/menu/mess1/", "/feedback/"]:
            today = (anonymous if url.startswith("/menu/") else as_student).get(url).text.split('id="menu-today"')[1].split("</section>")[0]
            assert "Week 1 Sunday dinner" in today and "Monday breakfast" not in today
    with time_machine.travel(datetime.datetime(2026, 3, 9, 0, 0, tzinfo=IST), tick=False):  # still Sunday in UTC
        for url in ["/menu/mess1/", "/feedback/"]:
            response = (anonymous if url.startswith("/menu/") else as_student).get(url)
            today = response.text.split('id="menu-today"')[1].split("</section>")[0]
            assert "Week 2 Monday breakfast" in today and "Sunday dinner" not in today
            assert [d.week for d in response.context["menu_week"]] == [2] * 7


@time_machine.travel(LUNCH_TIME, tick=False)
def test_the_dashboard_public_page_and_menu_csv_cost_the_same_queries_with_more_menus(client, official, mess1):
    def counts():
        result = []
        for url, signed_in in [("/mess/mess1/", True), ("/mess/mess1/menu.csv", True), ("/menu/mess1/", False)]:
            client.logout()
            if signed_in:
                client.force_login(official)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            result.append(len(captured))
        return result

    RegularMenu.objects.create(mess=mess1, weekday=1, meal="lunch", dishes="Rajma")
    few = counts()
    for weekday in range(7):
        for meal in Meal.values:
            for week in MenuWeek.values:
                for is_veg in (True, False):
                    RegularMenu.objects.get_or_create(
                        mess=mess1, weekday=weekday, meal=meal, week=week, is_veg=is_veg, defaults={"dishes": "A\nB"}
                    )
    for n in range(-3, 10):
        for meal in Meal.values:
            day = TODAY + datetime.timedelta(days=n)
            TemporaryMenu.objects.create(mess=mess1, date=day, meal=meal, dishes="Pulao")
            menu = NonVegMenu.objects.create(mess=mess1, date=day, meal=meal)
            NonVegItem.objects.bulk_create(NonVegItem(menu=menu, name=f"Item {i}", price=Decimal("50")) for i in range(4))

    assert counts() == few
