"""The admins' overview of hundreds of messes: paged 50 to a page, sorted by any figure both ways
in the database, searched by name or code, kept to the messes with open alerts, with the totals and
the CSV file of the whole selection, and the same few queries however many messes and days."""

import csv
import datetime
import io
import random
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mess.closures import closure_save
from mess.meals import meal_window_update
from mess.messes import floors_save
from mess.missing_waste import waste_gaps
from mess.models import Closure, DayTotals, Feedback, Floor, Mess, WasteRecord
from mess.overview import day_totals_refresh, messes_overview
from tests.factories import NOW, TODAY, alert, days_ago, feedback, waste

travel = time_machine.travel(NOW, tick=False)  # 13:00: breakfast is over today, lunch is not


def codes(response) -> list[str]:
    return [row["mess"].code for row in response.context["rows"]]


@pytest.fixture
def four(db):
    """Four messes whose figures sort each column in another order; dlt has no waste or rating.
    amber: 100 g per diner, ₹1000, rated 2, 3 alerts, 1 floor; basil: 300 g, no food cost, rated 5,
    1 alert, 3 floors; cedar: 200 g, ₹200, rated 4, no alert, 2 floors; dlt: 2 alerts, no floor."""
    specs = [
        ("amber", "Amber Hall", "100", 1, "10.00", 2, 3),
        ("basil", "Basil House", None, 3, "30.00", 5, 1),
        ("cedar", "Cedar Court", "10", 2, "20.00", 4, 0),
        ("dlt", "Delta Mess", None, 0, None, None, 2),
    ]
    for code, name, cost, floors, kg, rating, alerts in specs:
        mess = Mess.objects.create(code=code, name=name, food_cost_per_kg=cost and Decimal(cost))
        Floor.objects.bulk_create([Floor(mess=mess, name=f"Floor {n}") for n in range(floors)])
        if kg:
            waste(mess.floors.first(), TODAY, "lunch", kg, diners=100)
        if rating:
            feedback(mess, days_ago(1), "lunch", rating)
        for n in range(alerts):
            alert(mess, f"Floor {n}")
    alert(Mess.objects.get(code="cedar"), "Floor 0", resolved=True)  # not open
    return specs


ORDERS = {
    "name": ["amber", "basil", "cedar", "dlt"],
    "-name": ["dlt", "cedar", "basil", "amber"],
    "waste": ["amber", "cedar", "basil", "dlt"],
    "-waste": ["basil", "cedar", "amber", "dlt"],  # the messes without the figure last either way
    "value": ["cedar", "amber", "basil", "dlt"],
    "-value": ["amber", "cedar", "basil", "dlt"],
    "rating": ["amber", "cedar", "basil", "dlt"],
    "-rating": ["basil", "cedar", "amber", "dlt"],
    "alerts": ["cedar", "basil", "dlt", "amber"],
    "-alerts": ["amber", "dlt", "basil", "cedar"],
    "missing": ["dlt", "amber", "cedar", "basil"],
    "-missing": ["basil", "cedar", "amber", "dlt"],
}


@travel
@pytest.mark.parametrize("sort", ORDERS)
def test_it_sorts_by_each_column_both_ways(as_admin, four, sort):
    response = as_admin.get("/overview/", {"sort": sort})
    assert codes(response) == ORDERS[sort]
    key, way = sort.removeprefix("-"), "descending" if sort.startswith("-") else "ascending"
    # the heading of the column sorted says which way, and a click on it sorts the other way
    other = key if sort.startswith("-") else f"-{key}"
    assert f'aria-sort="{way}"><a href="?sort={other}">' in response.text
    assert response.text.count('aria-sort="none"') == 5


@travel
def test_its_figures_are_those_of_each_mess(as_admin, four):
    rows = {row["mess"].code: row for row in as_admin.get("/overview/").context["rows"]}
    amber, basil = rows["amber"], rows["basil"]
    assert (amber["grams_per_diner"], amber["valued"].inr, amber["average_rating"], amber["open_alerts"]) == (100, Decimal("1000.00"), 2, 3)
    assert (basil["grams_per_diner"], basil["valued"].inr, basil["feedback_count"], basil["open_alerts"]) == (300, None, 1, 1)
    # 3 floors, every meal of the 6 days before and breakfast today over, one record (lunch today, not over)
    assert basil["missing_records"] == 3 * (6 * 4 + 1)
    assert rows["dlt"]["waste_kg"] is None and rows["dlt"]["missing_records"] == 0


