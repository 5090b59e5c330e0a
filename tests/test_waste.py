"""Food waste: the officials' waste form and the service behind it, what they accept, what they refuse,
and that a post needs its CSRF token."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from mess.models import WasteRecord
from mess.waste import waste_record_save
from tests.factories import IST, NOW, TODAY, waste


def waste_post(client, floor, **fields):
    data = {"floor": floor.pk, "date": TODAY.isoformat(), "meal": "lunch", "total_kg": "12.50", "diners": "120"} | fields
    return client.post("/mess/mess1/waste/", {k: v for k, v in data.items() if v is not None})


@time_machine.travel(NOW, tick=False)
def test_it_records_waste(as_official, official, ground):
    response = waste_post(as_official, ground)

    assert response.status_code == 302 and response["Location"] == "/mess/mess1/waste/"
    record = WasteRecord.objects.get()
    assert (record.floor, record.date, record.meal, record.total_kg, record.diners, record.recorded_by) == (
        ground,
        TODAY,
        "lunch",
        Decimal("12.50"),
        120,
        official,
    )
    page = as_official.get("/mess/mess1/waste/").text
    assert "Recorded 12.50 kg for Ground, lunch of 10 Mar 2026." in page


@time_machine.travel(NOW, tick=False)
def test_the_form_starts_at_today_and_the_latest_meal_served(as_official, mess1):
    form = as_official.get("/mess/mess1/waste/").context["form"]
    assert (form["date"].value(), form["meal"].value()) == (TODAY, "lunch")
    assert [f.name for f in form.fields["floor"].queryset] == ["First", "Ground"]


@time_machine.travel(NOW, tick=False)
def test_saving_the_same_floor_date_and_meal_updates_the_record_and_says_so(as_official, ground):
    waste(ground, TODAY, "lunch", "4.00")

    response = waste_post(as_official, ground, total_kg="6.00", diners="")

    assert response.status_code == 302
    record = WasteRecord.objects.get()
    assert (record.total_kg, record.diners) == (Decimal("6.00"), None)
    page = as_official.get("/mess/mess1/waste/").text
    assert "Updated the existing record for Ground, lunch of 10 Mar 2026: 4.00 kg is now 6.00 kg" in page


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"date": "2026-03-11"}, "date", "The date is in the future"),
        ({"date": "1999-12-31"}, "date", "1999-12-31 is before 2000-01-01, the earliest date ManageIt records."),
        ({"date": "10/03/2026x"}, "date", "Enter a valid date."),
        ({"total_kg": "-0.01"}, "total_kg", "Waste cannot be negative."),
        ({"total_kg": "1000.01"}, "total_kg", "More than 1000 kg is not a plausible amount"),
        ({"total_kg": "1.234"}, "total_kg", "Ensure that there are no more than 2 decimal places."),
        ({"total_kg": "lots"}, "total_kg", "Enter a number."),
        ({"total_kg": None}, "total_kg", "This field is required."),
        ({"diners": "-1"}, "diners", "The head count cannot be negative."),
        ({"meal": "brunch"}, "meal", "Select a valid choice."),
    ],
    ids=["future", "too-early", "not-a-date", "negative", "absurd", "decimals", "not-a-number", "missing", "negative-diners", "meal"],
)
def test_it_refuses_bad_waste(as_official, ground, fields, field, message):
    response = waste_post(as_official, ground, **fields)

    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert message.replace("'", "&#x27;") in response.text
    assert not WasteRecord.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_it_takes_up_to_1000_kg_and_today(as_official, ground):
    assert waste_post(as_official, ground, total_kg="1000", diners="0").status_code == 302
    assert WasteRecord.objects.get().total_kg == Decimal("1000.00")


@time_machine.travel(NOW, tick=False)
def test_it_refuses_a_floor_of_another_mess(as_official, mess2):
    response = waste_post(as_official, mess2.floors.get(name="Second"))

    assert response.context["form"].errors["floor"] == ["Choose one of this mess's floors."]
    assert not WasteRecord.objects.exists()


@time_machine.travel(datetime.datetime(2026, 3, 10, 23, 59, tzinfo=IST), tick=False)
def test_today_is_the_local_date(as_official, ground):
    # 23:59 in Kolkata is 18:29 UTC on the same day; 00:30 would be the day before in UTC.
    assert waste_post(as_official, ground).status_code == 302
    with time_machine.travel(datetime.datetime(2026, 3, 11, 0, 30, tzinfo=IST), tick=False):
        assert waste_post(as_official, ground, date="2026-03-11").status_code == 302
    assert sorted(WasteRecord.objects.values_list("date", flat=True)) == [TODAY, datetime.date(2026, 3, 11)]


@time_machine.travel(NOW, tick=False)
def test_the_waste_service_refuses_what_the_form_would(mess1, mess2, ground, official):
    def save(**changes):
        args = {"mess": mess1, "floor": ground, "date": TODAY, "meal": "lunch", "total_kg": Decimal("1"), "diners": None} | changes
        return waste_record_save(recorded_by=official, **args)

    for changes in [
        {"floor": mess2.floors.get(name="Second")},
        {"date": TODAY + datetime.timedelta(days=1)},
        {"meal": "brunch"},
        {"total_kg": Decimal("-1")},
        {"total_kg": Decimal("1000.01")},
        {"diners": -1},
    ]:
        with pytest.raises(ValueError):
            save(**changes)
    assert not WasteRecord.objects.exists()
    first, again = save(), save(total_kg=Decimal("2"))
    assert (first.created, again.created, again.previous_kg, WasteRecord.objects.count()) == (True, False, Decimal("1.00"), 1)


def test_a_post_without_its_csrf_token_is_refused(official, ground):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)

    assert waste_post(client, ground).status_code == 403
    assert not WasteRecord.objects.exists()

    token = client.get("/mess/mess1/waste/").cookies["csrftoken"].value
    data = {"floor": ground.pk, "date": "2020-01-01", "meal": "lunch", "total_kg": "1", "csrfmiddlewaretoken": token}
    assert client.post("/mess/mess1/waste/", data).status_code == 302
    assert WasteRecord.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_it_stores_and_shows_a_number_in_exponent_form_plainly(as_official, ground):
    response = waste_post(as_official, ground, total_kg="1e2")

    assert WasteRecord.objects.get().total_kg == Decimal("100.00")
    assert "Recorded 100.00 kg for Ground" in as_official.get(response["Location"]).text


@time_machine.travel(NOW, tick=False)
def test_the_waste_service_refuses_a_date_before_2000_and_stores_cents(mess1, ground, official):
    with pytest.raises(ValueError, match="0001-01-01 is before 2000-01-01"):
        waste_record_save(
            mess=mess1, floor=ground, date=datetime.date(1, 1, 1), meal="lunch", total_kg=Decimal("1"), diners=None, recorded_by=official
        )
    with pytest.raises(ValueError, match="1.234 kg has more than two decimals"):
        waste_record_save(mess=mess1, floor=ground, date=TODAY, meal="lunch", total_kg=Decimal("1.234"), diners=None, recorded_by=official)
    saved = waste_record_save(
        mess=mess1, floor=ground, date=TODAY, meal="lunch", total_kg=Decimal("1E+2"), diners=None, recorded_by=official
    )
    assert str(saved.record.total_kg) == "100.00"
