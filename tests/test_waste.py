"""Food waste: the waste page (every floor of a meal in one form), the services behind it, what they
accept, what they refuse (meals that have not started yet among them), the figures that ask to be
confirmed, deleting a record, and the history of every change, from the page, the admin and the
imports."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mess.imports.reader import ImportRejected
from mess.imports.waste import waste_import
from mess.models import DayTotals, Floor, WasteChange, WasteRecord
from mess.overview import day_totals_refresh
from mess.waste import FloorWaste, waste_meal_save, waste_record_delete, waste_record_save, waste_records_delete, waste_unusual
from tests.factories import IST, NOW, TODAY, days_ago, waste

YESTERDAY = days_ago(1)
WASTE_HEADER = "date,mess,floor,meal,total_kg,diners\n"


def meal_post(client, figures: dict, *, date=TODAY, meal="lunch", confirm=None, code="mess1"):
    """Posts the waste page of `meal` of `date` with `figures`: floor -> (kg, diners) as typed."""
    data = {"date": str(date), "meal": meal}
    for floor, (kg, diners) in figures.items():
        data[f"kg_{floor.pk}"], data[f"diners_{floor.pk}"] = kg, diners
    if confirm is not None:
        data["confirm"] = confirm
    return client.post(f"/mess/{code}/waste/", data)


def waste_post(client, floor, *, date=TODAY, meal="lunch", total_kg="12.50", diners="120"):
    """One floor's waste through the page, the other floors left empty."""
    return meal_post(client, {floor: (total_kg or "", diners or "")}, date=date, meal=meal)


def history() -> list[tuple]:
    """The waste history, oldest first, as (floor, date, meal, action, kg before, diners before, kg after, diners after)."""
    return [
        (c.floor_name, c.date, c.meal, c.action, c.kg_before, c.diners_before, c.kg_after, c.diners_after)
        for c in WasteChange.objects.order_by("changed_at", "id")
    ]


def d(kg: str) -> Decimal:
    return Decimal(kg)


# The page: every floor of a meal at once


@time_machine.travel(NOW, tick=False)
def test_it_records_every_floor_of_a_meal_in_one_save_and_keeps_the_date_and_meal(as_official, official, ground, first):
    response = meal_post(as_official, {ground: ("12.50", "120"), first: ("3", "")})

    assert response.status_code == 302
    assert response["Location"] == "/mess/mess1/waste/?date=2026-03-10&meal=lunch"
    records = {r.floor.name: (r.date, r.meal, r.total_kg, r.diners, r.recorded_by) for r in WasteRecord.objects.all()}
    assert records == {
        "Ground": (TODAY, "lunch", d("12.50"), 120, official),
        "First": (TODAY, "lunch", d("3.00"), None, official),
    }
    page = as_official.get(response["Location"])
    assert "Lunch of 10 Mar 2026: recorded 3.00 kg for First, 12.50 kg for Ground." in page.text
    form = page.context["form"]
    assert (form["date"].value(), form["meal"].value()) == (TODAY, "lunch")
    assert (form[f"kg_{ground.pk}"].value(), form[f"diners_{ground.pk}"].value(), form[f"kg_{first.pk}"].value()) == (
        d("12.50"),
        120,
        d("3"),
    )
    assert history() == [
        ("First", TODAY, "lunch", "recorded", None, None, d("3.00"), None),
        ("Ground", TODAY, "lunch", "recorded", None, None, d("12.50"), 120),
    ]
    assert WasteChange.objects.filter(changed_by=official).count() == 2


@time_machine.travel(NOW, tick=False)
def test_the_page_opens_at_today_and_the_latest_meal_served_with_every_floor(as_official, mess1):
    form = as_official.get("/mess/mess1/waste/").context["form"]
    assert (form["date"].value(), form["meal"].value()) == (TODAY, "lunch")
    assert [f.name for f in form.floors] == ["First", "Ground"]


@time_machine.travel(datetime.datetime(2026, 3, 10, 6, 30, tzinfo=IST), tick=False)
def test_before_breakfast_the_page_opens_at_yesterdays_dinner(as_official, mess1):
    form = as_official.get("/mess/mess1/waste/").context["form"]
    assert (form["date"].value(), form["meal"].value()) == (YESTERDAY, "dinner")


