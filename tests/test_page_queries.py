"""Every page costs the same small number of SQL queries however much data there is: measured with
a little data, then again with more than the demo has (90 days, five floors a mess, 25 students
rating two meals a day and away from some, an announcement a day, a cook sheet and the kilograms cooked for every meal, a
notification for every meal, a report for every day, job runs)."""

import datetime
import random
from decimal import Decimal

import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.models import (
    Absence,
    Announcement,
    AnnouncementChange,
    CookedFood,
    CookSheet,
    DailyReport,
    Feedback,
    Floor,
    GroupAdmin,
    Meal,
    Mess,
    MessGroup,
    Notification,
    Role,
    WasteRecord,
)
from scheduling.models import JobRun, Outcome, Trigger
from scheduling.registry import JOBS
from scheduling.sync import schedules_sync
from tests.factories import NOW, TODAY, alert, days_ago
from tests.helpers import create_person

User = get_user_model()

# the dashboard: 13, today's menu (regular, one-day and non-veg menus, closed days), the missing waste (3), the inbox's
# comments, the meal being cooked and the week's sheets beside who came (5), the waste's worth, goal and weeks (5)
MAX_QUERIES = 31
# A group admin's pages read the messes of their groups besides (mess.scopes.group_admin_messes).
BUDGET = {"group_admin": MAX_QUERIES + 1}
RANGE = "?start=2025-01-01&end=2026-03-10"
PAGES = [
    ("official", "/mess/mess1/"),
    ("admin", "/mess/mess1/"),
    ("official", "/mess/mess1/notifications/"),
    ("admin", "/mess/mess1/notifications/?page=3"),
    ("official", "/settings/"),
    ("official", "/mess/mess1/waste/"),
    ("admin", "/mess/mess1/waste/history/"),
    ("official", "/mess/mess1/reports/2026-03-09/"),
    ("official", "/mess/mess1/alerts/"),
    ("official", "/mess/mess1/scorecard/"),
    ("admin", "/overview/"),
    ("admin", "/overview/?sort=-missing&page=2"),
    ("admin", "/overview/messes.csv?sort=rating"),
    ("student", "/feedback/"),
    ("official", f"/mess/mess1/waste.csv{RANGE}"),
    ("official", f"/mess/mess1/feedback.csv{RANGE}"),
    ("official", "/mess/mess1/absences/"),
    ("official", f"/mess/mess1/absences/{RANGE}&page=2"),
    ("official", f"/mess/mess1/absences.csv{RANGE}"),
    ("admin", f"/overview/waste.csv{RANGE}"),
    ("admin", f"/overview/feedback.csv{RANGE}"),
    ("student", "/menu/mess1/"),
    ("official", "/mess/mess1/menu.csv"),
    ("official", "/mess/mess1/announcements/"),
    ("admin", "/mess/mess1/announcements/"),
    ("group_admin", "/overview/"),
    ("group_admin", f"/overview/feedback.csv{RANGE}"),
    ("group_admin", "/mess/mess1/"),
]


