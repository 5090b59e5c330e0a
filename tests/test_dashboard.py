"""A mess's dashboard: its alerts, the meal being cooked and the week's forecasts beside who came, the
week's waste by floor, the month's trend, what the waste is worth and how it does against the goal,
ratings by meal, the latest critical feedback, the inbox, and the jobs' health; its officials see
their mess's, admins any."""

import datetime
from decimal import Decimal

import time_machine
from django_q.models import Schedule

from mess.models import CookedFood, CookSheet, Mess
from scheduling.models import JobRun, Outcome, Trigger
from scheduling.scheduler import heartbeat, heartbeat_stopped
from scheduling.sync import schedules_sync
from tests.factories import IST, NOW, TODAY, alert, days_ago, feedback, notification, waste


@time_machine.travel(NOW, tick=False)
def test_it_shows_the_mess_active_alerts_first(as_official, mess1, mess2):
    alert(mess1, "First", value="264.25")
    alert(mess1, "dinner", kind="low_rating", value="2.40")
    alert(mess1, "Ground", resolved=True)
    alert(mess2, "Second")

    page = as_official.get("/mess/mess1/").text

    assert "High waste: First" in page and "264.25 kg" in page
    assert "Low rating: Dinner" in page and "average 2.40" in page
    assert "High waste: Ground" not in page  # resolved
    assert "Second" not in page  # another mess
    assert page.index('id="alerts"') < page.index('id="waste-week"') < page.index('id="jobs"')


@time_machine.travel(NOW, tick=False)
def test_it_says_when_there_are_no_alerts(as_official, mess1):
    assert "No active alerts." in as_official.get("/mess/mess1/").text


EVENING = datetime.datetime(2026, 3, 10, 21, 30, tzinfo=IST)  # the day's last meal is over


@time_machine.travel(EVENING, tick=False)
def test_it_charts_each_floors_daily_waste_of_the_last_7_days_against_the_daily_threshold(as_official, mess1, mess2, ground, first):
    Mess.objects.filter(pk=mess1.pk).update(waste_threshold_kg=Decimal("7.20"))
    waste(ground, TODAY, "lunch", "4.25")
    waste(ground, TODAY, "dinner", "3.00")
    waste(ground, days_ago(6), "lunch", "3.00")
    waste(ground, days_ago(2), "dinner", "7.10")
    waste(ground, days_ago(7), "lunch", "100")  # eight days ago: outside the week
    waste(mess2.floors.get(name="Second"), TODAY, "lunch", "99")

    response = as_official.get("/mess/mess1/")

    rows = {r["floor"]: r for r in response.context["waste_week"]}  # the figures by meal, under the chart
    assert rows["Ground"]["meals"] == {"breakfast": None, "lunch": Decimal("7.25"), "snacks": None, "dinner": Decimal("10.10")}
    assert rows["First"]["total"] is None  # a floor with nothing recorded still has its row
    assert list(rows) == ["First", "Ground"]
    section = response.text.split('id="waste-week"')[1].split("</section>")[0]
    ground_svg = section.split("<h3>Ground</h3>")[1].split("</svg>")[0]
    assert '<rect class="s0" ' in ground_svg and "<title>Wed 4 Mar: 3.00 kg</title>" in ground_svg
    assert "<title>Sun 8 Mar: 7.10 kg</title>" in ground_svg  # below the threshold
    assert "<title>Tue 10 Mar: 7.25 kg, above the daily threshold</title>" in ground_svg
    assert "<title>daily threshold (7.20 kg)</title>" in ground_svg
    assert ground_svg.count("<rect ") == 3  # the days with nothing recorded have no column
    assert "Nothing recorded in these days." in section.split("<h3>First</h3>")[1].split("</div>")[0]


@time_machine.travel(NOW, tick=False)
def test_today_is_charted_once_its_last_meal_is_over_and_the_page_says_so(as_official, mess1, ground):
    waste(ground, TODAY, "lunch", "4.25", diners=85)  # 13:00: snacks and dinner are still to come

    response = as_official.get("/mess/mess1/")

    rows = {r["floor"]: r for r in response.context["waste_week"]}
    assert rows["Ground"]["days"][-1] == (TODAY, None) and rows["Ground"]["meals"]["lunch"] == Decimal("4.25")  # in the figures
    assert response.context["trend"][-1] == {"date": TODAY, "kg": None, "grams_per_diner": 50}  # per diner, meal by meal
    assert "Today's column, and its point on the 30-day trend, show once its last meal is over" in response.text


