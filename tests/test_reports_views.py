"""A mess's daily reports on its pages: the dashboard lists them, and each opens as a page of its own,
with the day's waste worth and the week against the goal as the e-mail has them, which another
mess's official does not find."""

import datetime
from decimal import Decimal

import time_machine

from mess.models import DailyReport
from mess.reports import daily_reports_send
from tests.factories import IST, days_ago, feedback, waste


@time_machine.travel(datetime.datetime(2026, 3, 10, 7, 0, tzinfo=IST), tick=False)
def test_it_lists_the_daily_reports_and_opens_each_as_a_page(as_official, mess1, mess2, ground):
    mess1.food_cost_per_kg = Decimal("80")
    mess1.save()
    waste(ground, days_ago(1), "lunch", "12.50", diners=100)
    feedback(mess1, days_ago(1), "lunch", 4)
    daily_reports_send()

    dashboard = as_official.get("/mess/mess1/")
    assert [r.date for r in dashboard.context["reports"]] == [days_ago(1)]
    assert 'href="/mess/mess1/reports/2026-03-09/"' in dashboard.text

    page = as_official.get("/mess/mess1/reports/2026-03-09/")
    assert page.status_code == 200
    assert "Waste: 12.50 kg, 125 g per diner" in page.text
    assert '<p id="worth">Worth ₹1,000, 31.25 kg CO₂e, 30 meals.</p>' in page.text  # at ₹80 a kilogram, as the e-mail says
    assert '<p id="goal">Goal: this week 125 g per diner: at the baseline, goal 20 %.</p>' in page.text
    assert "1 entry, average 4.00" in page.text
    assert as_official.get("/mess/mess1/reports/2026-03-08/").status_code == 404  # no report that day
    assert as_official.get("/mess/mess1/reports/yesterday/").status_code == 404
    assert as_official.get("/mess/mess2/reports/2026-03-09/").status_code == 404  # another mess's report


@time_machine.travel(datetime.datetime(2026, 3, 10, 7, 0, tzinfo=IST), tick=False)
def test_a_report_stored_before_waste_was_valued_says_nothing_of_its_worth(as_official, mess1):
    DailyReport.objects.create(mess=mess1, date=days_ago(1), data={"waste_kg": "3.00"}, text_body="", html_body="")

    page = as_official.get("/mess/mess1/reports/2026-03-09/").text

    assert "Waste: 3.00 kg" in page and 'id="worth"' not in page and 'id="goal"' not in page
