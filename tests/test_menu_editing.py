"""Officials' menu changes (mess/menu_editing.py): the rules for dishes, prices and dates, the writes,
and the history each change leaves, which the nightly clean-up keeps."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.menu_editing import (
    menu_changes_of,
    mess_rotation_set,
    nonveg_items_of,
    nonveg_items_save,
    regular_menus_save,
    temporary_menu_delete,
    temporary_menu_save,
)
from mess.menu_rules import Item, Slot, dishes_clean, item_name_clean, menu_date_check, price_check, rotation_week
from mess.menus import menus_cleanup
from mess.models import MAX_DISHES, Meal, MenuChange, MenuWeek, NonVegItem, NonVegMenu, RegularMenu, TemporaryMenu, Weekday

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
TODAY = datetime.date(2026, 3, 10)  # a Tuesday
NOW = datetime.datetime(2026, 3, 10, 13, 0, tzinfo=IST)
TOMORROW = TODAY + datetime.timedelta(days=1)
YESTERDAY = TODAY - datetime.timedelta(days=1)

ALL_SLOTS = [Slot(day, meal, veg) for veg in (True, False) for day in Weekday.values for meal in Meal.values]


# The rules


def test_it_keeps_one_trimmed_dish_per_line_and_drops_blank_lines():
    assert dishes_clean("  Poha \r\n\r\n  Jalebi\n\t\nMasala   chai\t\n") == "Poha\nJalebi\nMasala chai"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write at least one dish"),
        (" \n \n", "Write at least one dish"),
        ("Poha\x1b[31m", r"The text contains the control character U\+001B, which is not text; write it again"),
        ("Poha\rJalebi", r"control character U\+000D"),
        ("\n".join(f"Dish {n}" for n in range(MAX_DISHES + 1)), "31 dishes: a menu holds at most 30"),
        ("x" * 101, "is 101 characters long: a dish has at most 100"),
        ("Poha\nDal; Rice", "“;” separates dishes in menu files: write each dish on its own line"),
    ],
)
def test_it_refuses_dishes_with_a_reason(text, message):
    with pytest.raises(ValueError, match=message):
        dishes_clean(text)


def test_it_takes_thirty_dishes_of_a_hundred_characters_and_an_empty_menu_where_none_is_required():
    text = "\n".join(f"{n:02d}" + "x" * 98 for n in range(MAX_DISHES))
    assert dishes_clean(text) == text
    assert dishes_clean("  \n", required=False) == ""


@pytest.mark.parametrize(
    ("price", "message"),
    [(Decimal("-1"), "cannot be negative"), (Decimal("10.505"), "at most two decimals"), (Decimal("100000"), "at most ₹99999.99")],
)
def test_it_refuses_prices_that_are_no_price(price, message):
    with pytest.raises(ValueError, match=message):
        price_check(price)


def test_it_keeps_prices_in_rupees_and_paise():
    assert price_check(Decimal("80")) == Decimal("80.00")
    assert price_check(Decimal("79.5000")) == Decimal("79.50")
    assert price_check(Decimal("0")) == Decimal("0.00")


@pytest.mark.parametrize(
    ("name", "message"),
    [("  ", "Name the item"), ("Chicken\nMutton", "one line"), ("x" * 101, "at most 100"), ("Chicken; Mutton", "“;” separates dishes")],
)
def test_it_refuses_item_names(name, message):
    with pytest.raises(ValueError, match=message):
        item_name_clean(name)


def test_the_first_day_a_menu_can_change_is_today_in_ist():
    # 00:10 IST on 10 March is still 9 March in UTC.
    with time_machine.travel(datetime.datetime(2026, 3, 10, 0, 10, tzinfo=IST), tick=False):
        assert menu_date_check(TODAY) == TODAY
        with pytest.raises(ValueError, match="Mon 9 Mar 2026 is in the past"):
            menu_date_check(YESTERDAY)
    # 23:59 IST on 9 March: the 9th is still today.
    with time_machine.travel(datetime.datetime(2026, 3, 9, 23, 59, tzinfo=IST), tick=False):
        assert menu_date_check(YESTERDAY) == YESTERDAY


# The weekly menu


def test_it_saves_the_weekly_menu_and_keeps_who_changed_which_slot(mess1, official):
    changed = regular_menus_save(
        mess=mess1,
        week=MenuWeek.EVERY,
        menus={Slot(0, "lunch"): "Dal\nRice\n", Slot(0, "dinner"): "", Slot(2, "dinner", False): "Chicken curry"},
        changed_by=official,
    )

    assert changed == 2
    menus = {(m.weekday, m.meal, m.is_veg, m.week): m.dishes for m in RegularMenu.objects.all()}
    assert menus == {(0, "lunch", True, 0): "Dal\nRice", (2, "dinner", False, 0): "Chicken curry"}
    history = list(MenuChange.objects.order_by("id").values_list("kind", "weekday", "week", "meal", "before", "after", "changed_by"))
    assert history == [
        ("regular", 0, 0, "lunch", "", "Dal\nRice", official.pk),
        ("regular", 2, 0, "dinner", "", "Chicken curry", official.pk),
    ]


def test_saving_the_grid_unchanged_records_nothing(mess1, official):
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", dishes="Dal \r\n\r\nRice")  # as Django admin may store it
    grid = {slot: "" for slot in ALL_SLOTS} | {Slot(0, "lunch"): "Dal\nRice"}

    assert regular_menus_save(mess=mess1, week=MenuWeek.EVERY, menus=grid, changed_by=official) == 0
    assert MenuChange.objects.count() == 0
    assert RegularMenu.objects.get().dishes == "Dal \r\n\r\nRice"  # not even rewritten


def test_a_changed_slot_is_updated_an_emptied_one_removed_and_both_recorded(mess1, official, admin):
    regular_menus_save(mess=mess1, week=MenuWeek.EVERY, menus={Slot(0, "lunch"): "Dal", Slot(1, "lunch"): "Rajma"}, changed_by=official)

    regular_menus_save(mess=mess1, week=MenuWeek.EVERY, menus={Slot(0, "lunch"): "Dal\nJeera rice", Slot(1, "lunch"): ""}, changed_by=admin)

    assert list(RegularMenu.objects.values_list("weekday", "dishes")) == [(0, "Dal\nJeera rice")]
    latest = list(MenuChange.objects.filter(changed_by=admin).order_by("weekday").values_list("weekday", "before", "after"))
    assert latest == [(0, "Dal", "Dal\nJeera rice"), (1, "Rajma", "")]


def test_one_bad_slot_saves_nothing_and_names_the_slot(mess1, official):
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", dishes="Dal")
    too_many = "\n".join(f"Dish {n}" for n in range(31))

    with pytest.raises(ValueError, match="Wednesday dinner: 31 dishes"):
        regular_menus_save(
            mess=mess1, week=MenuWeek.EVERY, menus={Slot(0, "lunch"): "Rajma", Slot(2, "dinner"): too_many}, changed_by=official
        )

    assert list(RegularMenu.objects.values_list("dishes", flat=True)) == ["Dal"]
    assert MenuChange.objects.count() == 0


def test_each_week_of_a_rotation_has_its_own_menus(mess1, official):
    regular_menus_save(mess=mess1, week=MenuWeek.EVERY, menus={Slot(0, "lunch"): "Dal"}, changed_by=official)
    regular_menus_save(mess=mess1, week=MenuWeek.FIRST, menus={Slot(0, "lunch"): "Rajma"}, changed_by=official)
    regular_menus_save(mess=mess1, week=MenuWeek.SECOND, menus={Slot(0, "lunch"): "Chole"}, changed_by=official)

    assert dict(RegularMenu.objects.values_list("week", "dishes")) == {0: "Dal", 1: "Rajma", 2: "Chole"}
    assert list(MenuChange.objects.order_by("id").values_list("week", flat=True)) == [0, 1, 2]
    with pytest.raises(ValueError, match="not a week"):
        regular_menus_save(mess=mess1, week=3, menus={}, changed_by=official)


def test_another_mess_is_left_alone(mess1, mess2, official):
    RegularMenu.objects.create(mess=mess2, weekday=0, meal="lunch", dishes="Their dal")
    regular_menus_save(mess=mess1, week=MenuWeek.EVERY, menus={Slot(0, "lunch"): ""}, changed_by=official)
    assert RegularMenu.objects.get().dishes == "Their dal"
    assert MenuChange.objects.count() == 0


def test_saving_the_grid_costs_the_same_queries_for_one_slot_and_for_every_slot(mess1, official):
    def queries(week, menus):
        with CaptureQueriesContext(connection) as captured:
            regular_menus_save(mess=mess1, week=week, menus=menus, changed_by=official)
        return len(captured)

    # creating one slot, and all 56
    one = queries(MenuWeek.FIRST, {Slot(0, "lunch"): "Dal"})
    every = queries(MenuWeek.SECOND, {slot: f"Dish of {slot.label}" for slot in ALL_SLOTS})
    assert RegularMenu.objects.filter(week=MenuWeek.SECOND).count() == 56
    # changing one and removing one, and changing 28 and removing 28
    mixed_one = queries(MenuWeek.SECOND, {ALL_SLOTS[0]: "New", ALL_SLOTS[1]: ""})
    mixed_all = queries(MenuWeek.SECOND, {slot: "" if n % 2 else "Newer" for n, slot in enumerate(ALL_SLOTS)})

    assert one == every and mixed_one == mixed_all, (one, every, mixed_one, mixed_all)
    assert every <= 7 and mixed_all <= 6, (every, mixed_all)
    print("queries per grid save: creating", every, "changing and removing", mixed_all)
    assert MenuChange.objects.count() == 1 + 56 + 2 + 55  # ALL_SLOTS[1] was removed already


def test_week_one_starts_on_a_monday(mess1, official):
    with pytest.raises(ValueError, match="is a Tuesday: week 1 starts on a Monday"):
        mess_rotation_set(mess=mess1, starts_on=TODAY, changed_by=official)
    mess1.refresh_from_db()
    assert mess1.rotation_starts_on is None

    assert mess_rotation_set(mess=mess1, starts_on=datetime.date(2026, 3, 2), changed_by=official) is True
    mess1.refresh_from_db()
    assert mess1.rotation_starts_on == datetime.date(2026, 3, 2)
    assert rotation_week(mess=mess1, date=datetime.date(2026, 3, 8)) == 1  # the Sunday of week 1
    assert rotation_week(mess=mess1, date=TODAY) == 2
    assert rotation_week(mess=mess1, date=datetime.date(2026, 2, 23)) == 2  # the week before the start

    mess_rotation_set(mess=mess1, starts_on=None, changed_by=None)
    mess1.refresh_from_db()
    assert mess1.rotation_starts_on is None and rotation_week(mess=mess1, date=TODAY) is None


def test_each_change_of_the_week_one_start_is_kept_and_setting_it_again_is_not(mess1, official, admin):
    assert mess_rotation_set(mess=mess1, starts_on=datetime.date(2026, 3, 2), changed_by=official) is True
    assert mess_rotation_set(mess=mess1, starts_on=datetime.date(2026, 3, 2), changed_by=official) is False
    assert mess_rotation_set(mess=mess1, starts_on=datetime.date(2026, 3, 9), changed_by=admin) is True
    assert mess_rotation_set(mess=mess1, starts_on=None, changed_by=official) is True
    with pytest.raises(ValueError):
        mess_rotation_set(mess=mess1, starts_on=TODAY, changed_by=official)

    kept = list(menu_changes_of(mess=mess1).values_list("kind", "meal", "date", "weekday", "week", "before", "after", "changed_by"))
    assert kept == [
        (MenuChange.Kind.ROTATION, "", None, None, None, "2026-03-09", "", official.pk),
        (MenuChange.Kind.ROTATION, "", None, None, None, "2026-03-02", "2026-03-09", admin.pk),
        (MenuChange.Kind.ROTATION, "", None, None, None, "", "2026-03-02", official.pk),
    ]


# One-day changes


@time_machine.travel(NOW, tick=False)
def test_a_one_day_change_is_created_changed_and_removed_and_each_step_is_kept(mess1, official):
    menu, changed = temporary_menu_save(mess=mess1, date=TOMORROW, meal="lunch", dishes="Biryani\n Raita ", changed_by=official)
    assert changed and menu.dishes == "Biryani\nRaita"

    assert temporary_menu_save(mess=mess1, date=TOMORROW, meal="lunch", dishes="Biryani\nRaita\n", changed_by=official)[1] is False
    temporary_menu_save(mess=mess1, date=TOMORROW, meal="lunch", dishes="Biryani\nRaita\nGulab jamun", changed_by=official)
    assert TemporaryMenu.objects.get().dishes == "Biryani\nRaita\nGulab jamun"

    assert temporary_menu_delete(mess=mess1, date=TOMORROW, meal="lunch", changed_by=official) is True
    assert temporary_menu_delete(mess=mess1, date=TOMORROW, meal="lunch", changed_by=official) is False
    assert not TemporaryMenu.objects.exists()

    history = list(menu_changes_of(mess=mess1).values_list("kind", "date", "meal", "before", "after"))
    assert history == [  # newest first
        ("temporary", TOMORROW, "lunch", "Biryani\nRaita\nGulab jamun", ""),
        ("temporary", TOMORROW, "lunch", "Biryani\nRaita", "Biryani\nRaita\nGulab jamun"),
        ("temporary", TOMORROW, "lunch", "", "Biryani\nRaita"),
    ]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("date", "meal", "dishes", "message"),
    [
        (YESTERDAY, "lunch", "Dal", "in the past"),
        (TODAY, "brunch", "Dal", "unknown meal"),
        (TODAY, "lunch", "\n \n", "at least one dish"),
        (TODAY, "lunch", "Dal\x00", "control character"),
    ],
)
def test_a_refused_one_day_change_changes_nothing(mess1, official, date, meal, dishes, message):
    TemporaryMenu.objects.create(mess=mess1, date=TODAY, meal="lunch", dishes="Dal")
    with pytest.raises(ValueError, match=message):
        temporary_menu_save(mess=mess1, date=date, meal=meal, dishes=dishes, changed_by=official)
    assert list(TemporaryMenu.objects.values_list("date", "dishes")) == [(TODAY, "Dal")]
    assert not MenuChange.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_past_one_day_change_is_not_removed_by_hand(mess1, official):
    TemporaryMenu.objects.create(mess=mess1, date=YESTERDAY, meal="lunch", dishes="Dal")
    with pytest.raises(ValueError, match="in the past"):
        temporary_menu_delete(mess=mess1, date=YESTERDAY, meal="lunch", changed_by=official)
    assert TemporaryMenu.objects.count() == 1


# Non-veg items


@time_machine.travel(NOW, tick=False)
def test_the_non_veg_items_of_a_date_are_set_replaced_and_removed_with_their_history(mess1, official):
    first = [Item("Chicken curry", Decimal("80")), Item(" Egg   bhurji ", Decimal("35.5"))]
    assert nonveg_items_save(mess=mess1, date=TODAY, meal="dinner", items=first, changed_by=official) is True
    assert nonveg_items_of(mess=mess1, date=TODAY, meal="dinner") == [
        Item("Chicken curry", Decimal("80.00")),
        Item("Egg bhurji", Decimal("35.50")),
    ]

    same = [Item("Chicken curry", Decimal("80.00")), Item("Egg bhurji", Decimal("35.50"))]
    assert nonveg_items_save(mess=mess1, date=TODAY, meal="dinner", items=same, changed_by=official) is False
    assert nonveg_items_save(mess=mess1, date=TODAY, meal="dinner", items=[Item("Fish fry", Decimal("90"))], changed_by=official)
    assert list(NonVegItem.objects.values_list("name", "price")) == [("Fish fry", Decimal("90.00"))]
    assert nonveg_items_save(mess=mess1, date=TODAY, meal="dinner", items=[], changed_by=official) is True
    assert not NonVegMenu.objects.exists() and not NonVegItem.objects.exists()

    history = list(MenuChange.objects.order_by("id").values_list("kind", "date", "meal", "before", "after"))
    assert history == [
        ("nonveg", TODAY, "dinner", "", "Chicken curry ₹80.00\nEgg bhurji ₹35.50"),
        ("nonveg", TODAY, "dinner", "Chicken curry ₹80.00\nEgg bhurji ₹35.50", "Fish fry ₹90.00"),
        ("nonveg", TODAY, "dinner", "Fish fry ₹90.00", ""),
    ]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("date", "items", "message"),
    [
        (YESTERDAY, [Item("Fish fry", Decimal("90"))], "in the past"),
        (TODAY, [Item("Fish fry", Decimal("90")), Item("Mutton", Decimal("-1"))], "Item 2: A price cannot be negative"),
        (TODAY, [Item("Fish fry", Decimal("90.125"))], "Item 1: A price has at most two decimals"),
        (TODAY, [Item("Fish fry", Decimal("90")), Item("FISH FRY", Decimal("95"))], "Item 2: “FISH FRY” is listed twice"),
        (TODAY, [Item(f"Dish {n}", Decimal("1")) for n in range(31)], "31 items"),
    ],
)
def test_refused_non_veg_items_change_nothing(mess1, official, date, items, message):
    nonveg_items_save(mess=mess1, date=TODAY, meal="dinner", items=[Item("Egg curry", Decimal("40"))], changed_by=official)
    with pytest.raises(ValueError, match=message):
        nonveg_items_save(mess=mess1, date=date, meal="dinner", items=items, changed_by=official)
    assert list(NonVegItem.objects.values_list("name", "price")) == [("Egg curry", Decimal("40.00"))]
    assert MenuChange.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_saving_non_veg_items_costs_the_same_queries_for_one_item_and_for_twenty(mess1, official):
    def queries(meal, items):
        with CaptureQueriesContext(connection) as captured:
            nonveg_items_save(mess=mess1, date=TOMORROW, meal=meal, items=items, changed_by=official)
        return len(captured)

    assert queries("lunch", [Item("Dish", Decimal("1"))]) == queries("dinner", [Item(f"Dish {n}", Decimal(n)) for n in range(20)])
    assert queries("lunch", [Item("Other", Decimal("1"))]) == queries("dinner", [Item(f"Other {n}", Decimal(n)) for n in range(20)])


# The history and the clean-up


def test_the_nightly_clean_up_leaves_the_history_of_the_menus_it_removes(mess1, official):
    with time_machine.travel(NOW, tick=False):
        temporary_menu_save(mess=mess1, date=TODAY, meal="lunch", dishes="Biryani", changed_by=official)
        nonveg_items_save(mess=mess1, date=TODAY, meal="dinner", items=[Item("Fish fry", Decimal("90"))], changed_by=official)
        regular_menus_save(mess=mess1, week=MenuWeek.EVERY, menus={Slot(1, "lunch"): "Dal"}, changed_by=official)

    with time_machine.travel(datetime.datetime(2026, 3, 11, 0, 0, tzinfo=IST), tick=False):
        summary = menus_cleanup()

    assert summary == "deleted 1 temporary menu, 1 non-veg menu (1 item)"
    assert not TemporaryMenu.objects.exists() and not NonVegMenu.objects.exists()
    assert RegularMenu.objects.count() == 1
    kept = set(MenuChange.objects.values_list("kind", "date", "after"))
    assert kept == {("temporary", TODAY, "Biryani"), ("nonveg", TODAY, "Fish fry ₹90.00"), ("regular", None, "Dal")}


def test_the_history_outlives_the_official_who_made_it(mess1, official):
    regular_menus_save(mess=mess1, week=MenuWeek.EVERY, menus={Slot(1, "lunch"): "Dal"}, changed_by=official)
    official.delete()
    change = MenuChange.objects.get()
    assert change.changed_by is None and change.after == "Dal"


# Two officials at once


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("kind", ["regular", "temporary", "nonveg"])
def test_a_menu_made_by_someone_else_at_the_same_moment_is_not_overwritten(mess1, official, admin, monkeypatch, kind):
    """The write reads the slot, finds nothing, and meanwhile another official creates it: the second
    insert is refused by the database and the official is asked to redo the change."""
    model, save = {
        "regular": (
            RegularMenu,
            lambda: regular_menus_save(mess=mess1, week=MenuWeek.EVERY, menus={Slot(0, "dinner"): "Mine"}, changed_by=official),
        ),
        "temporary": (
            TemporaryMenu,
            lambda: temporary_menu_save(mess=mess1, date=TODAY, meal="dinner", dishes="Mine", changed_by=official),
        ),
        "nonveg": (
            NonVegMenu,
            lambda: nonveg_items_save(mess=mess1, date=TODAY, meal="dinner", items=[Item("Mine", Decimal(1))], changed_by=official),
        ),
    }[kind]
    if kind == "regular":
        RegularMenu.objects.create(mess=mess1, weekday=0, meal="dinner", dishes="Theirs")
    elif kind == "temporary":
        TemporaryMenu.objects.create(mess=mess1, date=TODAY, meal="dinner", dishes="Theirs")
    else:
        NonVegMenu.objects.create(mess=mess1, date=TODAY, meal="dinner").items.create(name="Theirs", price=1)
    monkeypatch.setattr(model.objects, "select_for_update", lambda: model.objects.none())  # the read that saw nothing

    with pytest.raises(ValueError, match="Someone else .* at the same time"):
        save()

    monkeypatch.undo()
    assert model.objects.count() == 1
    assert not MenuChange.objects.exists()