@time_machine.travel(NOW, tick=False)
def test_it_shows_the_figures_recorded_for_the_meal_picked(as_official, ground, first):
    waste(ground, YESTERDAY, "dinner", "4.25", diners=80)
    waste(first, YESTERDAY, "lunch", "9.00")

    page = as_official.get("/mess/mess1/waste/", {"date": str(YESTERDAY), "meal": "dinner"})

    form = page.context["form"]
    assert form[f"kg_{ground.pk}"].value() == d("4.25") and form[f"diners_{ground.pk}"].value() == 80
    assert form[f"kg_{first.pk}"].value() is None  # First's record is of lunch
    assert page.text.count("Delete</a>") == 1 + 2  # Ground's row, and the two recent records


@time_machine.travel(NOW, tick=False)
def test_saving_again_changes_the_record_keeps_before_and_after_and_says_so(as_official, official, ground, first):
    record = waste(ground, TODAY, "lunch", "4.00", diners=100)

    response = meal_post(as_official, {ground: ("6.00", ""), first: ("", "")})

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.total_kg, record.diners, record.recorded_by) == (d("6.00"), None, official)
    assert history() == [("Ground", TODAY, "lunch", "changed", d("4.00"), 100, d("6.00"), None)]
    assert "Lunch of 10 Mar 2026: Ground changed from 4.00 kg to 6.00 kg." in as_official.get(response["Location"]).text


@time_machine.travel(NOW, tick=False)
def test_saving_what_is_recorded_writes_no_history(as_official, ground, first):
    waste(ground, TODAY, "lunch", "4.00", diners=100)

    response = meal_post(as_official, {ground: ("4", "100"), first: ("", "")})

    assert response.status_code == 302
    assert history() == []
    assert "Lunch of 10 Mar 2026: nothing changed." in as_official.get(response["Location"]).text


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("figure", "message"),
    [
        (("-0.01", ""), "Waste cannot be negative."),
        (("1000.01", ""), "More than 1000 kg is not a plausible amount"),
        (("1.234", ""), "Ensure that there are no more than 2 decimal places."),
        (("lots", ""), "Enter a number."),
        (("1", "-1"), "The head count cannot be negative."),
        (("", "40"), "Give the kilograms too, or leave the head count empty."),
    ],
    ids=["negative", "absurd", "decimals", "not-a-number", "negative-diners", "diners-without-kg"],
)
def test_a_bad_figure_is_named_beside_its_floor_and_nothing_is_saved(as_official, ground, first, figure, message):
    response = meal_post(as_official, {ground: ("5.00", "100"), first: figure})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors.get(f"kg_{first.pk}", []) + errors.get(f"diners_{first.pk}", []))
    assert f"kg_{ground.pk}" not in errors
    assert message.replace("'", "&#x27;") in response.text
    assert not WasteRecord.objects.exists() and not WasteChange.objects.exists()  # Ground's good figure neither


@time_machine.travel(NOW, tick=False)
def test_an_empty_figure_does_not_remove_a_record(as_official, ground, first):
    waste(ground, TODAY, "lunch", "4.00")

    response = meal_post(as_official, {ground: ("", ""), first: ("2", "")})

    assert "An empty figure does not remove a record" in response.context["form"].errors[f"kg_{ground.pk}"][0]
    assert WasteRecord.objects.count() == 1 and not WasteChange.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_form_with_no_figure_says_so(as_official, ground, first):
    response = meal_post(as_official, {ground: ("", ""), first: ("", "")})
    assert response.context["form"].non_field_errors() == ["Give the waste of at least one floor, or what was cooked."]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("date", "meal", "field", "message"),
    [
        ("2026-03-11", "breakfast", "date", "The date is in the future: waste is recorded after the meal."),
        ("1999-12-31", "lunch", "date", "1999-12-31 is before 2000-01-01, the earliest date ManageIt records."),
        ("10/03/2026x", "lunch", "date", "Enter a valid date."),
        ("2026-03-10", "snacks", "meal", "Snacks of 2026-03-10 has not started yet (it starts at 17:00)"),
        ("2026-03-10", "brunch", "meal", "Select a valid choice."),
    ],
    ids=["future", "too-early", "not-a-date", "not-started", "meal"],
)
def test_it_refuses_a_meal_that_cannot_be_recorded_when_picked_and_when_posted(as_official, ground, date, meal, field, message):
    picked = as_official.get("/mess/mess1/waste/", {"date": date, "meal": meal})
    posted = meal_post(as_official, {ground: ("5", "")}, date=date, meal=meal)

    for response in (picked, posted):
        assert response.status_code == 200
        assert response.context["form"] is None
        assert any(message in e for e in response.context["pick"].errors[field])
        assert message.replace("'", "&#x27;") in response.text
    assert not WasteRecord.objects.exists()