@travel
def test_the_missing_records_are_those_the_dashboard_lists_with_closed_days_left_out(mess1, ground, first):
    waste(ground, days_ago(1), "lunch", "4.00")
    waste(first, days_ago(3), "dinner", "4.00")  # on a closed day
    waste(ground, TODAY, "breakfast", "1.00")
    Closure.objects.create(mess=mess1, first_day=days_ago(4), last_day=days_ago(3))
    gaps = sum(len(gap["floors"]) for gap in waste_gaps(mess=mess1, now=timezone.now()))
    assert gaps == 2 * (4 * 4 + 1) - 2
    assert messes_overview()[0]["missing_records"] == gaps


@travel
def test_the_missing_records_of_finished_days_are_counted_by_their_totals_and_follow_closures_and_floors(
    mess1, mess2, ground, first, admin
):
    second = mess2.floors.get(name="Second")
    waste(ground, days_ago(1), "lunch", "4.00")
    waste(first, days_ago(3), "dinner", "4.00")
    waste(ground, TODAY, "breakfast", "1.00")
    day_totals_refresh()

    def overview_and_dashboard() -> tuple[dict, dict]:
        now = timezone.now()
        gaps = {m.code: sum(len(gap["floors"]) for gap in waste_gaps(mess=m, now=now)) for m in Mess.objects.all()}
        return {row["mess"].code: row["missing_records"] for row in messes_overview()}, gaps

    shown, gaps = overview_and_dashboard()
    assert shown == gaps and gaps["mess1"] == 2 * (6 * 4 + 1) - 3
    closure_save(mess=mess1, first_day=days_ago(4), last_day=days_ago(3), reason="Water cut", changed_by=admin, by_admin=True)
    shown, gaps = overview_and_dashboard()
    assert shown == gaps and gaps["mess1"] == 2 * (4 * 4 + 1) - 2  # the closed days' slots and record left out
    floors_save(mess=mess1, floors=[Floor(name="Roof")])
    shown, gaps = overview_and_dashboard()
    assert shown == gaps and gaps["mess1"] == 3 * (4 * 4 + 1) - 2
    # a day some mess has no totals of yet (before the hourly refresh) is counted from its records
    DayTotals.objects.filter(mess=mess2, date=days_ago(2)).delete()
    waste(second, days_ago(2), "lunch", "2.00")
    shown, gaps = overview_and_dashboard()
    assert shown == gaps and gaps["mess2"] == 2 * (6 * 4 + 1) - 1
    # a finished day's records are counted by its stored totals: one written behind every service's
    # back shows after the hourly refresh
    waste(second, days_ago(5), "lunch", "2.00")
    assert overview_and_dashboard()[0]["mess2"] == gaps["mess2"]
    day_totals_refresh()
    assert overview_and_dashboard()[0]["mess2"] == gaps["mess2"] - 1


@travel
def test_the_missing_records_follow_each_messs_own_meal_windows_in_the_same_queries(mess1, mess2, ground):
    # At 13:00 the default lunch (12:00 to 14:00) is still served; mess2's own (11:00 to 12:30) is
    # over, and mess3's own (12:00 to 14:30) differs from the default but is not over either.
    mess3 = Mess.objects.create(code="mess3", name="Mess 3")
    Floor.objects.create(mess=mess3, name="Only")
    waste(ground, TODAY, "breakfast", "1.00")
    before = {row["mess"].code: row["missing_records"] for row in messes_overview()}
    with CaptureQueriesContext(connection) as default_windows:
        messes_overview()
    meal_window_update(meal="lunch", starts_at=datetime.time(11), ends_at=datetime.time(12, 30), mess=mess2)
    meal_window_update(meal="lunch", starts_at=datetime.time(12), ends_at=datetime.time(14, 30), mess=mess3)
    with CaptureQueriesContext(connection) as own_windows:
        rows = {row["mess"].code: row["missing_records"] for row in messes_overview()}

    now = timezone.now()
    gaps = {m.code: sum(len(gap["floors"]) for gap in waste_gaps(mess=m, now=now)) for m in Mess.objects.all()}
    assert rows == gaps
    assert rows["mess2"] == before["mess2"] + 2  # today's lunch of its 2 floors, over there
    assert rows["mess1"] == before["mess1"] and rows["mess3"] == before["mess3"]
    assert len(own_windows.captured_queries) == len(default_windows.captured_queries)