@time_machine.travel(EVENING, tick=False)
def test_it_shows_the_30_day_trend_in_kg_and_grams_per_diner(as_official, mess1, ground, first):
    waste(ground, TODAY, "lunch", "6.00", diners=120)
    waste(first, TODAY, "lunch", "3.00")  # no head count: in the kilograms, not in grams per diner
    waste(ground, days_ago(29), "dinner", "2.00")
    waste(ground, days_ago(30), "dinner", "50")  # 31 days ago: outside

    response = as_official.get("/mess/mess1/")

    trend = response.context["trend"]
    assert [d["date"] for d in (trend[0], trend[-1])] == [days_ago(29), TODAY] and len(trend) == 30
    assert trend[-1] == {"date": TODAY, "kg": Decimal("9.00"), "grams_per_diner": 50}
    assert trend[0] == {"date": days_ago(29), "kg": Decimal("2.00"), "grams_per_diner": None}
    assert trend[1]["kg"] is None  # nothing recorded is a gap, not zero
    assert "<title>Tue 10 Mar: 9.00 kg</title>" in response.text
    assert "<title>Tue 10 Mar: 50 g</title>" in response.text


@time_machine.travel(NOW, tick=False)
def test_it_averages_ratings_by_meal_over_7_and_30_days(as_official, mess1, mess2):
    feedback(mess1, TODAY, "lunch", 5)
    feedback(mess1, days_ago(6), "lunch", 2)
    feedback(mess1, days_ago(20), "lunch", 2)
    feedback(mess1, days_ago(29), "breakfast", 4)
    feedback(mess1, days_ago(30), "breakfast", 1)  # outside both windows
    feedback(mess2, TODAY, "lunch", 1)

    ratings = {r["meal"]: r for r in as_official.get("/mess/mess1/").context["ratings"]}

    assert ratings["lunch"] | {} == {
        "meal": "lunch",
        "label": "Lunch",
        "n7": 2,
        "average7": Decimal("3.50"),
        "n30": 3,
        "average30": Decimal("3.00"),
    }
    assert (ratings["breakfast"]["n7"], ratings["breakfast"]["average7"], ratings["breakfast"]["average30"]) == (0, None, Decimal("4.00"))
    assert ratings["dinner"]["n30"] == 0


@time_machine.travel(NOW, tick=False)
def test_it_lists_the_latest_critical_feedback_of_the_mess(as_official, mess1, mess2):
    feedback(mess1, days_ago(1), "lunch", 1, "Cold rice")
    feedback(mess1, TODAY, "breakfast", 5, category="hygiene")  # a hygiene complaint is critical whatever its rating
    feedback(mess1, TODAY, "lunch", 2)  # low, but says nothing
    feedback(mess1, TODAY, "lunch", 4, "Nice dal")
    feedback(mess2, TODAY, "lunch", 1, "Other mess")

    response = as_official.get("/mess/mess1/")

    assert [(f.date, f.rating) for f in response.context["critical"]] == [(TODAY, 5), (days_ago(1), 1)]
    section = response.text.split('id="critical"')[1].split("</section>")[0]
    assert "Cold rice" in section and "(no comment)" in section
    assert "Nice dal" not in section and "Other mess" not in section


@time_machine.travel(NOW, tick=False)
def test_it_shows_the_notifications_inbox_unread_first(as_official, mess1, mess2):
    old_unread = notification(mess1, days_ago(3), "dinner", ["Too salty"])
    notification(mess1, TODAY, "breakfast", ["Read already"], read=True)
    notification(mess2, TODAY, "lunch", ["Other mess"])

    response = as_official.get("/mess/mess1/")

    assert [n.pk for n in response.context["notifications"]][0] == old_unread.pk
    assert len(response.context["notifications"]) == 2
    assert "1 unread" in response.text and "Too salty" in response.text and "Other mess" not in response.text


@time_machine.travel(NOW, tick=False)
def test_it_leaves_out_critical_feedback_older_than_30_days_but_no_notification(as_official, mess1):
    feedback(mess1, days_ago(29), "lunch", 1, "Within the month")
    feedback(mess1, days_ago(30), "lunch", 1, "Last month")
    notification(mess1, days_ago(29), "dinner", ["Month-old notification"])
    notification(mess1, days_ago(300), "dinner", ["Older notification"])

    page = as_official.get("/mess/mess1/").text

    assert "Within the month" in page and "Month-old notification" in page
    assert "Last month" not in page
    assert "Older notification" in page and "2 unread" in page  # the inbox holds every notification: the badge counts what it lists