def test_a_meal_can_be_recorded_from_the_minute_it_starts_in_local_time(as_official, ground):
    # Lunch starts at 12:00 in Kolkata, 06:30 UTC.
    with time_machine.travel(datetime.datetime(2026, 3, 10, 11, 59, tzinfo=IST), tick=False):
        assert meal_post(as_official, {ground: ("5", "")}).status_code == 200
        assert not WasteRecord.objects.exists()
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=IST), tick=False):
        assert meal_post(as_official, {ground: ("5", "")}).status_code == 302
    assert WasteRecord.objects.get().meal == "lunch"


def test_today_is_the_local_date(as_official, ground):
    # 00:30 in Kolkata is 19:00 UTC the day before: the 11th's breakfast has not started, the 10th's dinner is over.
    with time_machine.travel(datetime.datetime(2026, 3, 11, 0, 30, tzinfo=IST), tick=False):
        assert meal_post(as_official, {ground: ("5", "")}, date="2026-03-11", meal="breakfast").status_code == 200
        assert meal_post(as_official, {ground: ("5", "")}, date="2026-03-10", meal="dinner").status_code == 302
    assert list(WasteRecord.objects.values_list("date", "meal")) == [(TODAY, "dinner")]


@time_machine.travel(NOW, tick=False)
def test_it_refuses_a_floor_of_another_mess(as_official, ground, mess2):
    second = mess2.floors.get(name="Second")
    response = as_official.post("/mess/mess1/waste/", {"date": str(TODAY), "meal": "lunch", f"kg_{second.pk}": "5"})

    assert response.context["form"].non_field_errors() == ["Give the waste of at least one floor, or what was cooked."]
    assert not WasteRecord.objects.exists()


def test_a_post_without_its_csrf_token_is_refused(official, ground):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)

    assert waste_post(client, ground, date="2020-01-01").status_code == 403
    assert not WasteRecord.objects.exists()

    token = client.get("/mess/mess1/waste/").cookies["csrftoken"].value
    data = {"date": "2020-01-01", "meal": "lunch", f"kg_{ground.pk}": "1", "csrfmiddlewaretoken": token}
    assert client.post("/mess/mess1/waste/", data).status_code == 302
    assert WasteRecord.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_it_stores_and_shows_a_number_in_exponent_form_plainly(as_official, ground):
    response = waste_post(as_official, ground, total_kg="1e2", diners="100")

    assert WasteRecord.objects.get().total_kg == d("100.00")
    assert "recorded 100.00 kg for Ground" in as_official.get(response["Location"]).text


@time_machine.travel(NOW, tick=False)
def test_an_admin_records_any_messs_waste_on_the_same_page(as_admin, admin, mess2):
    second, third = mess2.floors.get(name="Second"), mess2.floors.get(name="Third")

    response = meal_post(as_admin, {second: ("2", ""), third: ("3", "")}, code="mess2")

    assert response["Location"] == "/mess/mess2/waste/?date=2026-03-10&meal=lunch"
    assert WasteRecord.objects.filter(floor__mess=mess2, recorded_by=admin).count() == 2


# Figures far outside a floor's usual range ask to be confirmed


def usual_lunches(floor, kgs, diners=None):
    for n, kg in enumerate(kgs, start=1):
        waste(floor, days_ago(n), "lunch", kg, diners=diners)


@time_machine.travel(NOW, tick=False)
def test_a_figure_over_three_times_the_floors_median_asks_to_be_confirmed(as_official, ground, first):
    usual_lunches(ground, ["4.00", "5.00", "3.00", "4.50", "4.00"])  # median 4.00
    waste(ground, days_ago(2), "dinner", "40.00")  # another meal: not part of lunch's median

    asked = meal_post(as_official, {ground: ("12.01", "100"), first: ("2", "")})

    assert asked.status_code == 200
    assert asked.context["unusual"] == {
        ground.pk: "12.01 kg is more than 3 times this floor's usual 4.00 kg (its median of the last 30 days)."
    }
    assert "These figures are right: save them" in asked.text
    assert not WasteRecord.objects.filter(date=TODAY).exists()  # First's usual figure waits too: one save

    confirmed = meal_post(as_official, {ground: ("12.01", "100"), first: ("2", "")}, confirm=asked.context["unusual_key"])
    assert confirmed.status_code == 302
    assert WasteRecord.objects.filter(date=TODAY).count() == 2