@travel
def test_the_default_sort_is_the_most_waste_per_diner_first_and_bad_parameters_fall_back(as_admin, four):
    default = as_admin.get("/overview/")
    assert codes(default) == ORDERS["-waste"]
    assert 'aria-sort="descending"><a href="?sort=waste">' in default.text
    for params in ({"sort": "unknown"}, {"sort": "-"}, {"sort": "--name"}, {"page": "abc"}, {"page": "999"}, {"q": "x" * 500}):
        response = as_admin.get("/overview/", params)
        assert response.status_code == 200
        assert response.context["sort"] == "-waste"
    assert codes(as_admin.get("/overview/", {"sort": "unknown", "page": "-1"})) == ORDERS["-waste"]


@travel
def test_it_filters_the_messes_with_open_alerts_and_searches_names_and_codes(as_admin, four):
    assert codes(as_admin.get("/overview/", {"alerts": "1", "sort": "name"})) == ["amber", "basil", "dlt"]
    assert codes(as_admin.get("/overview/", {"q": "HALL"})) == ["amber"]  # by name, any case
    assert codes(as_admin.get("/overview/", {"q": " dl "})) == ["dlt"]  # by code
    assert codes(as_admin.get("/overview/", {"q": "e", "alerts": "1", "sort": "-name"})) == ["dlt", "basil", "amber"]
    nothing = as_admin.get("/overview/", {"q": "zzz"})
    assert codes(nothing) == [] and "No mess matches." in nothing.text
    form = as_admin.get("/overview/", {"q": "hall", "alerts": "1", "sort": "rating"}).text
    assert '<label for="overview-q">' in form and 'name="q" value="hall"' in form
    assert 'name="alerts" value="1" checked' in form and '<input type="hidden" name="sort" value="rating">' in form


@travel
def test_the_totals_are_of_the_whole_selection(as_admin, four):
    totals = as_admin.get("/overview/", {"alerts": "1"}).context["totals"]
    assert totals == {
        "messes": 3,
        "waste_kg": Decimal("40.00"),
        "inr": Decimal("1000.00"),  # basil sets no food cost
        "co2e_kg": Decimal("100.00"),  # 2.5 kg CO2e a kg
        "grams_per_diner": 200,  # 40 kg among 200 diners
        "feedback_count": 2,
        "average_rating": Decimal("3.50"),
        "open_alerts": 6,
        "missing_records": 25 + 75,
    }
    none = as_admin.get("/overview/", {"q": "dlt"}).context["totals"]
    assert (none["messes"], none["waste_kg"], none["inr"], none["grams_per_diner"], none["average_rating"]) == (1, None, None, None, None)


def many_messes(n: int, *, days: int, floors: int = 2, prefix: str = "m") -> None:
    """`n` messes "Mess m00"…, each with `floors` floors, a record of every meal of every floor and a
    rating of lunch over `days` days up to today, and an open alert; the finished days' totals stored."""
    rng = random.Random(n)
    messes = Mess.objects.bulk_create([Mess(code=f"{prefix}{i:02}", name=f"Mess {prefix}{i:02}") for i in range(n)])
    Floor.objects.bulk_create([Floor(mess=m, name=f"Floor {f}") for m in messes for f in range(floors)])
    dates = [days_ago(d) for d in range(days)]
    WasteRecord.objects.bulk_create(
        [
            WasteRecord(floor=floor, date=date, meal=meal, total_kg=Decimal(rng.randint(100, 900)) / 100, diners=rng.choice([None, 90]))
            for floor in Floor.objects.filter(mess__in=messes)
            for date in dates
            for meal in ("breakfast", "lunch", "dinner")
        ]
    )
    for mess in messes:
        alert(mess, "Floor 0")
        for date in dates:
            feedback(mess, date, "lunch", rng.randint(1, 5))
    day_totals_refresh()


