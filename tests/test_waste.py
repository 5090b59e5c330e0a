"""Food waste: the waste page (every floor of a meal in one form), what it accepts, what it refuses
(meals that have not started yet among them), and the figures that ask to be confirmed."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mess.models import Floor, WasteChange, WasteRecord
from mess.unusual_waste import waste_unusual
from mess.waste import FloorWaste
from tests.factories import IST, NOW, TODAY, days_ago, waste
from tests.waste_rows import YESTERDAY, d, history, meal_post, waste_post

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
    assert "Lunch of Tue 10 Mar 2026: recorded 3.00 kg for First, 12.50 kg (120 diners) for Ground." in page.text
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
    assert (
        "Lunch of Tue 10 Mar 2026: Ground changed from 4.00 kg to 6.00 kg, head count 100 cleared."
        in as_official.get(response["Location"]).text
    )


@time_machine.travel(NOW, tick=False)
def test_saving_what_is_recorded_writes_no_history(as_official, ground, first):
    waste(ground, TODAY, "lunch", "4.00", diners=100)

    response = meal_post(as_official, {ground: ("4", "100"), first: ("", "")})

    assert response.status_code == 302
    assert history() == []
    assert "Lunch of Tue 10 Mar 2026: nothing changed." in as_official.get(response["Location"]).text


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
        ("2026-03-10", "snacks", "meal", "Snacks of Tue 10 Mar 2026 has not started yet (it starts at 17:00)"),
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
    assert "recorded 100.00 kg (100 diners) for Ground" in as_official.get(response["Location"]).text


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

    assert len(unusual) == 12 and len(queries) == 2  # the medians, and the mess's students