def add_data(messes, *, days: int, floors: int, raters: int, first_day: int = 0) -> None:
    """Waste on `floors` new floors of each mess, feedback from `raters` new students of each mess
    on lunch and dinner, a notification for each meal and a report for each day, over `days` days
    from `first_day` days ago backwards; alerts on each new floor; runs of every job."""
    rng = random.Random(days)
    dates = [days_ago(first_day + n) for n in range(days)]
    records, entries, notifications, reports, alerts, absences, sheets, cooked = [], [], [], [], [], [], [], []
    announcements, announcement_changes = [], []
    for mess in messes:
        Floor.objects.bulk_create([Floor(mess=mess, name=f"Floor {first_day}-{i}") for i in range(floors)])
        new_floors = list(Floor.objects.filter(mess=mess, name__startswith=f"Floor {first_day}-"))
        students = [create_person(username=f"{mess.code}-{first_day}-{i}", role=Role.STUDENT, mess=mess) for i in range(raters)]
        absences += [Absence(student=s, mess=mess, first_day=TODAY, last_day=days_ago(-3), meal="") for s in students]
        absences += [Absence(student=s, mess=mess, first_day=d, last_day=d, meal="dinner") for s in students for d in dates]
        for date in dates:
            for meal in Meal.values:
                records += [
                    WasteRecord(floor=f, date=date, meal=meal, total_kg=Decimal(rng.randint(1, 900)) / 100, diners=rng.choice([None, 90]))
                    for f in new_floors
                ]
                sheets.append(
                    CookSheet(mess=mess, date=date, meal=meal, students=90, absent=5, forecast=80, explanation="expected 80", to_cook=84)
                )
                cooked.append(CookedFood(mess=mess, date=date, meal=meal, kg=Decimal(rng.randint(2000, 9000)) / 100))
                notifications.append(
                    Notification(
                        mess=mess, date=date, meal=meal, critical_count=2, comments=["Cold", "Late"], average_rating=Decimal("2.5")
                    )
                )
            for meal in ("lunch", "dinner"):
                entries += [
                    Feedback(student=s, mess=mess, date=date, meal=meal, rating=rng.randint(1, 5), comment=rng.choice(["", "Too oily"]))
                    for s in students
                ]
            reports.append(DailyReport(mess=mess, date=date, data={"waste_kg": "10.00", "alerts": []}, text_body="", html_body=""))
            announcements.append(
                Announcement(mess=mess, title="Notice", text="No dinner", first_day=date, last_day=days_ago(-2), posted_by=students[0])
            )
            announcement_changes.append(
                AnnouncementChange(mess=mess, announcement_id=1, action="added", title_after="Notice", changed_by=students[0])
            )
        alerts += [alert(mess, f.name) for f in new_floors]
    WasteRecord.objects.bulk_create(records, batch_size=2000)
    Feedback.objects.bulk_create(entries, batch_size=2000)
    Notification.objects.bulk_create(notifications, batch_size=2000)
    DailyReport.objects.bulk_create(reports)
    Absence.objects.bulk_create(absences, batch_size=2000)
    CookSheet.objects.bulk_create(sheets, batch_size=2000)
    CookedFood.objects.bulk_create(cooked, batch_size=2000)
    Announcement.objects.bulk_create(announcements)
    AnnouncementChange.objects.bulk_create(announcement_changes)
    started = datetime.datetime(2026, 3, 10, 1, tzinfo=datetime.UTC)
    JobRun.objects.bulk_create(
        JobRun(
            job=job,
            trigger=Trigger.SCHEDULE,
            started_at=started - datetime.timedelta(hours=n),
            finished_at=started,
            outcome=Outcome.SUCCEEDED,
        )
        for job in JOBS
        for n in range(first_day, first_day + days)
    )


def query_counts(client, people) -> dict[tuple[str, str], int]:
    counts = {}
    for role, url in PAGES:
        client.force_login(people[role])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, (role, url)
        counts[role, url] = len(queries)
    return counts


@time_machine.travel(NOW, tick=False)
def test_each_page_costs_the_same_few_queries_whatever_the_data(
    client, mess1, mess2, student, official, admin, django_assert_max_num_queries
):
    north = MessGroup.objects.create(code="north", name="North")
    Mess.objects.filter(pk__in=[mess1.pk, mess2.pk]).update(group=MessGroup.objects.create(code="north-a", name="A", parent=north))
    group_admin = User.objects.create_user(username="carla")
    GroupAdmin.objects.create(user=group_admin, group=north)
    people = {"student": student, "official": official, "admin": admin, "group_admin": group_admin}
    schedules_sync()
    add_data([mess1, mess2], days=2, floors=1, raters=1)
    Feedback.objects.create(student=student, mess=mess1, date=TODAY, meal="breakfast", rating=1, comment="Mine")
    Feedback.objects.create(student=student, mess=mess1, date=days_ago(1), meal="breakfast", rating=2, comment="Mine too")
    few = query_counts(client, people)

    add_data([mess1, mess2], days=90, floors=4, raters=25, first_day=2)
    Feedback.objects.bulk_create(
        Feedback(student=student, mess=mess1, date=days_ago(n), meal=meal, rating=3) for n in range(2, 90) for meal in ("lunch", "dinner")
    )
    assert WasteRecord.objects.count() > 2 * 90 * 4 * 4 and Feedback.objects.count() > 2 * 90 * 2 * 25
    many = query_counts(client, people)

    assert many == few
    assert all(n <= BUDGET.get(role, MAX_QUERIES) for (role, _url), n in many.items()), many
    for role, url in PAGES:  # and the same with pytest-django's own counter
        client.force_login(people[role])
        with django_assert_max_num_queries(BUDGET.get(role, MAX_QUERIES)):
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
    print("queries per page:", {f"{role} {url.split('?')[0]}": n for (role, url), n in many.items()})