@travel
def test_it_pages_fifty_messes_to_a_page_with_the_totals_of_all(as_admin):
    many_messes(60, days=2)
    Mess.objects.filter(code__lt="m30").update(food_cost_per_kg=Decimal("83.33"), co2e_per_kg=Decimal("2.37"))
    first = as_admin.get("/overview/", {"sort": "name"})
    assert codes(first) == [f"m{i:02}" for i in range(50)]
    assert first.context["totals"]["messes"] == 60 and first.context["totals"]["open_alerts"] == 60
    assert 'href="?sort=name&amp;page=2" rel="next"' in first.text and "Page 1 of 2" in first.text
    second = as_admin.get("/overview/", {"sort": "name", "page": "2"})
    assert codes(second) == [f"m{i:02}" for i in range(50, 60)]
    assert second.context["totals"] == first.context["totals"]
    # each total is the sum of what the rows of both pages say, to the paisa
    rows = first.context["rows"] + second.context["rows"]
    priced = [row["valued"].inr for row in rows if row["valued"].inr is not None]
    assert len(priced) == 30 and first.context["totals"]["inr"] == sum(priced)
    assert first.context["totals"]["co2e_kg"] == sum(row["valued"].co2e_kg for row in rows)
    assert first.context["totals"]["waste_kg"] == sum(row["waste_kg"] for row in rows)
    assert 'href="?sort=name&amp;page=1" rel="prev"' in second.text
    # a sort asked on page 2 starts again from page 1, keeping the search
    assert 'href="?q=Mess&amp;sort=-name"' in as_admin.get("/overview/", {"q": "Mess", "sort": "name", "page": "2"}).text
    assert codes(as_admin.get("/overview/", {"sort": "name", "page": "999"})) == codes(second)  # the last page
    assert codes(as_admin.get("/overview/", {"sort": "name", "page": "abc"})) == codes(first)


def csv_rows(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@travel
def test_its_csv_holds_every_mess_of_the_selection_on_every_page_in_its_order(as_admin, four):
    many_messes(60, days=1)
    rows = csv_rows(as_admin.get("/overview/messes.csv", {"q": "mess m1", "sort": "-name", "page": "2"}))
    assert [row["code"] for row in rows] == [f"m{i}" for i in range(19, 9, -1)]
    everything = csv_rows(as_admin.get("/overview/messes.csv", {"sort": "name"}))
    assert len(everything) == 64
    amber = next(row for row in everything if row["code"] == "amber")
    assert amber == amber | {
        "name": "Amber Hall",
        "active": "yes",
        "waste_kg": "10.00",
        "worth_inr": "1000.00",
        "g_per_diner": "100",
        "feedback_count": "1",
        "average_rating": "2.00",
        "open_alerts": "3",
        "missing_records": "25",
    }
    assert [row["code"] for row in csv_rows(as_admin.get("/overview/messes.csv", {"alerts": "1", "sort": "-alerts", "q": "h"}))] == [
        "amber",
        "basil",
    ]
    page = as_admin.get("/overview/", {"q": "mess m1", "sort": "-name"}).text
    assert 'href="/overview/messes.csv?q=mess+m1&amp;sort=-name"' in page


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(context.captured_queries)


URLS = ["/overview/", "/overview/?sort=missing&page=2", "/overview/?q=m&alerts=1&sort=-value", "/overview/messes.csv?sort=rating"]


@travel
def test_its_queries_do_not_grow_with_the_messes_or_their_history(as_admin):
    many_messes(3, days=2)
    few = [queries(as_admin, url) for url in URLS]
    many_messes(57, days=20, prefix="n")
    DayTotals.objects.filter(date=days_ago(3), mess__code="n00").delete()  # a finished day read from the records
    assert Feedback.objects.count() == 3 * 2 + 57 * 20
    assert [queries(as_admin, url) for url in URLS] == few
    assert queries(as_admin, "/overview/?page=2") == few[0]
