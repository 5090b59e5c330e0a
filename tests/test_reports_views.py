"""A mess's daily reports on its pages: the dashboard lists them, and each opens as a page of its own,
which another mess's official does not find."""

import datetime

import time_machine

from mess.reports import daily_reports_send
from tests.factories import IST, days_ago, feedback, waste


@time_machine.travel(datetime.datetime(2026, 3, 10, 7, 0, tzinfo=IST), tick=False)
def test_it_lists_the_daily_reports_and_opens_each_as_a_page(as_official, mess1, mess2, ground):
    waste(ground, days_ago(1), "lunch", "12.50", diners=100)
    feedback(mess1, days_ago(1), "lunch", 4)
    daily_reports_send()

    dashboard = as_official.get("/mess/mess1/")
    assert [r.date for r in dashboard.context["reports"]] == [days_ago(1)]
    assert 'href="/mess/mess1/reports/2026-03-09/"' in dashboard.text

    page = as_official.get("/mess/mess1/reports/2026-03-09/")
    assert page.status_code == 200
    assert "Waste: 12.50 kg, 125 g per diner" in page.text
    assert "1 entry, average 4.00" in page.text
    assert as_official.get("/mess/mess1/reports/2026-03-08/").status_code == 404  # no report that day
    assert as_official.get("/mess/mess1/reports/yesterday/").status_code == 404
    assert as_official.get("/mess/mess2/reports/2026-03-09/").status_code == 404  # another mess's report
