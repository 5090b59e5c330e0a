"""The officials' menu pages: the weekly grid, the alternation of two weekly menus, one-day changes,
non-veg items and the history. Problems show beside their field and nothing is saved; each page costs
the same queries however many menus and changes there are."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.menu_editing import Item, Slot, nonveg_items_save, regular_menus_save, temporary_menu_save
from mess.models import MenuChange, MenuWeek, NonVegItem, NonVegMenu, RegularMenu, TemporaryMenu, Weekday

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
TODAY = datetime.date(2026, 3, 10)  # a Tuesday
NOW = datetime.datetime(2026, 3, 10, 13, 0, tzinfo=IST)
TOMORROW = TODAY + datetime.timedelta(days=1)

pytestmark = pytest.mark.usefixtures("time_travel")


@pytest.fixture
def time_travel():
    with time_machine.travel(NOW, tick=False):
        yield


def field_html(html: str, field_id: str) -> str:
    """The markup of the field block (div.field) holding the input `field_id`."""
    match = re.search(rf'<div class="field[^"]*">\s*<label for="{field_id}">.*?</div>', html, re.S)
    assert match, f"no field {field_id}"
    return match.group(0)


def grid_post(**cells) -> dict:
    """The weekly grid as the page posts it: every box, empty unless given."""
    data = {
        f"{kind}-{day}-{meal}": ""
        for kind in ("veg", "nonveg")
        for day in Weekday.values
        for meal in ("breakfast", "lunch", "snacks", "dinner")
    }
    data.update({name.replace("_", "-"): text for name, text in cells.items()})
    return data


# The weekly menu


def test_the_grid_shows_the_weekly_menu_and_saves_it(as_official, mess1, official):
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", dishes="Dal\nRice")
    page = as_official.get("/mess/mess1/menu/")
    assert page.status_code == 200
    assert "Dal\nRice</textarea>" in page.content.decode()

    response = as_official.post(
        "/mess/mess1/menu/", grid_post(veg_0_lunch="Dal\nRice", veg_1_dinner="Paneer\nRoti", nonveg_4_dinner="Chicken curry")
    )

    assert response.status_code == 302 and response["Location"] == "/mess/mess1/menu/?week=0"
    assert set(RegularMenu.objects.values_list("weekday", "meal", "is_veg", "dishes")) == {
        (0, "lunch", True, "Dal\nRice"),
        (1, "dinner", True, "Paneer\nRoti"),
        (4, "dinner", False, "Chicken curry"),
    }
    assert MenuChange.objects.filter(changed_by=official).count() == 2
    assert "2 meals changed" in as_official.get("/mess/mess1/menu/").content.decode()


def test_only_the_boxes_the_official_changed_are_saved(as_official, mess1, admin):
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", dishes="Dal")
    RegularMenu.objects.create(mess=mess1, weekday=1, meal="lunch", dishes="Rajma")
    opened = grid_post(veg_0_lunch="Dal", veg_1_lunch="Rajma")
    seen = {f"initial-{name}": text for name, text in opened.items()}  # what the page showed, hidden
    # meanwhile an admin changes Tuesday's lunch
    regular_menus_save(mess=mess1, week=MenuWeek.EVERY, menus={Slot(1, "lunch"): "Chole"}, changed_by=admin)

    as_official.post("/mess/mess1/menu/", opened | seen | {"veg-0-lunch": "Dal makhani"})

    assert dict(RegularMenu.objects.values_list("weekday", "dishes")) == {0: "Dal makhani", 1: "Chole"}
    assert list(MenuChange.objects.order_by("id").values_list("weekday", "after")) == [(1, "Chole"), (0, "Dal makhani")]


def test_the_grid_page_carries_what_each_box_said(as_official, mess1):
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", dishes="Dal\nRice")
    html = as_official.get("/mess/mess1/menu/").content.decode()
    assert '<input type="hidden" name="initial-veg-0-lunch" value="Dal\nRice" id="initial-id_veg-0-lunch">' in html


def test_a_wrong_box_shows_its_problem_beside_it_and_nothing_is_saved(as_official, mess1):
    too_many = "\n".join(f"Dish {n}" for n in range(31))
    response = as_official.post("/mess/mess1/menu/", grid_post(veg_0_lunch="Dal", veg_2_dinner=too_many, nonveg_3_lunch="x" * 101))

    assert response.status_code == 200
    html = response.content.decode()
    assert "31 dishes: a menu holds at most 30" in field_html(html, "id_veg-2-dinner")
    assert "a dish has at most 100" in field_html(html, "id_nonveg-3-lunch")
    assert 'class="error"' not in field_html(html, "id_veg-0-lunch")
    assert "Nothing was saved" in html
    assert '<details class="nonveg-grid" id="nonveg-grid" open>' in html  # the non-veg box with the problem is shown
    assert not RegularMenu.objects.exists() and not MenuChange.objects.exists()


def test_saving_the_grid_unchanged_records_nothing(as_official, mess1):
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", dishes="Dal\nRice")
    response = as_official.post("/mess/mess1/menu/", grid_post(veg_0_lunch="Dal\r\nRice\r\n"), follow=True)
    assert "Nothing changed in the weekly menu" in response.content.decode()
    assert not MenuChange.objects.exists()


def test_week_1_and_2_have_their_own_grid_once_the_mess_alternates(as_official, mess1):
    html = as_official.get("/mess/mess1/menu/").content.decode()
    assert "?week=1" not in html  # one weekly menu: no tabs

    response = as_official.post("/mess/mess1/menu/rotation/", {"starts_on": "2026-03-09"}, follow=True)
    assert "Weeks 1 and 2 alternate from Mon 9 Mar 2026" in response.content.decode()
    html = as_official.get("/mess/mess1/menu/").content.decode()
    assert 'href="/mess/mess1/menu/?week=1"' in html and 'href="/mess/mess1/menu/?week=2"' in html
    assert "this is week 1" in html

    response = as_official.post("/mess/mess1/menu/?week=2", grid_post(veg_0_lunch="Chole"))
    assert response["Location"] == "/mess/mess1/menu/?week=2"
    assert list(RegularMenu.objects.values_list("week", "dishes")) == [(MenuWeek.SECOND, "Chole")]
    assert "Chole</textarea>" in as_official.get("/mess/mess1/menu/?week=2").content.decode()
    assert "Chole</textarea>" not in as_official.get("/mess/mess1/menu/?week=1").content.decode()
    assert as_official.get("/mess/mess1/menu/?week=3").status_code == 404
    assert as_official.get("/mess/mess1/menu/?week=x").status_code == 404


@pytest.mark.parametrize(
    "weeks, opens",
    [
        ([], MenuWeek.EVERY),  # nothing yet: the every-week grid
        ([MenuWeek.EVERY, MenuWeek.FIRST, MenuWeek.SECOND], MenuWeek.FIRST),  # the week being served (10 Mar is in week 1)
        ([MenuWeek.EVERY, MenuWeek.SECOND], MenuWeek.EVERY),  # week 1 has no dishes of its own: every week's are served
        ([MenuWeek.SECOND], MenuWeek.SECOND),  # the only dishes there are, not an empty tab
    ],
)
def test_the_grid_opens_on_the_week_being_served_or_the_one_with_dishes(as_official, mess1, weeks, opens):
    mess1.rotation_starts_on = datetime.date(2026, 3, 9)
    mess1.save(update_fields=["rotation_starts_on"])
    for week in weeks:
        regular_menus_save(mess=mess1, week=week, menus={Slot(Weekday.TUESDAY, "lunch", True): f"Dal {week}"}, changed_by=None)
    response = as_official.get("/mess/mess1/menu/")
    assert response.context["week"] == opens
    assert f'href="/mess/mess1/menu/?week={opens}" aria-current="page"' in response.content.decode()


def test_a_box_is_as_tall_as_its_dishes(as_official, mess1):
    dishes = "\n".join(f"Dish {n}" for n in range(1, 8))
    regular_menus_save(mess=mess1, week=MenuWeek.EVERY, menus={Slot(Weekday.MONDAY, "lunch", True): dishes}, changed_by=None)
    html = as_official.get("/mess/mess1/menu/").content.decode()
    assert 'rows="8"' in field_html(html, "id_veg-0-lunch")  # seven dishes and a line to add another
    assert 'rows="4"' in field_html(html, "id_veg-0-dinner")  # an empty box keeps its room


def test_the_start_of_week_1_is_a_monday_and_can_be_cleared(as_official, mess1):
    response = as_official.post("/mess/mess1/menu/rotation/", {"starts_on": "2026-03-10"})
    assert response.status_code == 200
    assert "is a Tuesday: week 1 starts on a Monday" in field_html(response.content.decode(), "id_starts_on")
    mess1.refresh_from_db()
    assert mess1.rotation_starts_on is None

    mess1.rotation_starts_on = datetime.date(2026, 3, 2)
    mess1.save()
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", week=MenuWeek.FIRST, dishes="Rajma")
    as_official.post("/mess/mess1/menu/rotation/", {"starts_on": ""})
    mess1.refresh_from_db()
    assert mess1.rotation_starts_on is None
    html = as_official.get("/mess/mess1/menu/?week=1").content.decode()
    assert "not served until week 1" in html and "Rajma</textarea>" in html  # kept, and still reachable


def test_an_admin_edits_any_mess(as_admin, mess1, mess2, admin):
    as_admin.post("/mess/mess2/menu/", grid_post(veg_6_breakfast="Aloo paratha"))
    assert RegularMenu.objects.get().mess == mess2
    assert MenuChange.objects.get().changed_by == admin


# One-day changes


def test_a_one_day_change_is_made_changed_and_removed(as_official, mess1):
    response = as_official.post("/mess/mess1/menu/day/", {"date": "2026-03-11", "meal": "lunch", "dishes": "Biryani\nRaita"}, follow=True)
    html = response.content.decode()
    assert "Saved the one-day change for lunch of Wed 11 Mar 2026" in html
    assert "Biryani\nRaita" in html  # listed as upcoming

    form = as_official.get("/mess/mess1/menu/day/?date=2026-03-11&meal=lunch").content.decode()
    assert "Biryani\nRaita</textarea>" in form

    as_official.post("/mess/mess1/menu/day/", {"date": "2026-03-11", "meal": "lunch", "dishes": "Biryani\nRaita\nKheer"})
    assert TemporaryMenu.objects.get().dishes == "Biryani\nRaita\nKheer"

    listed = as_official.get("/mess/mess1/menu/day/").content.decode()
    assert 'href="/mess/mess1/menu/day/remove/?date=2026-03-11&amp;meal=lunch">Remove</a>' in listed  # a link: no removal yet
    confirm = as_official.get("/mess/mess1/menu/day/remove/?date=2026-03-11&meal=lunch").content.decode()
    assert "Remove this one-day change?" in confirm and "Biryani, Raita, Kheer" in confirm
    assert TemporaryMenu.objects.exists()  # asking changes nothing
    response = as_official.post("/mess/mess1/menu/day/remove/", {"date": "2026-03-11", "meal": "lunch"}, follow=True)
    assert "Removed the one-day change for lunch of Wed 11 Mar 2026" in response.content.decode()
    assert not TemporaryMenu.objects.exists()
    assert MenuChange.objects.filter(kind="temporary").count() == 3


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date": "2026-03-09", "meal": "lunch", "dishes": "Dal"}, "id_date", "Mon 9 Mar 2026 is in the past"),
        ({"date": "2026-03-11", "meal": "lunch", "dishes": " \n "}, "id_dishes", "Write at least one dish"),
        ({"date": "2026-03-11", "meal": "lunch", "dishes": "\n".join("Dal" for _ in range(31))}, "id_dishes", "31 dishes"),
        ({"date": "2026-03-11", "meal": "brunch", "dishes": "Dal"}, "id_meal", "Select a valid choice"),
        ({"date": "2026-03-11", "meal": "lunch", "dishes": "Dal; Rice"}, "id_dishes", "separates dishes in menu files"),
    ],
)
def test_a_wrong_one_day_change_says_why_beside_the_field(as_official, mess1, data, field, message):
    response = as_official.post("/mess/mess1/menu/day/", data)
    assert response.status_code == 200
    assert message in field_html(response.content.decode(), field)
    assert not TemporaryMenu.objects.exists() and not MenuChange.objects.exists()


def test_past_one_day_changes_are_not_listed_and_not_removed(as_official, mess1):
    TemporaryMenu.objects.create(mess=mess1, date=TODAY - datetime.timedelta(days=1), meal="lunch", dishes="Old dal")
    TemporaryMenu.objects.create(mess=mess1, date=TODAY, meal="dinner", dishes="Today's pulao")
    html = as_official.get("/mess/mess1/menu/day/").content.decode()
    assert "Today&#x27;s pulao" in html and "Old dal" not in html

    response = as_official.post("/mess/mess1/menu/day/remove/", {"date": "2026-03-09", "meal": "lunch"}, follow=True)
    assert "Nothing was removed: Mon 9 Mar 2026 is in the past" in response.content.decode()
    assert TemporaryMenu.objects.count() == 2


# Non-veg items


def items_post(date="2026-03-10", meal="dinner", rows=()) -> dict:
    data = {"date": date, "meal": meal, "items-TOTAL_FORMS": str(len(rows)), "items-INITIAL_FORMS": "0"}
    for n, (name, price) in enumerate(rows):
        data[f"items-{n}-name"], data[f"items-{n}-price"] = name, price
    return data


def test_the_non_veg_items_of_a_date_are_set_and_shown_again(as_official, mess1):
    page = as_official.get("/mess/mess1/menu/nonveg/")  # today's lunch to begin with
    assert page.status_code == 200 and 'name="items-0-name"' in page.content.decode()

    response = as_official.post("/mess/mess1/menu/nonveg/", items_post(rows=[("Chicken curry", "80"), ("", ""), ("Egg bhurji", "35.50")]))
    assert response["Location"] == "/mess/mess1/menu/nonveg/?date=2026-03-10&meal=dinner"
    assert list(NonVegItem.objects.values_list("name", "price")) == [("Chicken curry", Decimal("80.00")), ("Egg bhurji", Decimal("35.50"))]

    html = as_official.get(response["Location"]).content.decode()
    assert 'value="Chicken curry"' in html and 'value="35.50"' in html
    assert "Saved 2 non-veg items for dinner of Tue 10 Mar 2026" in html

    emptied = items_post(rows=[("", ""), ("", "")]) | {"items-INITIAL_FORMS": "2"}
    as_official.post("/mess/mess1/menu/nonveg/", emptied)
    assert not NonVegMenu.objects.exists()
    assert MenuChange.objects.filter(kind="nonveg").count() == 2


def test_add_a_row_keeps_what_is_typed_offers_one_more_and_saves_nothing(as_official, mess1):
    rows = [("Chicken curry", "80"), ("", ""), ("Egg bhurji", "35.50")]
    response = as_official.post("/mess/mess1/menu/nonveg/", items_post(rows=rows) | {"more": "1"})
    assert response.status_code == 200 and not NonVegMenu.objects.exists()  # nothing saved
    html = response.content.decode()
    assert 'value="Chicken curry"' in html and 'value="Egg bhurji"' in html and 'value="35.50"' in html
    assert 'name="items-TOTAL_FORMS" value="3"' in html  # the two typed, the empty one dropped, one new
    new_row = html.split('name="items-2-name"')[0].rsplit("<input", 1)[1] + html.split('name="items-2-name"')[1].split(">")[0]
    assert "autofocus" in new_row  # the person goes on typing there
    assert "error" not in html.split('id="items-form"')[1].split("</form>")[0]  # not judged yet


@pytest.mark.parametrize(
    ("rows", "field", "message"),
    [
        ([("Chicken curry", "-5")], "id_items-0-price", "A price cannot be negative"),
        ([("Chicken curry", "80.505")], "id_items-0-price", "at most two decimals"),
        ([("Chicken curry", "")], "id_items-0-price", "Give the item&#x27;s price"),
        ([("", "80")], "id_items-0-name", "Name the item"),
        ([("Fish fry", "90"), ("fish  FRY", "95")], "id_items-1-name", "This item is listed twice"),
        ([("Fish fry", "ninety")], "id_items-0-price", "Enter a number"),
        ([("Fish fry; chips", "90")], "id_items-0-name", "separates dishes in menu files"),
    ],
)
def test_a_wrong_item_says_why_beside_its_field_and_nothing_is_saved(as_official, mess1, official, rows, field, message):
    nonveg_items_save(mess=mess1, date=TODAY, meal="dinner", items=[Item("Egg curry", Decimal("40"))], changed_by=official)
    response = as_official.post("/mess/mess1/menu/nonveg/", items_post(rows=[*rows, ("Mutton", "120")]))
    assert response.status_code == 200
    assert message in field_html(response.content.decode(), field)
    assert list(NonVegItem.objects.values_list("name", flat=True)) == ["Egg curry"]
    assert MenuChange.objects.count() == 1


def test_items_of_a_past_date_are_refused_beside_the_date(as_official, mess1):
    page = as_official.get("/mess/mess1/menu/nonveg/?date=2026-03-09&meal=dinner").content.decode()
    assert "Mon 9 Mar 2026 is in the past" in field_html(page, "id_date")
    assert 'name="items-0-name"' not in page

    response = as_official.post("/mess/mess1/menu/nonveg/", items_post(date="2026-03-09", rows=[("Fish fry", "90")]))
    assert "Mon 9 Mar 2026 is in the past" in field_html(response.content.decode(), "id_date")
    assert not NonVegMenu.objects.exists()


def test_upcoming_non_veg_items_are_listed(as_official, mess1, official):
    NonVegMenu.objects.create(mess=mess1, date=TODAY - datetime.timedelta(days=1), meal="dinner").items.create(name="Old fish", price=1)
    nonveg_items_save(mess=mess1, date=TOMORROW, meal="lunch", items=[Item("Mutton biryani", Decimal("150"))], changed_by=official)
    html = as_official.get("/mess/mess1/menu/nonveg/").content.decode()
    assert 'Mutton biryani <span class="muted">₹150</span>' in html and "Old fish" not in html
    assert "?date=2026-03-11&amp;meal=lunch" in html


# The history


def test_the_history_lists_who_changed_what_newest_first_a_page_at_a_time(as_official, mess1, mess2, official, admin):
    for n in range(26):
        regular_menus_save(mess=mess1, week=MenuWeek.EVERY, menus={Slot(0, "lunch"): f"Dal {n}"}, changed_by=official)
    temporary_menu_save(mess=mess1, date=TOMORROW, meal="dinner", dishes="<b>Biryani</b>", changed_by=admin)
    regular_menus_save(mess=mess2, week=MenuWeek.EVERY, menus={Slot(0, "lunch"): "Their dal"}, changed_by=admin)

    first = as_official.get("/mess/mess1/menu/history/").content.decode()
    assert "(27 changes)" in first and "Page 1 of 2" in first
    assert first.index("One-day change: Wed 11 Mar 2026, dinner") < first.index("Weekly menu: Monday, lunch")
    assert "by ada" in first and "&lt;b&gt;Biryani&lt;/b&gt;" in first and "<b>Biryani" not in first
    assert "Dal 25" in first and "Their dal" not in first
    second = as_official.get("/mess/mess1/menu/history/?page=2").content.decode()
    assert "Dal 0" in second and "Page 2 of 2" in second and "Dal 25" not in second


def test_the_history_shows_who_moved_the_start_of_week_1(as_official, mess1, official):
    as_official.post("/mess/mess1/menu/rotation/", {"starts_on": "2026-03-02"})
    as_official.post("/mess/mess1/menu/rotation/", {"starts_on": "2026-03-09"})
    as_official.post("/mess/mess1/menu/rotation/", {"starts_on": ""})

    assert list(MenuChange.objects.order_by("id").values_list("kind", "before", "after", "changed_by")) == [
        ("rotation", "", "2026-03-02", official.pk),
        ("rotation", "2026-03-02", "2026-03-09", official.pk),
        ("rotation", "2026-03-09", "", official.pk),
    ]
    html = as_official.get("/mess/mess1/menu/history/").content.decode()
    assert "(3 changes)" in html and html.count("Week 1 start (weeks 1 and 2 alternate from it)") == 3
    assert "Monday 2026-03-02" in html and "Monday 2026-03-09" in html and "one weekly menu every week" in html


# Links and queries


def test_the_dashboard_links_to_the_menu_pages(as_official, mess1):
    html = as_official.get("/mess/mess1/").content.decode()
    for url in ("/mess/mess1/menu/", "/mess/mess1/menu/day/", "/mess/mess1/menu/nonveg/", "/mess/mess1/menu/history/"):
        assert f'href="{url}"' in html


PAGES = [
    "/mess/mess1/menu/",
    "/mess/mess1/menu/?week=1",
    "/mess/mess1/menu/day/",
    "/mess/mess1/menu/nonveg/?date=2026-03-11&meal=lunch",
    "/mess/mess1/menu/history/",
]


def page_queries(client) -> dict[str, int]:
    counts = {}
    for url in PAGES:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[url] = len(queries)
    return counts


def fill(mess, official, *, days: int, items: int):
    regular_menus_save(mess=mess, week=MenuWeek.EVERY, menus={Slot(0, "lunch"): "Dal"}, changed_by=official)
    for n in range(days):
        date = TOMORROW + datetime.timedelta(days=n)
        temporary_menu_save(mess=mess, date=date, meal="dinner", dishes=f"Pulao {n}", changed_by=official)
        nonveg_items_save(
            mess=mess, date=date, meal="lunch", items=[Item(f"Dish {i}", Decimal(i)) for i in range(items)], changed_by=official
        )


def test_each_menu_page_costs_the_same_queries_with_more_menus_and_changes(as_official, mess1, official):
    fill(mess1, official, days=1, items=1)
    few = page_queries(as_official)

    grid = {
        Slot(day, meal, veg): f"{meal} {day}"
        for veg in (True, False)
        for day in Weekday.values
        for meal in ("breakfast", "lunch", "snacks", "dinner")
    }
    for week in MenuWeek.values:
        regular_menus_save(mess=mess1, week=week, menus=grid, changed_by=official)
    fill(mess1, official, days=20, items=6)
    assert RegularMenu.objects.count() == 3 * 56 and MenuChange.objects.count() > 200
    many = page_queries(as_official)

    assert many == few
    assert max(many.values()) <= 12, many
    print("queries per menu page:", many)
