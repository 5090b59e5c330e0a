"""Menus in Django admin: the menu pages' rules, beside each field, and the menu history of every save and deletion."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from mess.models import (
    MenuChange,
    Mess,
    NonVegItem,
    NonVegMenu,
    RegularMenu,
    TemporaryMenu,
)
from tests.admin_rows import MESS_POST, admin_url, field_errors, menu_history, nonveg_post

User = get_user_model()


# Menus: the officials' pages' rules, and the menu history


@pytest.mark.parametrize(
    ("dishes", "message"),
    [
        ("\n".join(f"Dish {n}" for n in range(31)), "31 dishes: a menu holds at most 30"),
        ("Poha\x1b[31m", "control character U+001B"),
        ("Dal; Rice", "“;” separates dishes in menu files"),
        (" \n ", "This field is required."),
    ],
)
def test_admin_menu_forms_refuse_what_the_officials_pages_refuse_beside_the_dishes(as_admin, mess1, dishes, message):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    weekly = as_admin.post(
        admin_url(RegularMenu, "add"), {"mess": mess1.pk, "weekday": "0", "meal": "lunch", "week": "0", "is_veg": "on", "dishes": dishes}
    )
    one_day = as_admin.post(
        admin_url(TemporaryMenu, "add"), {"mess": mess1.pk, "date": tomorrow.isoformat(), "meal": "lunch", "dishes": dishes}
    )

    assert weekly.status_code == one_day.status_code == 200
    assert any(message in error for error in field_errors(weekly, "dishes")), field_errors(weekly, "dishes")
    assert any(message in error for error in field_errors(one_day, "dishes"))
    assert not RegularMenu.objects.exists() and not TemporaryMenu.objects.exists() and not MenuChange.objects.exists()


def test_admin_refuses_menus_and_items_of_a_past_day_beside_the_date(as_admin, mess1):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    one_day = as_admin.post(
        admin_url(TemporaryMenu, "add"), {"mess": mess1.pk, "date": yesterday.isoformat(), "meal": "lunch", "dishes": "Dal"}
    )
    nonveg = as_admin.post(admin_url(NonVegMenu, "add"), nonveg_post(mess1, yesterday, [("Fish fry", "90")]))
    past = NonVegMenu.objects.create(mess=mess1, date=yesterday, meal="lunch")
    item = as_admin.post(admin_url(NonVegItem, "add"), {"menu": past.pk, "name": "Fish fry", "price": "90"})

    assert any("is in the past" in error for error in field_errors(one_day, "date"))
    assert any("is in the past" in error for error in field_errors(nonveg, "date"))
    assert any("is in the past" in error for error in field_errors(item, "menu"))
    assert not TemporaryMenu.objects.exists() and not NonVegItem.objects.exists() and not MenuChange.objects.exists()


@pytest.mark.parametrize(
    ("name", "price", "field", "message"),
    [
        ("Fish; chips", "90", "name", "“;” separates dishes"),
        ("Fish\x07", "90", "name", "control character U+0007"),
        ("x" * 101, "90", "name", "at most 100"),
        ("Fish fry", "90.505", "price", "no more than 2 decimal places"),  # the model's own check, before price_check
    ],
)
def test_admin_refuses_non_veg_items_the_officials_pages_refuse_beside_the_field(as_admin, mess1, name, price, field, message):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    within = as_admin.post(admin_url(NonVegMenu, "add"), nonveg_post(mess1, tomorrow, [(name, price)]))
    menu = NonVegMenu.objects.create(mess=mess1, date=tomorrow, meal="lunch")
    alone = as_admin.post(admin_url(NonVegItem, "add"), {"menu": menu.pk, "name": name, "price": price})

    inline_errors = within.context["inline_admin_formsets"][0].formset.forms[0].errors.get(field, [])
    assert any(message in error for error in inline_errors), inline_errors
    assert any(message in error for error in field_errors(alone, field)), field_errors(alone, field)
    assert NonVegMenu.objects.get() == menu and not NonVegItem.objects.exists() and not MenuChange.objects.exists()


def test_admin_refuses_a_thirty_first_non_veg_item(as_admin, mess1):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    within = as_admin.post(admin_url(NonVegMenu, "add"), nonveg_post(mess1, tomorrow, [(f"Item {n}", "10") for n in range(31)]))
    assert "Please submit at most 30 forms." in within.text
    menu = NonVegMenu.objects.create(mess=mess1, date=tomorrow, meal="dinner")
    NonVegItem.objects.bulk_create(NonVegItem(menu=menu, name=f"Item {n}", price=10) for n in range(30))
    alone = as_admin.post(admin_url(NonVegItem, "add"), {"menu": menu.pk, "name": "One more", "price": "10"})
    assert any("31 items: a non-veg menu holds at most 30." in error for error in field_errors(alone, "menu"))
    assert NonVegItem.objects.count() == 30


def test_admin_changes_of_weekly_and_one_day_menus_are_kept_in_the_menu_history(as_admin, admin, mess1):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    weekly = {"mess": mess1.pk, "weekday": "0", "meal": "lunch", "week": "1", "is_veg": "on"}
    assert as_admin.post(admin_url(RegularMenu, "add"), {**weekly, "dishes": " Dal \r\n\r\nRice"}).status_code == 302
    menu = RegularMenu.objects.get()
    assert menu.dishes == "Dal\nRice"  # kept as the officials' pages keep it
    as_admin.post(admin_url(RegularMenu, "change", menu.pk), {**weekly, "dishes": "Dal\nRice"})  # the same: no history
    as_admin.post(admin_url(RegularMenu, "change", menu.pk), {**weekly, "dishes": "Rajma\nRice"})
    as_admin.post(admin_url(RegularMenu, "delete", menu.pk), {"post": "yes"})

    as_admin.post(admin_url(TemporaryMenu, "add"), {"mess": mess1.pk, "date": tomorrow.isoformat(), "meal": "dinner", "dishes": "Biryani"})
    as_admin.post(admin_url(TemporaryMenu, "add"), {"mess": mess1.pk, "date": tomorrow.isoformat(), "meal": "lunch", "dishes": "Pulao"})
    as_admin.post(
        admin_url(TemporaryMenu, "changelist"),
        {"action": "delete_selected", "post": "yes", "_selected_action": list(TemporaryMenu.objects.values_list("pk", flat=True))},
    )

    assert not RegularMenu.objects.exists() and not TemporaryMenu.objects.exists()
    history = menu_history()
    assert history[:5] == [
        ("mess1", "regular", "lunch", None, 0, 1, "", "Dal\nRice", admin.pk),
        ("mess1", "regular", "lunch", None, 0, 1, "Dal\nRice", "Rajma\nRice", admin.pk),
        ("mess1", "regular", "lunch", None, 0, 1, "Rajma\nRice", "", admin.pk),
        ("mess1", "temporary", "dinner", tomorrow, None, None, "", "Biryani", admin.pk),
        ("mess1", "temporary", "lunch", tomorrow, None, None, "", "Pulao", admin.pk),
    ]
    assert sorted(history[5:]) == [
        ("mess1", "temporary", "dinner", tomorrow, None, None, "Biryani", "", admin.pk),
        ("mess1", "temporary", "lunch", tomorrow, None, None, "Pulao", "", admin.pk),
    ]


def test_admin_changes_of_non_veg_items_are_kept_in_the_menu_history(as_admin, admin, mess1):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert (
        as_admin.post(admin_url(NonVegMenu, "add"), nonveg_post(mess1, tomorrow, [("Fish fry", "90"), ("Egg curry", "40.5")])).status_code
        == 302
    )
    menu = NonVegMenu.objects.get()
    fish, egg = menu.items.order_by("id")
    data = nonveg_post(
        mess1,
        tomorrow,
        [("Fish fry", "95"), ("Egg curry", "40.50")],
        initial=2,
        **{"items-0-id": fish.pk, "items-0-menu": menu.pk, "items-1-id": egg.pk, "items-1-menu": menu.pk},
    )
    assert as_admin.post(admin_url(NonVegMenu, "change", menu.pk), data).status_code == 302
    as_admin.post(admin_url(NonVegItem, "add"), {"menu": menu.pk, "name": "Mutton", "price": "150"})
    as_admin.post(admin_url(NonVegItem, "change", fish.pk), {"menu": menu.pk, "name": "Fish fry", "price": "95"})  # the same: no history
    as_admin.post(admin_url(NonVegItem, "delete", egg.pk), {"post": "yes"})
    as_admin.post(admin_url(NonVegMenu, "delete", menu.pk), {"post": "yes"})

    assert not NonVegMenu.objects.exists()
    history = menu_history()
    assert {row[:6] + row[8:] for row in history} == {("mess1", "nonveg", "dinner", tomorrow, None, None, admin.pk)}
    fish, fish95, egg, mutton = "Fish fry ₹90.00", "Fish fry ₹95.00", "Egg curry ₹40.50", "Mutton ₹150.00"
    assert [(before.split("\n"), after.split("\n")) for *_, before, after, _ in history] == [
        ([""], [fish, egg]),
        ([fish, egg], [fish95, egg]),
        ([fish95, egg], [fish95, egg, mutton]),
        ([fish95, egg, mutton], [fish95, mutton]),
        ([fish95, mutton], [""]),
    ]


def test_admin_moves_the_week_1_start_of_a_mess_only_to_a_monday_and_it_is_kept_in_the_menu_history(as_admin, admin):
    data = {**MESS_POST, "floors-TOTAL_FORMS": "0", "floors-INITIAL_FORMS": "0"}
    assert as_admin.post(admin_url(Mess, "add"), {**data, "rotation_starts_on": "2026-03-02"}).status_code == 302
    mess = Mess.objects.get(code="mess3")

    tuesday = as_admin.post(admin_url(Mess, "change", mess.pk), {**data, "rotation_starts_on": "2026-03-10"})
    assert any("is a Tuesday: week 1 starts on a Monday" in error for error in field_errors(tuesday, "rotation_starts_on"))
    as_admin.post(admin_url(Mess, "change", mess.pk), {**data, "rotation_starts_on": "2026-03-02", "name": "Mess three"})  # the same start
    as_admin.post(admin_url(Mess, "change", mess.pk), {**data, "rotation_starts_on": "2026-03-09"})
    as_admin.post(admin_url(Mess, "change", mess.pk), {**data, "rotation_starts_on": ""})

    mess.refresh_from_db()
    assert mess.rotation_starts_on is None
    assert menu_history() == [
        ("mess3", "rotation", "", None, None, None, "2026-03-02", "2026-03-09", admin.pk),
        ("mess3", "rotation", "", None, None, None, "2026-03-09", "", admin.pk),
    ]
