"""Dish votes: with a meal's rating, a student marks the dishes of that day's menu they liked and
disliked; stored with the rating, in the same transaction, replaced by a later save, and kept with
their text when the nightly clean-up removes the day's menus."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from mess.feedback import feedback_save
from mess.menus import menus_cleanup
from mess.models import DishVote, Feedback, NonVegItem, NonVegMenu, RegularMenu, TemporaryMenu
from tests.factories import IST, TODAY

LUNCH_TIME = datetime.datetime(2026, 3, 10, 13, 0, tzinfo=IST)  # a Tuesday


@pytest.fixture
def lunch(mess1):
    """Tuesday's regular lunch, and the day's non-veg item."""
    RegularMenu.objects.create(mess=mess1, weekday=1, meal="lunch", dishes="Rajma\nJeera rice\nRoti")
    RegularMenu.objects.create(mess=mess1, weekday=1, meal="breakfast", dishes="Poha")
    menu = NonVegMenu.objects.create(mess=mess1, date=TODAY, meal="lunch")
    NonVegItem.objects.create(menu=menu, name="Chicken curry", price=Decimal("90"))


def save(student, votes, meal="lunch", rating=4):
    return feedback_save(student=student, meal=meal, rating=rating, category="food", comment="", dish_votes=votes)


def votes_stored():
    return {(v.feedback.meal, v.dish): v.liked for v in DishVote.objects.select_related("feedback")}


@time_machine.travel(LUNCH_TIME, tick=False)
def test_votes_are_stored_with_the_rating_with_their_mess_date_and_text(student, mess1, lunch):
    saved = save(student, {"Rajma": True, "Roti": False, "Chicken curry": True})

    assert votes_stored() == {("lunch", "Rajma"): True, ("lunch", "Roti"): False, ("lunch", "Chicken curry"): True}
    assert set(DishVote.objects.values_list("feedback_id", "mess_id", "date").distinct()) == {(saved.entry.pk, mess1.pk, TODAY)}


@time_machine.travel(LUNCH_TIME, tick=False)
def test_a_later_save_of_the_same_meal_replaces_the_votes_and_leaves_the_other_meals(student, lunch):
    save(student, {"Poha": False}, meal="breakfast")
    save(student, {"Rajma": True, "Roti": False})

    save(student, {"Roti": True}, rating=5)

    assert votes_stored() == {("breakfast", "Poha"): False, ("lunch", "Roti"): True}
    save(student, {})
    assert votes_stored() == {("breakfast", "Poha"): False}


@time_machine.travel(LUNCH_TIME, tick=False)
def test_without_votes_a_save_leaves_them_as_they_are(student, lunch):
    save(student, {"Rajma": True})
    feedback_save(student=student, meal="lunch", rating=2, category="food", comment="")
    assert votes_stored() == {("lunch", "Rajma"): True}


@time_machine.travel(LUNCH_TIME, tick=False)
def test_a_dish_not_on_that_meals_menu_today_is_refused_and_nothing_is_saved(student, mess1, lunch):
    TemporaryMenu.objects.create(mess=mess1, date=TODAY + datetime.timedelta(days=1), meal="lunch", dishes="Pulao")
    for dish in ["Poha", "Pulao", "Pizza", "rajma"]:  # breakfast's, tomorrow's, nobody's, another case
        with pytest.raises(ValueError, match=f"not on the lunch menu of 2026-03-10: {dish}"):
            save(student, {"Rajma": True, dish: False})
    assert not Feedback.objects.exists() and not DishVote.objects.exists()

    save(student, {"Rajma": True}, rating=3)
    with pytest.raises(ValueError):
        save(student, {"Pizza": True}, rating=1)
    # the refused save changed neither the rating nor the votes
    assert Feedback.objects.get().rating == 3 and votes_stored() == {("lunch", "Rajma"): True}


@time_machine.travel(LUNCH_TIME, tick=False)
def test_a_one_day_menu_is_what_students_vote_on(student, mess1, lunch):
    TemporaryMenu.objects.create(mess=mess1, date=TODAY, meal="lunch", dishes="Veg pulao\nRaita")
    with pytest.raises(ValueError):
        save(student, {"Rajma": True})
    save(student, {"Veg pulao": True, "Chicken curry": False})
    assert votes_stored() == {("lunch", "Veg pulao"): True, ("lunch", "Chicken curry"): False}


def test_the_votes_keep_their_dish_after_the_nightly_clean_up(student, mess1, lunch):
    TemporaryMenu.objects.create(mess=mess1, date=TODAY, meal="dinner", dishes="Paneer butter masala")
    with time_machine.travel(datetime.datetime(2026, 3, 10, 20, 0, tzinfo=IST), tick=False):
        save(student, {"Paneer butter masala": True}, meal="dinner")
        save(student, {"Chicken curry": False})
    with time_machine.travel(datetime.datetime(2026, 3, 11, 0, 0, tzinfo=IST), tick=False):
        assert menus_cleanup() == "deleted 1 temporary menu, 1 non-veg menu (1 item)"

    assert votes_stored() == {("dinner", "Paneer butter masala"): True, ("lunch", "Chicken curry"): False}
    assert RegularMenu.objects.count() == 2  # the regular menu stays