@time_machine.travel(NOW, tick=False)
def test_it_shows_each_schedules_own_last_run_and_next_run(as_official, mess1):
    schedules_sync()
    started = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=IST)
    schedule = {s.name: s for s in Schedule.objects.all()}
    JobRun.objects.create(
        job="generate_alerts",
        trigger=Trigger.SCHEDULE,
        started_at=started,
        finished_at=started + datetime.timedelta(seconds=2.5),
        outcome=Outcome.SUCCEEDED,
        schedule=schedule["generate_alerts"],
    )
    JobRun.objects.create(
        job="send_daily_report",
        trigger=Trigger.SCHEDULE,
        started_at=started,
        finished_at=started + datetime.timedelta(minutes=3, seconds=5),
        outcome=Outcome.FAILED,
        summary="failed: SMTPRecipientsRefused: {'warden@example.org': (550, b'No such user here')}",
        schedule=schedule["send_daily_report"],
    )
    JobRun.objects.create(
        job="send_admin_notifications",
        trigger=Trigger.SCHEDULE,
        started_at=started,
        outcome=Outcome.FAILED,
        schedule=schedule["send_admin_notifications:lunch"],
    )
    # a failed run started by hand is no schedule's outcome
    JobRun.objects.create(job="cleanup_old_menu", trigger=Trigger.COMMAND, started_at=started, outcome=Outcome.FAILED)

    page = as_official.get("/mess/mess1/").text
    rows = {row.split("</span>")[0].split(">")[-1]: row for row in page.split('id="jobs"')[1].split("<tr>")[2:]}

    assert "Succeeded" in rows["generate_alerts"] and "Tue 10 Mar, 12:00" in rows["generate_alerts"] and "2.5 s" in rows["generate_alerts"]
    assert "Tue 10 Mar, 14:00" in rows["generate_alerts"]  # the next hourly run... after 13:00 the 14:00 one
    report = rows["send_daily_report"]
    assert "Failed" in report and "3 min 5 s" in report and "Wed 11 Mar, 07:00" in report
    assert "Failed" in rows["send_admin_notifications:lunch"]
    assert "never" in rows["send_admin_notifications:dinner"]  # not the failure of another meal's schedule
    assert "never" in rows["cleanup_old_menu"]
    banner = page.split('id="jobs-banner"')[1].split("</div>")[0]
    assert "send_daily_report failed at Tue 10 Mar, 12:00" in banner and "send_admin_notifications:lunch failed" in banner
    assert "warden" not in page  # a failure's own words may name people: the admin and `jobs --check` show them
    assert "The jobs are not running" in banner  # no cluster has been seen


@time_machine.travel(NOW, tick=False)
def test_an_admin_sees_any_mess_dashboard(as_admin, mess1, mess2):
    alert(mess2, "Third")
    response = as_admin.get("/mess/mess2/")
    assert response.status_code == 200 and "High waste: Third" in response.text
    assert as_admin.get("/mess/nope/").status_code == 404


def sheet(mess, date, meal, **figures) -> CookSheet:
    figures = {"students": 380, "absent": 25, "forecast": 312, "to_cook": 328, **figures}
    explanation = f"expected {figures['forecast']}: 355 signed up × 88 % who came on recent Tuesday lunches"
    return CookSheet.objects.create(mess=mess, date=date, meal=meal, explanation=explanation, **figures)


def section(page: str, name: str) -> str:
    return page.split(f'id="{name}"')[1].split("</section>")[0]


@time_machine.travel(NOW, tick=False)  # 13:00: lunch (12:00) is being served, its cut-off (09:00) has passed
def test_it_shows_the_meal_being_cooked_from_its_cut_off_on(as_official, mess1, mess2):
    sheet(mess1, TODAY, "lunch", cook_kg=Decimal("140.5"))
    sheet(mess1, TODAY, "dinner", forecast=99)  # sent early by hand: dinner's cut-off is at 16:00
    sheet(mess2, TODAY, "lunch", forecast=7)

    card = section(as_official.get("/mess/mess1/").text, "cook-sheet")

    assert "Lunch of Tue 10 Mar: cook for 328</strong> (about 140.50 kg)" in card
    assert "Expected 312: 355 signed up × 88 % who came on recent Tuesday lunches, and a margin of 5 %." in card
    assert "Signed up: 355 of the 380 students; 25 said they will not eat" in card
    assert 'href="/mess/mess1/absences/"' in card
    assert "alice" not in card and "expected 99" not in card and "expected 7" not in card  # numbers, not names; this meal, this mess


