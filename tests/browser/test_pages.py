"""The pages in a real browser: headless Chromium from Debian's `chromium` package, driven by
pytest-playwright against a live server. Nothing here downloads a browser; without
/usr/bin/chromium these tests are skipped, with the reason in the summary (CI installs it).

The live server commits its data, so these are transactional tests; `serialized_rollback` brings
back what the data migrations created (meal windows, groups) after each test's flush.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from mess.models import Alert, Feedback, MealWindow, WasteRecord
from scheduling.sync import schedules_sync
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, history, log_in, submit

pytestmark = BROWSER_TESTS


def test_an_official_sees_an_alert_records_waste_and_sees_the_chart_change(page, live_server, people, dialogs, csp_violations):
    mess, today, now = people["mess"], timezone.localdate(), timezone.now()
    ground, first = mess.floors.get(name="Ground"), mess.floors.get(name="First")
    history(mess, first, people["student"], today)
    WasteRecord.objects.create(floor=ground, date=today - datetime.timedelta(days=1), meal="lunch", total_kg=Decimal("3.50"), diners=100)
    Alert.objects.create(
        mess=mess,
        kind="high_waste",
        subject="First",
        value=Decimal("264.25"),
        threshold=Decimal("250"),
        window_start=today - datetime.timedelta(days=6),
        window_end=today,
        first_seen_at=now,
        last_seen_at=now,
    )

    log_in(page, live_server, "olga", "pw-olga-123")

    assert page.url == f"{live_server.url}/mess/mess1/"
    assert "High waste: First" in page.locator("#alerts").inner_text()
    ground_chart = page.locator("#waste-week svg").nth(1)  # the floors in name order: First, Ground
    yesterday = today - datetime.timedelta(days=1)
    short_day = f"{yesterday:%a} {yesterday.day} {yesterday:%b}"  # Mon 7 Dec
    assert ground_chart.locator("rect title").all_text_contents() == [f"{short_day}: 3.50 kg"]

    submit(page, "text=Record waste")
    # The live server runs on the real clock: yesterday's dinner is over whatever the hour.
    page.fill("#id_date", (today - datetime.timedelta(days=1)).isoformat())
    page.select_option("#id_meal", "dinner")
    submit(page, "button:has-text('Show')")
    page.fill(f"#id_kg_{ground.pk}", "12.25")
    page.fill(f"#id_diners_{ground.pk}", "110")
    submit(page, "button:has-text('Save')")
    # 110 diners, and the mess has one student on its list: the page asks before it saves
    assert "110 diners are more than the students who eat at Mess 1 (1)" in page.locator(".warning").first.inner_text()
    page.check("#id_confirm")
    submit(page, "button:has-text('Save')")
    assert "recorded 12.25 kg (110 diners) for Ground" in page.locator(".messages").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / "waste-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    submit(page, "nav >> text=Dashboard")
    assert ground_chart.locator("rect title").all_text_contents() == [f"{short_day}: 15.75 kg"]  # 3.50 + 12.25
    page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / "dashboard-phone.png", full_page=True)
    # At phone width nothing makes the page scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert dialogs == []
    assert csp_violations == []


def test_a_student_submits_feedback_and_a_script_in_it_shows_as_text(page, live_server, people, dialogs, csp_violations):
    # The live server runs on the real clock: let breakfast's window cover the whole day.
    MealWindow.objects.filter(meal="breakfast").update(starts_at=datetime.time(0, 0), ends_at=datetime.time(23, 59))
    comment = "<script>alert('xss')</script> Cold & <b>stale</b>"

    log_in(page, live_server, "alice", "pw-alice-123")
    assert page.url == f"{live_server.url}/feedback/"
    card = page.locator("#meal-breakfast")
    card.locator("label", has_text="1").click()
    card.locator("select[name=category]").select_option("hygiene")
    card.locator("textarea[name=comment]").fill(comment)
    card.locator("button[type=submit]").click()

    assert "your feedback on today's breakfast is saved" in page.locator("#meal-breakfast .thanks").inner_text()
    entry = Feedback.objects.get()
    assert (entry.rating, entry.category, entry.comment) == (1, "hygiene", comment)
    assert page.locator("#meal-breakfast textarea").input_value() == comment
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / "feedback-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The official's dashboard shows the comment as the student typed it, as text.
    submit(page, "text=Log out")
    log_in(page, live_server, "olga", "pw-olga-123")
    critical = page.locator("#critical .comment")
    assert critical.inner_text() == comment
    assert page.locator("#critical b").count() == 0 and page.locator("#critical script").count() == 0
    assert dialogs == []
    assert csp_violations == []


def test_the_admin_site_and_the_password_pages_work_under_the_content_security_policy(page, live_server, people, csp_violations):
    get_user_model().objects.create_superuser(username="ada", email="ada@example.org", password="pw-ada-123")
    response = page.goto(f"{live_server.url}/accounts/password/reset/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.fill("#id_email", "nobody@example.org")
    submit(page, "main button[type=submit]")  # the reset form's, not the header's language switch
    assert "Check your e-mail" in page.content()

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "pw-ada-123")
    submit(page, "input[type=submit]")
    page.goto(f"{live_server.url}/admin/mess/wasterecord/add/")
    page.click("#id_date + .datetimeshortcuts a")  # "Today", added by the admin's own script
    assert page.input_value("#id_date") == timezone.localdate().isoformat()
    page.click(".select2-selection")  # the floor's autocomplete, by script
    page.wait_for_selector(".select2-results__option:has-text('Ground')")
    page.goto(f"{live_server.url}/admin/scheduling/jobschedule/")
    page.goto(f"{live_server.url}/admin/auth/user/?q=olga")
    assert page.locator("#result_list").count() == 1

    assert csp_violations == []


def test_an_admin_edits_a_schedule_sees_its_next_runs_as_they_type_and_runs_it_now(page, live_server, people, dialogs, csp_violations):
    get_user_model().objects.create_superuser(username="ada", email="ada@example.org", password="pw-ada-123")
    schedules_sync()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "pw-ada-123")
    submit(page, "input[type=submit]")

    page.goto(f"{live_server.url}/admin/scheduling/jobschedule/")
    headers = [h.strip() for h in page.locator("#result_list thead th").all_inner_texts() if h.strip()]
    assert headers == ["NAME", "JOB", "WHEN", "NEXT RUN", "ACTIVE", "LAST RUN"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # the list fits: no sideways scrolling

    submit(page, "#result_list a:text-is('send_daily_report')")
    runs = page.locator("#next-runs")
    expect(runs).to_contain_text("07:00")
    page.fill("#id_cron", "15 6 * * 1")  # Mondays at 06:15: the box follows the typing, before any save
    expect(runs).to_contain_text("Mon")
    expect(runs).to_contain_text("06:15")
    expect(runs).not_to_contain_text("Tue")
    page.fill("#id_cron", "0 0 30 2 *")
    expect(runs).to_contain_text("never runs")
    page.check("#id_paused")
    expect(runs).to_contain_text("paused: no runs")

    submit(page, "button:text('Run now')")
    assert "no cluster is running" in page.locator(".messagelist").inner_text()
    assert dialogs == [] and csp_violations == []
