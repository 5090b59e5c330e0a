"""bench_data: the benchmarks' generator, at a tiny size: the same rows every time, the counts its
scale promises, reports as the reports job makes them, and only into an empty database; installed
with the benchmarks' settings, never in production."""

import datetime
import io
import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import modify_settings

from benchmarks.alerts import alerts_by_sql, conditions_as_sql_rows
from benchmarks.data import RATING_SHARE
from mess.absences import absent_students, meal_cutoff
from mess.alerts import alert_conditions
from mess.meals import meal_windows
from mess.models import Absence, Alert, Closure, DailyReport, Feedback, Floor, Mess, Notification, Profile, Role, WasteRecord
from mess.people import user_access
from mess.reports import daily_reports_data
from tests.helpers import ROOT, create_person

User = get_user_model()
UNTIL = datetime.date(2024, 7, 31)
TINY = ["--scale", "S", "--messes", "2", "--floors", "2", "--students", "10", "--days", "8", "--until", UNTIL.isoformat()]


@pytest.fixture(autouse=True)
def benchmarks_installed():
    # as benchmarks.settings has it
    with modify_settings(INSTALLED_APPS={"append": "benchmarks"}):
        yield


class Undo(Exception):
    pass


def generate(*args: str) -> str:
    out = io.StringIO()
    call_command("bench_data", *TINY, *args, stdout=out)
    return out.getvalue()


def digest(output: str) -> str:
    return re.search(r"digest ([0-9a-f]{64})", output).group(1)


def test_it_writes_the_same_rows_every_time(db):
    digests = []
    for _ in range(2):
        try:
            with transaction.atomic():
                digests.append(digest(generate()))
                digests.append(sorted(Feedback.objects.values_list("student__username", "date", "meal", "rating", "comment")))
                raise Undo
        except Undo:
            pass
    assert digests[0] == digests[2]
    assert digests[1] == digests[3]
    assert not Mess.objects.exists()


def test_it_writes_what_its_scale_promises(db):
    output = generate()

    # 2 messes x 8 days x 4 meals x 30 % of 10 students; 2 messes x 2 floors x 8 days x 4 meals
    assert Feedback.objects.count() == 2 * 8 * 4 * 3
    assert WasteRecord.objects.count() == 2 * 2 * 8 * 4
    assert Floor.objects.count() == 4
    assert DailyReport.objects.count() == 2 * 8
    assert "192 mess_feedback" in output
    assert Feedback.objects.earliest("date").date == UNTIL - datetime.timedelta(days=7)
    assert Feedback.objects.latest("date").date == UNTIL
    assert Feedback.objects.values("mess", "date", "meal").distinct().count() == 2 * 8 * 4
    # each mess's official serves it (their dashboard is measured)
    official = User.objects.get(username="mess01-official")
    assert user_access(user=official).mess_codes == ["mess01"]


def test_it_stores_the_reports_and_notifications_the_jobs_would(db):
    generate("--students", "40")
    messes = list(Mess.objects.all())
    data = daily_reports_data(messes=messes, dates=[UNTIL - datetime.timedelta(days=3), UNTIL])
    for report in DailyReport.objects.filter(date__in=[UNTIL - datetime.timedelta(days=3), UNTIL]):
        assert report.data == data[report.mess_id, report.date]
    assert Notification.objects.exists()
    for notification in Notification.objects.all():
        critical = Feedback.objects.filter(
            mess=notification.mess, date=notification.date, meal=notification.meal, notified_at__isnull=False
        )
        assert notification.critical_count == critical.count()


def test_it_leaves_alert_conditions_to_find_over_a_longer_history(db):
    generate("--messes", "6", "--floors", "4", "--students", "20")

    _, found = alert_conditions(as_of=UNTIL)
    assert {c["kind"] for c in found} == {"high_waste", "high_waste_per_diner", "low_rating"}
    assert_hand_written_sql_agrees(found, start=UNTIL - datetime.timedelta(days=6))