@time_machine.travel(NOW, tick=False)
def test_a_confirmation_is_of_the_figures_confirmed(as_official, ground):
    usual_lunches(ground, ["4.00"] * 5)
    asked = meal_post(as_official, {ground: ("13", "")})

    changed = meal_post(as_official, {ground: ("14", "")}, confirm=asked.context["unusual_key"])

    assert changed.status_code == 200 and list(changed.context["unusual"]) == [ground.pk]
    assert not WasteRecord.objects.filter(date=TODAY).exists()


@time_machine.travel(NOW, tick=False)
def test_three_times_the_median_itself_and_figures_already_recorded_ask_nothing(as_official, ground):
    usual_lunches(ground, ["4.00"] * 5)
    assert meal_post(as_official, {ground: ("12.00", "")}).status_code == 302
    WasteRecord.objects.filter(date=TODAY).update(total_kg=d("50"))  # unusual, but already recorded
    assert meal_post(as_official, {ground: ("50", "")}).status_code == 302


@time_machine.travel(NOW, tick=False)
def test_more_than_2_kg_per_diner_asks_to_be_confirmed(as_official, ground):
    asked = meal_post(as_official, {ground: ("41", "20")})

    assert asked.context["unusual"] == {ground.pk: "41.00 kg is more than 2 kg per diner (2.05 kg for each of 20)."}
    assert meal_post(as_official, {ground: ("40", "20")}).status_code == 302  # 2 kg each is not more


@time_machine.travel(NOW, tick=False)
def test_a_weight_for_0_diners_asks_to_be_confirmed(as_official, ground, first):
    asked = meal_post(as_official, {ground: ("0.01", "0"), first: ("3", "")})

    assert asked.context["unusual"] == {ground.pk: "0.01 kg is recorded for 0 diners."}
    assert not WasteRecord.objects.exists()
    assert meal_post(as_official, {ground: ("0.01", "0"), first: ("3", "")}, confirm=asked.context["unusual_key"]).status_code == 302
    assert WasteRecord.objects.get(floor=ground).diners == 0
    assert meal_post(as_official, {ground: ("0", "0")}, date=YESTERDAY).status_code == 302  # nothing for nobody asks nothing


@time_machine.travel(NOW, tick=False)
def test_with_too_few_records_or_old_ones_the_median_says_nothing(mess1, ground):
    usual_lunches(ground, ["1.00"] * 4)  # four in the last 30 days
    waste(ground, days_ago(31), "lunch", "1.00")  # outside the 30 days

    assert waste_unusual(mess=mess1, date=TODAY, meal="lunch", figures=[FloorWaste(floor=ground, total_kg=d("100"))]) == {}
    waste(ground, days_ago(30), "lunch", "1.00")  # the fifth within 30 days
    assert list(waste_unusual(mess=mess1, date=TODAY, meal="lunch", figures=[FloorWaste(floor=ground, total_kg=d("100"))])) == [ground.pk]


@time_machine.travel(NOW, tick=False)
def test_the_medians_of_every_floor_cost_one_query(mess1):
    floors = Floor.objects.bulk_create([Floor(mess=mess1, name=f"Floor {i}") for i in range(12)])
    for floor in floors:
        usual_lunches(floor, ["2.00"] * 6)
    figures = [FloorWaste(floor=f, total_kg=d("7")) for f in floors]

    with CaptureQueriesContext(connection) as queries:
        unusual = waste_unusual(mess=mess1, date=TODAY, meal="lunch", figures=figures)

    assert len(unusual) == 12 and len(queries) == 1


# The services


