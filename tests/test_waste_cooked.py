"""What a mess cooked for a meal, on the waste page: one optional figure a meal (not a floor's), saved
with the floors' waste in the same save, all or nothing, and checked like them."""

from decimal import Decimal

import pytest
import time_machine

from mess.models import CookedFood, WasteRecord
from mess.waste import Cooked, FloorWaste, meal_cooked_save, waste_meal_save
from tests.factories import NOW, TODAY, days_ago

travel = time_machine.travel(NOW, tick=False)  # Tuesday 10 March, 13:00: lunch has started, dinner not


def cooked() -> list[tuple]:
    return list(CookedFood.objects.values_list("mess__code", "date", "meal", "kg", "recorded_by__username"))


def post(client, floors: dict, cooked_kg: str | None, *, date=TODAY, meal="lunch"):
    """The waste page of `meal` of `date` posted with `floors` (floor -> (kg, diners)) and, unless
    None, the cooked field as typed."""
    data = {"date": str(date), "meal": meal}
    for floor, (kg, diners) in floors.items():
        data[f"kg_{floor.pk}"], data[f"diners_{floor.pk}"] = kg, diners
    if cooked_kg is not None:
        data["cooked_kg"] = cooked_kg
    return client.post("/mess/mess1/waste/", data)


@travel
def test_an_official_records_what_was_cooked_with_the_floors_in_one_save(as_official, ground):
    response = post(as_official, {ground: ("12.5", "100")}, "120", date=TODAY, meal="lunch")

    assert response.status_code == 302
    assert cooked() == [("mess1", TODAY, "lunch", Decimal("120.00"), "olga")]
    assert WasteRecord.objects.get().total_kg == Decimal("12.50")
    page = as_official.get(response["Location"])
    assert [str(m) for m in page.context["messages"]] == [
        "Lunch of Tue 10 Mar 2026: recorded 12.50 kg (100 diners) for Ground; cooked 120.00 kg."
    ]
    box = page.text.split('id="cooked"')[1].split("</div>")[0]
    assert 'value="120.00"' in box and "Recorded: 120.00 kg, by olga" in box


@travel
def test_what_was_cooked_is_changed_alone_and_removed_when_emptied(as_official, official, mess1, ground):
    meal_cooked_save(mess=mess1, date=days_ago(1), meal="dinner", kg=Decimal("95"), recorded_by=official)

    changed = post(as_official, {}, "101.5", date=days_ago(1), meal="dinner")
    assert cooked() == [("mess1", days_ago(1), "dinner", Decimal("101.50"), "olga")]
    removed = post(as_official, {}, "", date=days_ago(1), meal="dinner")

    assert not CookedFood.objects.exists() and not WasteRecord.objects.exists()
    messages = [str(m) for r in (changed, removed) for m in as_official.get(r["Location"]).context["messages"]]
    assert messages == [
        "Dinner of Mon 9 Mar 2026: cooked changed from 95.00 kg to 101.50 kg.",
        "Dinner of Mon 9 Mar 2026: what was cooked (101.50 kg) removed.",
    ]


@travel
def test_a_form_without_the_cooked_field_leaves_it_as_it_is(as_official, official, mess1, ground):
    meal_cooked_save(mess=mess1, date=TODAY, meal="lunch", kg=Decimal("80"), recorded_by=official)

    assert post(as_official, {ground: ("4", "")}, None).status_code == 302
    assert cooked() == [("mess1", TODAY, "lunch", Decimal("80.00"), "olga")]
    empty = post(as_official, {}, "80.00")  # the same figure and no floor: nothing to save
    assert empty.context["form"].non_field_errors() == ["Give the waste of at least one floor, or what was cooked."]


@travel
@pytest.mark.parametrize(
    ("figure", "message"),
    [
        ("-1", "What was cooked cannot be negative."),
        ("10000.01", "More than 10000 kg is not plausible."),
        ("12.345", "Ensure that there are no more than 2 decimal places."),
        ("lots", "Enter a number."),
    ],
)
def test_a_bad_cooked_figure_is_said_beside_it_and_nothing_of_the_meal_is_saved(as_official, ground, figure, message):
    response = post(as_official, {ground: ("4", "")}, figure)

    assert response.status_code == 200
    assert response.context["form"].errors["cooked_kg"] == [message]
    assert message.replace("'", "&#x27;") in response.text.split('id="cooked"')[1].split("</div>")[0]
    assert not WasteRecord.objects.exists() and not CookedFood.objects.exists()


@travel
def test_the_service_checks_what_was_cooked_as_it_checks_the_floors(mess1, official):
    with pytest.raises(ValueError, match="Dinner of Tue 10 Mar 2026 has not started yet"):
        meal_cooked_save(mess=mess1, date=TODAY, meal="dinner", kg=Decimal("90"), recorded_by=official)
    with pytest.raises(ValueError, match="Cooked: 10000.5 kg is not between 0 and 10000 kg"):
        meal_cooked_save(mess=mess1, date=TODAY, meal="lunch", kg=Decimal("10000.5"), recorded_by=official)
    with pytest.raises(ValueError, match="Cooked: 1.005 kg has more than two decimals"):
        meal_cooked_save(mess=mess1, date=TODAY, meal="lunch", kg=Decimal("1.005"), recorded_by=official)
    assert meal_cooked_save(mess=mess1, date=TODAY, meal="lunch", kg=Decimal("1E2"), recorded_by=official) == (None, Decimal("100.00"))
    assert meal_cooked_save(mess=mess1, date=TODAY, meal="lunch", kg=Decimal("100"), recorded_by=official) is None  # as it is
    assert meal_cooked_save(mess=mess1, date=TODAY, meal="lunch", kg=None, recorded_by=official) == (Decimal("100.00"), None)
    assert meal_cooked_save(mess=mess1, date=TODAY, meal="lunch", kg=None, recorded_by=official) is None
    assert not CookedFood.objects.exists()


@travel
def test_the_floors_and_what_was_cooked_are_saved_all_or_nothing(mess1, ground, official, monkeypatch):
    floors = [FloorWaste(floor=ground, total_kg=Decimal("3"))]
    with pytest.raises(ValueError, match="not between 0 and 10000 kg"):
        waste_meal_save(mess=mess1, date=TODAY, meal="lunch", figures=floors, recorded_by=official, cooked=Cooked(Decimal("20000")))
    assert not WasteRecord.objects.exists()

    def scale_broke(**kwargs):
        raise ValueError("The kitchen's scale is being calibrated.")

    monkeypatch.setattr("mess.waste.meal_cooked_save", scale_broke)
    with pytest.raises(ValueError, match="calibrated"):
        waste_meal_save(mess=mess1, date=TODAY, meal="lunch", figures=floors, recorded_by=official, cooked=Cooked(Decimal("50")))
    assert not WasteRecord.objects.exists()
    assert (
        waste_meal_save(mess=mess1, date=TODAY, meal="lunch", figures=floors, recorded_by=official).cooked is None
    )  # no figure: not asked