@time_machine.travel(datetime.datetime(2026, 3, 10, 22, 0, tzinfo=IST), tick=False)
def test_between_dinner_and_the_next_cut_off_no_sheet_is_shown(as_official, mess1):
    sheet(mess1, TODAY, "dinner")

    card = section(as_official.get("/mess/mess1/").text, "cook-sheet")

    assert "cook for" not in card
    assert "The next meal's cook sheet shows here from its cut-off, 3 hours before it starts" in card


@time_machine.travel(NOW, tick=False)
def test_it_sets_the_last_7_days_forecasts_beside_the_head_count_recorded_afterwards(as_official, mess1, ground, first):
    sheet(mess1, days_ago(1), "lunch", forecast=80, to_cook=84)
    waste(ground, days_ago(1), "lunch", "3", diners=50)
    waste(first, days_ago(1), "lunch", "2", diners=34)
    sheet(mess1, days_ago(1), "breakfast", forecast=60, to_cook=63)
    waste(ground, days_ago(1), "breakfast", "1", diners=61)
    waste(first, days_ago(1), "breakfast", "1")  # a floor without a head count: the meal's is not known
    sheet(mess1, days_ago(7), "lunch", forecast=1)  # eight days ago

    response = as_official.get("/mess/mess1/")

    rows = section(response.text, "cook-sheet").split('id="forecasts"')[1].split("<tr>")[2:]
    assert len(rows) == 2
    assert (
        'Mon 9 Mar, <span class="nowrap">breakfast</span>' in rows[0] and ">60<" in rows[0] and ">63<" in rows[0] and "not yet" in rows[0]
    )
    assert (
        'Mon 9 Mar, <span class="nowrap">lunch</span>' in rows[1]
        and ">80<" in rows[1]
        and ">84<" in rows[1]
        and ">84<" in rows[1]
        and ">+4<" in rows[1]
    )


@time_machine.travel(NOW, tick=False)
def test_it_says_the_waste_of_7_and_30_days_in_rupees_co2e_meals_and_as_a_share_of_what_was_cooked(as_official, mess1, ground, first):
    Mess.objects.filter(pk=mess1.pk).update(food_cost_per_kg=Decimal("80"))
    waste(ground, TODAY, "lunch", "6.00")
    waste(first, TODAY, "lunch", "4.00")
    waste(ground, days_ago(10), "dinner", "5.00")  # in the 30 days only
    CookedFood.objects.create(mess=mess1, date=TODAY, meal="lunch", kg=Decimal("100"))

    card = section(as_official.get("/mess/mess1/").text, "worth")

    rows = {row.split("</td>")[0].split("<td>")[-1]: row for row in card.split("<tr>")[2:]}
    assert ">10.00 kg<" in rows["Waste"] and ">15.00 kg<" in rows["Waste"]
    assert ">₹800<" in rows["Rupees"] and ">₹1,200<" in rows["Rupees"]  # grouped as in India, no empty paise
    assert ">25.00 kg<" in rows["CO₂e"] and ">37.50 kg<" in rows["CO₂e"]  # 2.5 kg CO2e a kilogram
    assert ">24<" in rows["Meals"] and ">36<" in rows["Meals"]  # 420 g a meal, rounded half up
    assert rows["Of what was cooked"].count(">10.0 %<") == 2  # the meals whose cooked kilograms were recorded
    assert "At ₹80 a kilogram of food." in card


@time_machine.travel(NOW, tick=False)
def test_without_a_food_cost_or_cooked_kilograms_it_says_what_is_missing(as_official, mess1, ground):
    waste(ground, TODAY, "lunch", "6.00")

    card = section(as_official.get("/mess/mess1/").text, "worth")

    rows = {row.split("</td>")[0].split("<td>")[-1]: row for row in card.split("<tr>")[2:]}
    assert rows["Rupees"].count(">–<") == 2 and rows["Of what was cooked"].count(">–<") == 2
    assert "Rupees need the mess's food cost per kilogram, which an admin sets on the mess" in card