@time_machine.travel(NOW, tick=False)
def test_the_waste_service_refuses_what_the_form_would(mess1, mess2, ground, official):
    def save(**changes):
        args = {"mess": mess1, "floor": ground, "date": TODAY, "meal": "lunch", "total_kg": d("1"), "diners": None} | changes
        return waste_record_save(recorded_by=official, **args)

    for changes in [
        {"floor": mess2.floors.get(name="Second")},
        {"date": TODAY + datetime.timedelta(days=1)},
        {"meal": "snacks"},  # has not started
        {"meal": "brunch"},
        {"total_kg": d("-1")},
        {"total_kg": d("1000.01")},
        {"diners": -1},
    ]:
        with pytest.raises(ValueError):
            save(**changes)
    assert not WasteRecord.objects.exists() and not WasteChange.objects.exists()
    first, again, same = save(), save(total_kg=d("2")), save(total_kg=d("2"))
    assert (first.created, again.created, again.previous_kg, again.changed, same.changed) == (True, False, d("1.00"), True, False)
    assert [c[3] for c in history()] == ["recorded", "changed"]


@time_machine.travel(NOW, tick=False)
def test_the_waste_service_refuses_a_date_before_2000_and_stores_cents(mess1, ground, official):
    with pytest.raises(ValueError, match="0001-01-01 is before 2000-01-01"):
        waste_record_save(
            mess=mess1, floor=ground, date=datetime.date(1, 1, 1), meal="lunch", total_kg=d("1"), diners=None, recorded_by=official
        )
    with pytest.raises(ValueError, match="1.234 kg has more than two decimals"):
        waste_record_save(mess=mess1, floor=ground, date=TODAY, meal="lunch", total_kg=d("1.234"), diners=None, recorded_by=official)
    saved = waste_record_save(mess=mess1, floor=ground, date=TODAY, meal="lunch", total_kg=d("1E+2"), diners=None, recorded_by=official)
    assert str(saved.record.total_kg) == "100.00"


def test_the_meal_service_refuses_a_meal_before_it_starts_in_local_time(mess1, ground, official):
    def save():
        figures = [FloorWaste(floor=ground, total_kg=d("1"))]
        return waste_meal_save(mess=mess1, date=TODAY, meal="dinner", figures=figures, recorded_by=official)

    with time_machine.travel(datetime.datetime(2026, 3, 10, 18, 59, 59, tzinfo=IST), tick=False):
        with pytest.raises(ValueError, match="Dinner of 2026-03-10 has not started yet"):
            save()
    with time_machine.travel(datetime.datetime(2026, 3, 10, 19, 0, tzinfo=IST), tick=False):
        assert save().recorded == [("Ground", d("1.00"))]


