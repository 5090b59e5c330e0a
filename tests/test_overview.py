"""refresh_day_totals and the overview that reads it: each mess's finished days in figures, kept
for the last 7 days, recomputed hourly and at once by the services and admin pages that change a
past day's waste or feedback; the admins' overview page, a row per mess."""

import datetime
import io
import threading
import time
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from mess.closures import closure_save
from mess.missing_waste import waste_gaps
from mess.models import DailyReport, DayTotals, Feedback, Floor, Mess, WasteRecord, WeekTotals
from mess.overview import DAY_FIGURES, day_totals_refresh, messes_overview
from mess.reports import daily_reports_send
from mess.waste_value import Valued
from scheduling.models import JobRun
from tests.factories import IST, NOW, TODAY, alert, days_ago, feedback, waste
from tests.test_imports import FEEDBACK_HEADER, WASTE_HEADER, run
from tests.test_waste import waste_post

travel = time_machine.travel(NOW, tick=False)


def totals() -> dict:
    return {
        (t.mess.code, t.date): (t.waste_records, t.waste_kg, t.counted_kg, t.diners, t.feedback_count, t.rating_sum)
        for t in DayTotals.objects.select_related("mess")
    }


def overview() -> dict:
    return {row["mess"].code: {k: v for k, v in row.items() if k != "mess"} for row in messes_overview()}


@travel
def test_it_sums_each_messs_kept_days_with_zeros_for_days_without_records(mess1, mess2, ground, first):
    waste(ground, days_ago(1), "lunch", "6.00", diners=100)
    waste(first, days_ago(1), "dinner", "2.50")
    waste(ground, days_ago(7), "lunch", "3.00", diners=50)
    waste(ground, TODAY, "lunch", "40")  # today is not over
    waste(ground, days_ago(8), "lunch", "40")  # no longer kept
    feedback(mess1, days_ago(1), "lunch", 3)
    feedback(mess1, days_ago(1), "dinner", 5)
    feedback(mess2, days_ago(3), "lunch", 1)

    assert day_totals_refresh() == (
        "refreshed the totals of 2 messes for 7 days (2026-03-03 to 2026-03-09); recomputed the waste baselines of 2 messes"
    )

    found = totals()
    assert len(found) == 14  # 2 messes x 7 days, the empty ones too
    assert found["mess1", days_ago(1)] == (2, Decimal("8.50"), Decimal("6.00"), 100, 2, 8)
    assert found["mess1", days_ago(7)] == (1, Decimal("3.00"), Decimal("3.00"), 50, 0, 0)
    assert found["mess2", days_ago(3)] == (0, Decimal("0.00"), Decimal("0.00"), 0, 1, 1)
    assert found["mess2", days_ago(1)] == (0, Decimal("0.00"), Decimal("0.00"), 0, 0, 0)
    assert ("mess1", TODAY) not in found and ("mess1", days_ago(8)) not in found


def test_it_recomputes_stored_totals_and_drops_the_days_no_longer_kept(mess1, ground):
    waste(ground, days_ago(1), "lunch", "6.00")
    with travel:
        day_totals_refresh()
    WasteRecord.objects.update(total_kg=Decimal("7.25"))
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        day_totals_refresh()
        day_totals_refresh()  # twice: still one row per mess and day

    found = totals()
    assert sorted(found) == [("mess1", days_ago(n, TODAY + datetime.timedelta(days=1))) for n in range(7, 0, -1)]
    assert found["mess1", days_ago(1)] == (1, Decimal("7.25"), Decimal("0.00"), 0, 0, 0)