@time_machine.travel(NOW, tick=False)
def test_it_draws_the_weekly_grams_per_diner_against_the_baseline_and_the_goal_and_says_how_far(as_official, mess1, ground):
    Mess.objects.filter(pk=mess1.pk).update(baseline_start=days_ago(60), baseline_end=days_ago(50))
    waste(ground, days_ago(55), "lunch", "20.00", diners=100)  # 200 g per diner: the baseline
    waste(ground, days_ago(8), "lunch", "18.00", diners=100)  # last week's week
    waste(ground, TODAY, "lunch", "15.00", diners=100)  # this week: 150 g, 25 % below

    card = section(as_official.get("/mess/mess1/").text, "goal")

    assert "This week 150 g per diner: 25 % below the baseline, goal 20 %." in card
    assert "The baseline is 200 g per diner, from Fri 9 Jan 2026 to Mon 19 Jan 2026; the goal is 20 % less, 160 g." in card
    svg = card.split("<svg")[1].split("</svg>")[0]
    assert '<line class="marker baseline"' in svg and "<title>baseline, 200 g</title>" in svg
    assert '<line class="marker goal"' in svg and "<title>goal, 160 g</title>" in svg
    assert "<title>Tue 10 Mar: 150 g</title>" in svg and "<title>Tue 3 Mar: 180 g</title>" in svg
    assert '<i class="swatch marker goal"></i>goal, 160 g' in card  # and in the key
    figures = card.split("Figures by week")[1]
    assert figures.count("<tr>") == 13  # a header and 12 weeks
    assert '<td>Tue 10 Mar</td><td class="num">150</td>' in figures and '<td>Tue 3 Mar</td><td class="num">180</td>' in figures


@time_machine.travel(NOW, tick=False)
def test_without_head_counts_the_goal_says_it_needs_them_and_draws_no_line(as_official, mess1, ground):
    waste(ground, TODAY, "lunch", "15.00")

    card = section(as_official.get("/mess/mess1/").text, "goal")

    assert "No baseline yet: it needs head counts recorded (goal 20 %)." in card
    assert "marker" not in card and "Nothing recorded yet." in card


def test_the_banner_says_since_when_no_cluster_runs_and_names_the_command_only_to_admins(client, official, admin, mess1):
    with time_machine.travel(NOW - datetime.timedelta(hours=1), tick=False):
        heartbeat(cluster="host:1", started_at=datetime.datetime.now(tz=datetime.UTC))
        heartbeat_stopped(cluster="host:1")  # stopped on purpose, as systemd stops it
    with time_machine.travel(NOW, tick=False):
        pages = {}
        for person in (official, admin):
            client.force_login(person)
            pages[person] = client.get("/mess/mess1/").text.split('id="jobs-banner"')[1].split("</div>")[0]
    official, admin = pages[official], pages[admin]
    seen = f"no cluster has been seen since {(NOW - datetime.timedelta(hours=1)).astimezone(IST):%a %-d %b, %H:%M}"
    assert seen in official and seen in admin  # not "yet": a stopped cluster is remembered
    assert "manage.py qcluster" not in official and "administrator" in official
    assert "manage.py qcluster" in admin


@time_machine.travel(EVENING, tick=False)
def test_each_chart_has_its_figures_in_a_table_beside_it(as_official, mess1, ground):
    Mess.objects.filter(pk=mess1.pk).update(waste_threshold_kg=Decimal("7.20"))
    waste(ground, TODAY, "lunch", "8.25", diners=100)
    waste(ground, days_ago(2), "dinner", "3.10", diners=90)

    page = as_official.get("/mess/mess1/").text

    ground_figures = page.split("<h3>Ground</h3>")[1].split("</figure>")[0].split('<details class="figures">')[1]
    rows = [r.split("</tr>")[0] for r in ground_figures.split("<tbody>")[1].split("<tr>")[1:]]
    assert 'Tue 10 Mar</td><td class="num">8.25 kg</td><td>above</td>' in rows[-1]  # above the threshold, in words
    assert 'Sun 8 Mar</td><td class="num">3.10 kg</td><td></td>' in rows[-3]
    assert '<td class="num">–</td>' in rows[-2]  # nothing recorded: not a zero
    trend = page.split('id="waste-trend"')[1].split("</section>")[0]
    assert trend.count('<details class="figures">') == 2  # kilograms a day, grams per diner
    assert 'Tue 10 Mar</td><td class="num">83 g</td>' in trend and ">34 g</td>" in trend  # as the dots' own titles round them
    goal = page.split('id="goal"')[1].split("</section>")[0]
    assert '<details class="figures">' not in goal  # its own table of the weeks' figures is there already