@time_machine.travel(NOW, tick=False)
def test_a_meals_save_is_all_or_nothing(mess1, mess2, ground, first, official, monkeypatch):
    good = [FloorWaste(floor=ground, total_kg=d("1")), FloorWaste(floor=first, total_kg=d("2"))]
    for bad in ([FloorWaste(floor=mess2.floors.get(name="Second"), total_kg=d("1"))], [FloorWaste(floor=ground, total_kg=d("3"))]):
        with pytest.raises(ValueError, match="not a floor of mess1|given twice"):
            waste_meal_save(mess=mess1, date=TODAY, meal="lunch", figures=good + bad, recorded_by=official)
    assert not WasteRecord.objects.exists()

    # A failure while writing (here, the history) undoes the records written before it.
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(WasteChange.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        waste_meal_save(mess=mess1, date=TODAY, meal="lunch", figures=good, recorded_by=official)
    assert not WasteRecord.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_meals_save_costs_the_same_queries_for_2_floors_as_for_20(mess1, official):
    def cost(floors: int, prefix: str, kg: str) -> int:
        new = Floor.objects.bulk_create([Floor(mess=mess1, name=f"{prefix}{i}") for i in range(floors)])
        figures = [FloorWaste(floor=f, total_kg=d(kg), diners=90) for f in new]
        with CaptureQueriesContext(connection) as queries:
            waste_meal_save(mess=mess1, date=YESTERDAY, meal="lunch", figures=figures, recorded_by=official)
        # and once more, half of them changed
        changed = [FloorWaste(floor=f.floor, total_kg=f.total_kg + (i % 2), diners=90) for i, f in enumerate(figures)]
        with CaptureQueriesContext(connection) as again:
            waste_meal_save(mess=mess1, date=YESTERDAY, meal="lunch", figures=changed, recorded_by=official)
        return len(queries), len(again)

    assert cost(2, "A", "1") == cost(20, "B", "2")
    assert WasteChange.objects.count() == 22 + 11


# Deleting a wrong record


@time_machine.travel(NOW, tick=False)
def test_an_official_deletes_a_record_after_confirming_and_the_days_totals_follow(as_official, official, mess1, ground, first):
    wrong = waste(ground, YESTERDAY, "dinner", "40.00", diners=100)
    waste(first, YESTERDAY, "dinner", "3.00")
    day_totals_refresh()
    assert DayTotals.objects.get(mess=mess1, date=YESTERDAY).waste_kg == d("43.00")

    asked = as_official.get(f"/mess/mess1/waste/{wrong.pk}/delete/")
    assert asked.status_code == 200 and "Delete this waste record?" in asked.text and "40.00 kg, 100 diners" in asked.text
    assert WasteRecord.objects.filter(pk=wrong.pk).exists()  # asking deletes nothing

    response = as_official.post(f"/mess/mess1/waste/{wrong.pk}/delete/")

    assert response["Location"] == f"/mess/mess1/waste/?date={YESTERDAY}&meal=dinner"
    assert not WasteRecord.objects.filter(pk=wrong.pk).exists()
    assert DayTotals.objects.get(mess=mess1, date=YESTERDAY).waste_kg == d("3.00")
    assert history() == [("Ground", YESTERDAY, "dinner", "deleted", d("40.00"), 100, None, None)]
    assert WasteChange.objects.get().changed_by == official
    assert "Deleted the waste of Ground, dinner of 09 Mar 2026 (40.00 kg)." in as_official.get(response["Location"]).text


@time_machine.travel(NOW, tick=False)
def test_a_record_of_another_mess_cannot_be_deleted_through_this_one(client, official, admin, mess1, mess2):
    other = waste(mess2.floors.get(name="Second"), YESTERDAY, "lunch", "5.00")

    client.force_login(official)
    assert client.get(f"/mess/mess1/waste/{other.pk}/delete/").status_code == 404
    assert client.post(f"/mess/mess1/waste/{other.pk}/delete/").status_code == 404
    assert client.post(f"/mess/mess2/waste/{other.pk}/delete/").status_code == 404  # not their mess
    client.force_login(admin)
    assert client.post(f"/mess/mess1/waste/{other.pk}/delete/").status_code == 404  # not a record of mess1
    assert WasteRecord.objects.filter(pk=other.pk).exists()
    with pytest.raises(WasteRecord.DoesNotExist):
        waste_record_delete(mess=mess1, record_id=other.pk, deleted_by=admin)
    assert not WasteChange.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_record_deleted_twice_is_404_the_second_time(as_official, ground):
    record = waste(ground, YESTERDAY, "lunch", "5.00")
    assert as_official.post(f"/mess/mess1/waste/{record.pk}/delete/").status_code == 302
    assert as_official.post(f"/mess/mess1/waste/{record.pk}/delete/").status_code == 404
    assert WasteChange.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_deleting_many_records_costs_the_same_queries_as_deleting_one(mess1, official):
    floors = Floor.objects.bulk_create([Floor(mess=mess1, name=f"Floor {i}") for i in range(30)])
    for floor in floors:
        waste(floor, YESTERDAY, "lunch", "1.00")

    with CaptureQueriesContext(connection) as one:
        waste_records_delete(records=WasteRecord.objects.filter(floor=floors[0]), deleted_by=official)
    with CaptureQueriesContext(connection) as many:
        waste_records_delete(records=WasteRecord.objects.all(), deleted_by=official)

    assert len(one) == len(many) and WasteChange.objects.count() == 30 and not WasteRecord.objects.exists()


# The history: admins read it


@time_machine.travel(NOW, tick=False)
def test_admins_read_the_history_on_a_page(as_admin, official, ground):
    waste_record_save(mess=ground.mess, floor=ground, date=TODAY, meal="lunch", total_kg=d("4"), diners=None, recorded_by=official)
    waste_record_save(mess=ground.mess, floor=ground, date=TODAY, meal="lunch", total_kg=d("5"), diners=90, recorded_by=official)

    page = as_admin.get("/mess/mess1/waste/history/")

    rows = [(c.action, c.kg_before, c.kg_after, c.changed_by) for c in page.context["page"].object_list]
    assert rows == [("changed", d("4.00"), d("5.00"), official), ("recorded", None, d("4.00"), official)]
    assert "olga" in page.text and "5.00 kg, 90" in page.text
    assert as_admin.get("/mess/mess1/waste/").text.count("History of changes") == 1


def test_the_history_page_costs_the_same_queries_however_long_the_history(as_admin, mess1, ground, official):
    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_admin.get("/mess/mess1/waste/history/").status_code == 200
        return len(queries)

    WasteChange.objects.create(
        mess=mess1, floor=ground, floor_name="Ground", date=TODAY, meal="lunch", action="recorded", changed_by=official
    )
    few = cost()
    WasteChange.objects.bulk_create(
        WasteChange(mess=mess1, floor=ground, floor_name="Ground", date=TODAY, meal="lunch", action="changed", changed_by=official)
        for _ in range(120)
    )
    assert cost() == few


@time_machine.travel(NOW, tick=False)
def test_the_waste_page_costs_the_same_queries_for_2_floors_as_for_14(as_official, mess1, ground, first):
    def cost() -> tuple[int, int, int]:
        floors = list(Floor.objects.filter(mess=mess1))
        usual = {f: ("2", "") for f in floors}
        with CaptureQueriesContext(connection) as shown:
            as_official.get("/mess/mess1/waste/")
        with CaptureQueriesContext(connection) as saved:
            assert meal_post(as_official, usual, date=YESTERDAY).status_code == 302
        with CaptureQueriesContext(connection) as asked:
            assert meal_post(as_official, {f: ("900", "") for f in floors}, date=YESTERDAY).status_code == 200
        return len(shown), len(saved), len(asked)

    for n in range(1, 6):  # a median for the figures to be compared with
        waste(ground, days_ago(n + 1), "lunch", "2.00")
    few = cost()
    Floor.objects.bulk_create([Floor(mess=mess1, name=f"Floor {i}") for i in range(12)])
    assert cost() == few


# Django admin's edits and deletions are in the history too


@time_machine.travel(NOW, tick=False)
def test_an_admins_edits_and_deletions_in_django_admin_are_in_the_history(as_admin, admin, ground, first):
    record = waste(ground, YESTERDAY, "lunch", "4.00", diners=100)
    url = reverse("admin:mess_wasterecord_change", args=[record.pk])
    form = {"floor": ground.pk, "date": str(YESTERDAY), "meal": "lunch", "total_kg": "4.50", "diners": "100"}

    assert as_admin.post(url, form).status_code == 302
    assert as_admin.post(url, form | {"total_kg": "4.5"}).status_code == 302  # saved unchanged
    assert as_admin.post(url, form | {"floor": first.pk}).status_code == 302  # moved to another floor
    added = as_admin.post(reverse("admin:mess_wasterecord_add"), form | {"total_kg": "1", "diners": ""})
    assert added.status_code == 302
    added_pk = WasteRecord.objects.get(floor=ground).pk
    assert as_admin.post(reverse("admin:mess_wasterecord_delete", args=[added_pk]), {"post": "yes"}).status_code == 302
    moved = WasteRecord.objects.get(floor=first)  # a record moved is deleted where it was and recorded anew
    action = {"action": "delete_selected", "_selected_action": [moved.pk], "post": "yes"}
    assert as_admin.post(reverse("admin:mess_wasterecord_changelist"), action).status_code == 302

    assert history() == [
        ("Ground", YESTERDAY, "lunch", "changed", d("4.00"), 100, d("4.50"), 100),
        ("Ground", YESTERDAY, "lunch", "deleted", d("4.50"), 100, None, None),
        ("First", YESTERDAY, "lunch", "recorded", None, None, d("4.50"), 100),
        ("Ground", YESTERDAY, "lunch", "recorded", None, None, d("1.00"), None),
        ("Ground", YESTERDAY, "lunch", "deleted", d("1.00"), None, None, None),
        ("First", YESTERDAY, "lunch", "deleted", d("4.50"), 100, None, None),
    ]
    assert set(WasteChange.objects.values_list("changed_by", flat=True)) == {admin.pk}
    assert not WasteRecord.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_django_admin_refuses_a_meal_that_has_not_started(as_admin, ground):
    response = as_admin.post(
        reverse("admin:mess_wasterecord_add"), {"floor": ground.pk, "date": str(TODAY), "meal": "dinner", "total_kg": "1", "diners": ""}
    )
    assert "Dinner of 2026-03-10 has not started yet (it starts at 19:00)" in response.text  # waste_meal_check's words
    assert not WasteRecord.objects.exists()


def test_admins_read_the_history_in_django_admin_and_cannot_write_it(as_admin, mess1, mess2, ground):
    WasteChange.objects.create(mess=mess1, floor=ground, floor_name="Ground", date=TODAY, meal="lunch", action="recorded")
    WasteChange.objects.create(mess=mess2, floor_name="Second", date=TODAY, meal="lunch", action="deleted")
    change = WasteChange.objects.get(mess=mess1)

    listed = as_admin.get(reverse("admin:mess_wastechange_changelist"), {"mess__id__exact": mess1.pk})
    assert [c.floor_name for c in listed.context["cl"].result_list] == ["Ground"]
    assert as_admin.get(reverse("admin:mess_wastechange_changelist"), {"date": str(TODAY)}).status_code == 200
    assert as_admin.get(reverse("admin:mess_wastechange_change", args=[change.pk])).status_code == 200  # read
    assert as_admin.get(reverse("admin:mess_wastechange_add")).status_code == 403
    assert as_admin.post(reverse("admin:mess_wastechange_change", args=[change.pk]), {"floor_name": "X"}).status_code == 403
    assert as_admin.post(reverse("admin:mess_wastechange_delete", args=[change.pk]), {"post": "yes"}).status_code == 403
    assert WasteChange.objects.count() == 2


# Imports


def import_text(text: str, **kwargs):
    return waste_import(file=io.StringIO(text), **kwargs)


def test_an_import_refuses_a_meal_that_has_not_started_with_its_line_and_writes_nothing(mess1, ground):
    rows = WASTE_HEADER + "2026-03-10,mess1,Ground,breakfast,1,\n2026-03-10,mess1,Ground,lunch,2,\n2026-03-09,mess1,Ground,dinner,3,\n"
    with time_machine.travel(datetime.datetime(2026, 3, 10, 11, 59, tzinfo=IST), tick=False):
        with pytest.raises(ImportRejected) as rejected:
            import_text(rows)
    assert rejected.value.errors == [
        "line 3: lunch of 2026-03-10 has not started yet (it starts at 12:00): waste is recorded after the meal"
    ]
    assert not WasteRecord.objects.exists()
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=IST), tick=False):
        assert import_text(rows).new == 3