@travel
def test_it_refreshes_only_the_kept_days_and_messes_it_is_given(mess1, mess2, ground):
    waste(ground, days_ago(2), "lunch", "6.00")
    assert day_totals_refresh(dates=[TODAY, days_ago(30)]) == "no kept day to refresh"
    assert day_totals_refresh(dates=[days_ago(2), TODAY], mess_ids=[mess1.pk]) == (
        "refreshed the totals of 1 mess for 1 day (2026-03-08 to 2026-03-08)"
    )
    assert totals() == {("mess1", days_ago(2)): (1, Decimal("6.00"), Decimal("0.00"), 0, 0, 0)}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_refreshes_at_once_count_each_others_records(mess1, ground, first):
    # Two officials save yesterday's waste of two floors at the same moment. The second one's
    # refresh waits for the first one's to commit, then counts both records: summed before
    # waiting, it would store its own record only.
    yesterday = days_ago(1)
    first_refreshed, second_started = threading.Event(), threading.Event()
    errors = []

    def save(floor, kg, *, before_commit=None, before_refresh=None):
        try:
            with time_machine.travel(NOW, tick=False):
                if before_refresh:
                    before_refresh.wait(10)
                with transaction.atomic():
                    waste(floor, yesterday, "lunch", kg)
                    if before_refresh:
                        second_started.set()
                    day_totals_refresh(dates=[yesterday], mess_ids=[mess1.pk])
                    if before_commit:
                        first_refreshed.set()
                        # SQLite: the second one waits for its BEGIN and never sets it
                        if before_commit.wait(2):
                            time.sleep(0.5)  # long enough for the second one to reach its sums
        except Exception as error:  # noqa: BLE001 - reported below, from the test's own thread
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(ground, "6.00"), kwargs={"before_commit": second_started}),
        threading.Thread(target=save, args=(first, "2.50"), kwargs={"before_refresh": first_refreshed}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert DayTotals.objects.get(mess=mess1, date=yesterday).waste_kg == Decimal("8.50")


# The overview


def week_of_data(mess1, mess2, ground, first):
    waste(ground, TODAY, "lunch", "6.00", diners=100)
    waste(first, days_ago(6), "lunch", "4.00", diners=100)
    waste(first, days_ago(1), "dinner", "2.50")
    waste(first, days_ago(7), "dinner", "100")  # outside the overview's 7 days
    feedback(mess1, TODAY, "breakfast", 4)
    feedback(mess1, days_ago(1), "lunch", 3)
    feedback(mess2, days_ago(4), "lunch", 2)


@travel
def test_the_overview_shows_the_same_figures_from_the_totals_as_from_the_records(mess1, mess2, ground, first):
    week_of_data(mess1, mess2, ground, first)
    from_records = overview()
    day_totals_refresh()
    assert overview() == from_records
    assert from_records["mess1"] | from_records["mess2"] and from_records["mess1"]["waste_kg"] == Decimal("12.50")
    assert (from_records["mess2"]["feedback_count"], from_records["mess2"]["average_rating"]) == (1, Decimal("2.00"))


@travel
def test_the_overview_reads_finished_days_from_the_totals_and_today_from_the_records(mess1, mess2, ground, first):
    week_of_data(mess1, mess2, ground, first)
    day_totals_refresh()
    # Written behind every service's back: the overview shows the stored totals until the next
    # hourly refresh, except for today, which it always sums.
    Feedback.objects.filter(date=days_ago(1)).update(rating=1)
    Feedback.objects.filter(date=TODAY).update(rating=2)

    assert overview()["mess1"]["average_rating"] == Decimal("2.50")  # 3 (stored) and 2 (today)
    call_command("refresh_day_totals", stdout=io.StringIO())
    assert overview()["mess1"]["average_rating"] == Decimal("1.50")
    assert JobRun.objects.get(job="refresh_day_totals").outcome == "succeeded"


@travel
def test_each_messs_week_totals_sum_its_six_finished_days_and_the_overview_reads_them_while_they_hold(mess1, mess2, ground, first, admin):
    week_of_data(mess1, mess2, ground, first)
    day_totals_refresh()
    week = WeekTotals.objects.get(mess=mess1)
    days = list(DayTotals.objects.filter(mess=mess1, date__gte=days_ago(6)))
    assert (week.through, week.days, len(days)) == (days_ago(1), 6, 6)
    assert {name: getattr(week, name) for name in DAY_FIGURES} == {name: sum(getattr(day, name) for day in days) for name in DAY_FIGURES}
    assert (week.waste_records, week.waste_kg, week.open_waste_records, week.rating_sum) == (2, Decimal("6.50"), 2, 3)
    # a day closed since, with a record: its record no longer counts as made on an open day
    closure_save(mess=mess1, first_day=days_ago(6), last_day=days_ago(6), reason="Water cut", changed_by=admin, by_admin=True)
    assert WeekTotals.objects.get(mess=mess1).open_waste_records == 1

    # Written behind every service's back: the overview shows the week's totals, which hold...
    WeekTotals.objects.filter(mess=mess2).update(rating_sum=5)
    assert overview()["mess2"]["average_rating"] == Decimal("5.00")
    # ...until some finished day has lost its row: then every mess's day totals are summed again
    DayTotals.objects.filter(mess=mess1, date=days_ago(3)).delete()
    assert overview()["mess2"]["average_rating"] == Decimal("2.00")
    # and a week summed for another day is not read: the next day, before its hourly refresh
    day_totals_refresh()
    WeekTotals.objects.filter(mess=mess2).update(rating_sum=5, through=days_ago(2))
    assert overview()["mess2"]["average_rating"] == Decimal("2.00")


@travel
def test_the_overview_sums_a_finished_day_whose_totals_are_missing(mess1, mess2, ground, first):
    week_of_data(mess1, mess2, ground, first)
    feedback(mess1, days_ago(4), "lunch", 5)
    day_totals_refresh()
    DayTotals.objects.filter(mess=mess2, date=days_ago(4)).delete()
    Feedback.objects.filter(mess=mess2).update(rating=4)

    overview_now = overview()
    assert overview_now["mess2"]["average_rating"] == Decimal("4.00")
    # mess1's stored row of that day counts once, not again with the day's records
    assert (overview_now["mess1"]["feedback_count"], overview_now["mess1"]["average_rating"]) == (3, Decimal("4.00"))


@time_machine.travel(datetime.datetime(2026, 3, 10, 7, 0, tzinfo=IST), tick=False)
def test_it_shows_one_row_per_mess_to_admins(as_admin, mess1, mess2, ground, first):
    waste(ground, TODAY, "lunch", "6.00", diners=100)
    waste(first, days_ago(6), "lunch", "4.00", diners=100)
    waste(first, days_ago(1), "dinner", "2.50")
    waste(first, days_ago(7), "dinner", "100")  # outside the 7 days
    feedback(mess1, TODAY, "breakfast", 4)
    feedback(mess1, days_ago(1), "lunch", 3)
    feedback(mess1, days_ago(7), "lunch", 1)  # outside
    alert(mess1, "First")
    alert(mess1, "lunch", kind="low_rating")
    alert(mess1, "Ground", resolved=True)
    daily_reports_send()
    DailyReport.objects.create(mess=mess1, date=days_ago(3), text_body="", html_body="")  # an older one
    mess2.is_active = False
    mess2.save()

    response = as_admin.get("/overview/")

    rows = {r["mess"].code: r for r in response.context["rows"]}
    assert {k: v for k, v in rows["mess1"].items() if k not in ("mess", "goal")} == {
        "waste_kg": Decimal("12.50"),
        "valued": Valued(kg=Decimal("12.50"), inr=None, co2e_kg=Decimal("31.25"), meals=30),  # 2.5 kg CO2e a kg, 420 g a meal
        "grams_per_diner": 50,  # 10 kg over 200 diners; the record without a head count is left out
        "feedback_count": 2,
        "average_rating": Decimal("3.50"),
        "open_alerts": 2,
        "missing_records": sum(len(gap["floors"]) for gap in waste_gaps(mess=mess1, now=timezone.now())),
        "last_report": days_ago(1),
    }
    assert {k: v for k, v in rows["mess2"].items() if k not in ("mess", "goal")} == {
        "waste_kg": None,
        "valued": None,
        "grams_per_diner": None,
        "feedback_count": 0,
        "average_rating": None,
        "open_alerts": 0,
        "missing_records": 0,  # inactive
        "last_report": days_ago(1),
    }
    assert 'href="/mess/mess1/reports/2026-03-09/"' in response.text and "inactive" in response.text
    assert DailyReport.objects.count() == 3


@travel
def test_it_sorts_by_waste_per_diner_most_first_and_says_how_each_mess_does_against_its_goal(as_admin, django_assert_num_queries):
    """Each mess's baseline is a day two months ago at 200 g per diner; this week differs."""
    for code, grams in [("a-worse", 220), ("b-best", 150), ("c-none", None), ("d-some", 190), ("e-quiet", "baseline only")]:
        mess = Mess.objects.create(
            code=code,
            name=code.title(),
            food_cost_per_kg=Decimal("80") if code == "b-best" else None,
            baseline_start=days_ago(60),
            baseline_end=days_ago(60),
        )
        floor = Floor.objects.create(mess=mess, name="Ground")
        if grams is None:
            waste(floor, TODAY, "lunch", "9.00")  # no head count: no baseline to measure against
            continue
        waste(floor, days_ago(60), "lunch", "20.00", diners=100)
        if grams != "baseline only":
            waste(floor, TODAY, "lunch", f"{grams / 10:.2f}", diners=100)

    with django_assert_num_queries(5):  # the meal windows, the days kept, the messes with their figures, their goals' baselines
        from_records = messes_overview()  # stored (none yet), then read from the records
    day_totals_refresh()  # which stores the baselines
    with django_assert_num_queries(4):  # the same, each baseline read from its stored row
        rows = messes_overview()
    assert [row["goal"] for row in rows] == [row["goal"] for row in from_records]
    response = as_admin.get("/overview/")

    # the messes without a head count this week last, by code
    assert [row["mess"].code for row in rows] == ["a-worse", "d-some", "b-best", "c-none", "e-quiet"]
    assert [str(row["goal"].reduction) for row in rows] == ["-0.100", "0.050", "0.250", "None", "None"]
    assert [r["mess"].code for r in response.context["rows"]] == ["a-worse", "d-some", "b-best", "c-none", "e-quiet"]
    best = response.text.split('href="/mess/b-best/"')[1].split("</tr>")[0]
    assert "This week 150 g per diner: 25 % below the baseline, goal 20 %" in best
    assert ">15.00<" in best and ">1200.00<" in best and ">37.50<" in best and ">36<" in best  # kg, ₹, CO2e, meals
    worse = response.text.split('href="/mess/a-worse/"')[1].split("</tr>")[0]
    assert "10 % above the baseline" in worse
    assert '<td class="num">22.00</td>\n      <td class="num">–</td>\n      <td class="num">55.00</td>' in worse  # no food cost: no rupees
    assert "No baseline yet: it needs head counts recorded" in response.text.split('href="/mess/c-none/"')[1].split("</tr>")[0]
    assert "No head count recorded this week" in response.text.split('href="/mess/e-quiet/"')[1].split("</tr>")[0]


# What changes a past day refreshes its totals at once


@travel
def test_an_officials_waste_entry_for_yesterday_shows_on_the_overview_at_once(as_official, mess1, mess2, ground, first):
    week_of_data(mess1, mess2, ground, first)
    day_totals_refresh()
    response = waste_post(as_official, ground, date=days_ago(1).isoformat(), meal="dinner", total_kg="5.00", diners="")
    assert response.status_code == 302
    assert overview()["mess1"]["waste_kg"] == Decimal("17.50")


@travel
def test_an_import_of_past_days_shows_on_the_overview_at_once(tmp_path, mess1, mess2, ground, first, student):
    week_of_data(mess1, mess2, ground, first)
    day_totals_refresh()
    run("import_waste", WASTE_HEADER + f"{days_ago(2)},mess1,Ground,lunch,1.50,\n", tmp_path)
    run("import_feedback", FEEDBACK_HEADER + f"{days_ago(3)},mess1,lunch,alice,5,,\n", tmp_path)

    row = overview()["mess1"]
    assert (row["waste_kg"], row["feedback_count"], row["average_rating"]) == (Decimal("14.00"), 3, Decimal("4.00"))


@travel
def test_an_admins_change_or_deletion_of_a_past_entry_shows_on_the_overview_at_once(as_admin, mess1, mess2, ground, first):
    week_of_data(mess1, mess2, ground, first)
    day_totals_refresh()
    record = WasteRecord.objects.get(floor=first, date=days_ago(1))
    data = {"floor": first.pk, "date": days_ago(8).isoformat(), "meal": "dinner", "total_kg": "2.50", "diners": ""}  # out of the week
    assert as_admin.post(f"/admin/mess/wasterecord/{record.pk}/change/", data).status_code == 302
    assert overview()["mess1"]["waste_kg"] == Decimal("10.00")

    other = feedback(mess2, days_ago(2), "dinner", 5)
    day_totals_refresh()
    assert overview()["mess2"]["feedback_count"] == 2
    assert as_admin.post(f"/admin/mess/feedback/{other.pk}/delete/", {"post": "yes"}).status_code == 302
    assert overview()["mess2"]["feedback_count"] == 1
    record = WasteRecord.objects.get(floor=first, date=days_ago(6))
    action = {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
    assert as_admin.post("/admin/mess/wasterecord/", action).status_code == 302
    assert overview()["mess1"]["waste_kg"] == Decimal("6.00")


@travel
def test_an_admins_bulk_delete_is_undone_when_the_totals_cannot_be_refreshed(as_admin, mess1, ground, monkeypatch):
    record = waste(ground, days_ago(1), "lunch", "6.00")

    def fail(**kwargs):
        raise RuntimeError("lock wait timeout")

    monkeypatch.setattr("mess.derived.day_totals_refresh", fail)
    action = {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
    with pytest.raises(RuntimeError):
        as_admin.post("/admin/mess/wasterecord/", action)
    assert WasteRecord.objects.filter(pk=record.pk).exists()