def test_it_writes_the_students_absences_said_before_each_cut_off_and_since_when_they_eat_there(db):
    generate("--students", "50", "--days", "14")
    first_day = UNTIL - datetime.timedelta(days=13)
    windows = {w.meal: w for w in meal_windows()}

    profiles = Profile.objects.filter(user__groups__name=Role.STUDENT)
    assert profiles.count() == 100 and set(profiles.values_list("since", flat=True)) == {first_day}
    absences = list(Absence.objects.select_related("mess"))
    # weekends at home from Friday dinner (9 of 50 students), and a meal skipped now and then (2 a day)
    fridays = [d for d in (first_day + datetime.timedelta(days=n) for n in range(14)) if d.weekday() == 4]
    assert len([a for a in absences if a.meal == "dinner" and a.first_day in fridays]) >= 2 * 2 * 9
    assert len([a for a in absences if not a.meal and a.first_day.weekday() == 5 and (a.last_day - a.first_day).days == 1]) == 2 * 2 * 9
    for a in absences:
        assert a.known_at < meal_cutoff(mess=a.mess, date=a.first_day, window=windows[a.meal or "breakfast"])
    saturday = fridays[-1] + datetime.timedelta(days=1)
    away = absent_students(mess_ids=[a.mess_id for a in absences], start=saturday, end=saturday)
    assert all(len(away[mess.pk, saturday, "lunch"]) >= 9 for mess in Mess.objects.all())


def test_it_writes_a_history_of_resolved_alerts_with_what_they_rest_on(db):
    generate("--days", "45")

    alerts = list(Alert.objects.all())
    assert alerts and all(a.is_open is None and a.acknowledgement == "" for a in alerts)
    assert {a.basis for a in alerts} == {7 * round(10 * RATING_SHARE)}  # a week of the ten students' raters


def assert_hand_written_sql_agrees(found: list[dict], *, start: datetime.date) -> None:
    assert alerts_by_sql(start=start, end=UNTIL) == conditions_as_sql_rows(found)


def test_the_hand_written_sql_follows_the_rule_at_its_boundaries(mess1, ground, first):
    """The exact comparisons (0.70 kg a day over 3 days is 2.10 kg, which binary floating point puts
    above 0.7 * 3), closed days, head counts and too few ratings, as alert_conditions has them."""
    Mess.objects.filter(pk=mess1.pk).update(waste_threshold_kg=Decimal("0.70"), min_ratings=2)
    for n, kg in enumerate(["0.70", "0.70", "0.70"]):
        WasteRecord.objects.create(floor=ground, date=UNTIL - datetime.timedelta(days=n), meal="lunch", total_kg=Decimal(kg), diners=4)
    WasteRecord.objects.create(floor=first, date=UNTIL, meal="lunch", total_kg=Decimal("0.71"))
    WasteRecord.objects.create(floor=first, date=UNTIL - datetime.timedelta(days=3), meal="lunch", total_kg=Decimal("9"))
    Closure.objects.create(mess=mess1, first_day=UNTIL - datetime.timedelta(days=4), last_day=UNTIL - datetime.timedelta(days=3))
    students = [create_person(username=f"r{i}", role=Role.STUDENT, mess=mess1) for i in range(2)]
    Feedback.objects.create(student=students[0], mess=mess1, date=UNTIL, meal="lunch", rating=1)
    Feedback.objects.create(student=students[0], mess=mess1, date=UNTIL, meal="dinner", rating=1)
    Feedback.objects.create(student=students[1], mess=mess1, date=UNTIL, meal="dinner", rating=2)

    _, found = alert_conditions(as_of=UNTIL)
    assert [(c["kind"], c["subject"], c["value"], c["basis"]) for c in found] == [
        ("high_waste", "First", Decimal("0.71"), 1),
        ("high_waste_per_diner", "Ground", Decimal("175.00"), 12),
        ("low_rating", "dinner", Decimal("1.50"), 2),
    ]
    assert_hand_written_sql_agrees(found, start=UNTIL - datetime.timedelta(days=6))


def test_it_refuses_a_database_with_messes(mess1):
    with pytest.raises(CommandError, match="already has messes or users"):
        generate()
    assert not Feedback.objects.exists()


def manage_help(**env: str) -> str:
    env = {**os.environ, "DEBUG": "False", "SECRET_KEY": "only-for-this-test", **env}
    return subprocess.run([sys.executable, "manage.py", "help"], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout


def test_production_does_not_install_it():
    assert " import_waste\n" in manage_help(DJANGO_SETTINGS_MODULE="manageit.settings")
    assert "bench_data" not in manage_help(DJANGO_SETTINGS_MODULE="manageit.settings")
    assert " bench_data\n" in manage_help(DJANGO_SETTINGS_MODULE="benchmarks.settings")
