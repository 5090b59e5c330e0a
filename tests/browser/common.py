"""What the real-browser tests share besides their fixtures (tests/browser/conftest.py): the marks
every module takes, the two widths each page is tried at, signing in, submitting, checking that a
page fits, and a history that gives every panel of the dashboard something to draw."""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from mess.models import DailyReport, Feedback, Notification, WasteRecord
from scheduling.models import JobRun
from scheduling.sync import schedules_sync

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"  # screenshots, not committed

# Each module's `pytestmark`. The live server commits its data, so these are transactional tests;
# `serialized_rollback` brings back what the data migrations created (meal windows, groups) after
# each test's flush.
BROWSER_TESTS = [
    pytest.mark.browser,
    # In CI a missing browser is a failure, not a skip.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason=f"Chromium not installed ({CHROMIUM} is missing): apt-get install chromium",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click('main form[action="/accounts/login/"] button[type=submit]')  # not the header's language switch


def submit(page, selector: str) -> None:
    """Clicks a link or a form's button and waits for the page it leads to, so that what follows
    reads the new page, not the one being left."""
    with page.expect_navigation():
        page.click(selector)


def fits(page, width: int) -> bool:
    """Nothing makes the page scroll sideways."""
    return page.evaluate("document.documentElement.scrollWidth") <= width


def history(mess, floor, student, today):
    """Three weeks of the First floor's waste, some ratings, a notification, a report and job runs:
    enough for every panel of the dashboard to draw something."""
    days = [today - datetime.timedelta(days=n) for n in range(1, 22)]
    WasteRecord.objects.bulk_create(
        WasteRecord(floor=floor, date=d, meal=meal, total_kg=Decimal(kg + d.day % 5), diners=90 + d.day % 20)
        for d in days
        for meal, kg in [("breakfast", 3), ("lunch", 8), ("dinner", 6)]
    )
    Feedback.objects.bulk_create(
        Feedback(student=student, mess=mess, date=d, meal=meal, rating=1 + (d.day + i) % 5, comment="Too much oil" if i == 0 else "")
        for d in days
        for i, meal in enumerate(["breakfast", "lunch", "dinner"])
    )
    Notification.objects.create(mess=mess, date=days[0], meal="breakfast", critical_count=1, comments=["Too much oil"])
    DailyReport.objects.create(mess=mess, date=days[0], data={"waste_kg": "17.00", "average_rating": "3.00", "alerts": []})
    schedules_sync()
    started = timezone.now() - datetime.timedelta(minutes=20)
    JobRun.objects.create(
        job="generate_alerts",
        trigger="schedule",
        started_at=started,
        finished_at=started + datetime.timedelta(seconds=1.4),
        outcome="succeeded",
    )