@time_machine.travel(NOW, tick=False)
def test_an_import_keeps_its_changes_of_stored_records_in_the_history_and_new_records_need_none(mess1, ground, first, official):
    waste(ground, YESTERDAY, "lunch", "4.00", diners=100)
    waste(first, YESTERDAY, "lunch", "2.00")
    rows = (
        WASTE_HEADER + f"{YESTERDAY},mess1,Ground,lunch,4.50,100\n"  # changed
        f"{YESTERDAY},mess1,First,lunch,2.00,\n"  # unchanged
        f"{YESTERDAY},mess1,First,dinner,7.00,80\n"  # new
    )

    result = import_text(rows, recorded_by=official)

    assert (result.new, result.updated, result.unchanged) == (1, 1, 1)
    assert history() == [("Ground", YESTERDAY, "lunch", "changed", d("4.00"), 100, d("4.50"), 100)]
    assert WasteChange.objects.get().changed_by == official
    import_text(WASTE_HEADER + f"{YESTERDAY},mess1,First,breakfast,1.00,\n")  # new records only
    assert WasteChange.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_record_another_official_created_meanwhile_is_changed_not_duplicated(mess1, ground, official, monkeypatch):
    waste(ground, TODAY, "lunch", "4.00")  # saved by another official after this save read the records
    real = WasteRecord.objects.select_for_update
    reads = []

    def read_before_the_other_save(*args, **kwargs):
        reads.append(1)
        return WasteRecord.objects.none() if len(reads) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(WasteRecord.objects, "select_for_update", read_before_the_other_save)

    saved = waste_meal_save(mess=mess1, date=TODAY, meal="lunch", figures=[FloorWaste(floor=ground, total_kg=d("6"))], recorded_by=official)

    assert len(reads) == 2 and saved.changed == [("Ground", d("4.00"), d("6.00"))]
    assert list(WasteRecord.objects.values_list("total_kg", flat=True)) == [d("6.00")]
    assert history() == [("Ground", TODAY, "lunch", "changed", d("4.00"), None, d("6.00"), None)]
