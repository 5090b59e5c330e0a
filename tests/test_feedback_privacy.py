"""Who can tell which student wrote which feedback (mess/feedback_privacy.py): feedback exports give
pseudonyms unless the person may see who wrote feedback, whose exports with names are logged; the
students' page says who reads their words and for how long they stay linked to them; and the nightly
anonymise_feedback cuts that link, leaving every figure and page as it was."""

import csv
import datetime
import io
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.feedback import feedback_export_rows
from mess.feedback_privacy import feedback_anonymise, feedback_named_export, feedback_retention_cutoff
from mess.imports.feedback import feedback_import
from mess.imports.reader import ImportRejected
from mess.models import DishVote, Feedback, FeedbackNamedExport, Role
from mess.people import ADMINS_GROUP
from mess.replies import feedback_reply
from mess.reports import daily_reports_send
from scheduling.models import JobRun, Outcome, Trigger
from tests.factories import NOW, TODAY, days_ago, feedback, notification
from tests.helpers import create_person

RANGE = {"start": "2026-03-01", "end": "2026-03-10"}


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def authors_permission() -> Permission:
    return Permission.objects.get(codename="view_feedback_authors", content_type__app_label="mess")


@pytest.fixture
def students(mess1):
    """zara, bob and alice, who rate in that order; names chosen so that alphabetical order differs."""
    return [create_person(username=name, role=Role.STUDENT, mess=mess1) for name in ("zara", "bob", "alice")]


@pytest.fixture
def rated(mess1, students):
    zara, bob, alice = students
    feedback(mess1, days_ago(5), "lunch", 4, "Good dal", student=zara)
    feedback(mess1, days_ago(5), "lunch", 2, "Cold rice", student=bob)
    feedback(mess1, days_ago(4), "lunch", 3, student=alice)
    feedback(mess1, days_ago(4), "dinner", 5, student=bob)
    feedback(mess1, days_ago(1), "lunch", 1, "Stone in the dal", student=alice)
    feedback(mess1, days_ago(1), "dinner", 4, student=zara)
    return students


@pytest.fixture
def group_admin_with_names(group_admin):
    group_admin.user_permissions.add(authors_permission())
    return group_admin


# Pseudonyms


def test_a_file_numbers_students_in_order_of_first_appearance_and_keeps_each_number(rated):
    students = [row[3] for row in feedback_export_rows(start=days_ago(9), end=TODAY)]

    # days_ago(5) lunch: zara then bob (the order they wrote in, not their names); days_ago(4): alice, bob
    assert students == ["student-0001", "student-0002", "student-0003", "student-0002", "student-0003", "student-0001"]
    assert not {"zara", "bob", "alice"} & set(students)


def test_pseudonyms_do_not_carry_from_one_file_to_another(rated):
    """Alice is student-0003 in the whole range's file, and student-0001 in one of her days only: a
    number links nothing across files, and no number can be worked out from a username."""
    whole = {(r[0], r[2]): r[3] for r in feedback_export_rows(start=days_ago(9), end=TODAY)}
    later = {(r[0], r[2]): r[3] for r in feedback_export_rows(start=days_ago(4), end=TODAY)}

    assert whole[days_ago(4).isoformat(), "lunch"] == "student-0003"
    assert later[days_ago(4).isoformat(), "lunch"] == "student-0001"  # alice, first of this file
    assert whole[days_ago(1).isoformat(), "dinner"] == "student-0001"  # zara
    assert later[days_ago(1).isoformat(), "dinner"] == "student-0003"  # zara, last to appear here


def test_officials_export_pseudonyms_and_see_no_button_for_names(client, official, rated):
    client.force_login(official)

    exported = rows(client.get("/mess/mess1/feedback.csv", RANGE))

    assert {r[3] for r in exported[1:]} == {"student-0001", "student-0002", "student-0003"}
    assert "with names" not in client.get("/mess/mess1/").text
    assert FeedbackNamedExport.objects.count() == 0


# Who may export with names


def test_an_official_may_not_export_with_names_and_nothing_is_logged(client, official, rated):
    client.force_login(official)

    assert client.get("/mess/mess1/feedback.csv", RANGE | {"names": "1"}).status_code == 403
    with pytest.raises(PermissionDenied):
        feedback_named_export(user=official, start=days_ago(9), end=TODAY)
    assert FeedbackNamedExport.objects.count() == 0


def test_the_admins_group_does_not_give_the_permission_to_see_who_wrote_feedback(client, group_admin, rated):
    group = Group.objects.get(name=ADMINS_GROUP)
    assert group.permissions.filter(codename="run_every_mess").exists()
    assert not group.permissions.filter(codename="view_feedback_authors").exists()
    client.force_login(group_admin)

    assert client.get("/overview/feedback.csv", RANGE | {"names": "1"}).status_code == 403
    assert "with names" not in client.get("/overview/").text


def test_a_person_given_the_permission_exports_with_names_and_the_export_is_logged(client, group_admin_with_names, mess1, rated):
    client.force_login(group_admin_with_names)
    assert "Feedback CSV with names" in client.get("/mess/mess1/").text

    response = client.get("/mess/mess1/feedback.csv", RANGE | {"names": "1"})

    assert response["Content-Disposition"] == 'attachment; filename="feedback-named-mess1-2026-03-01-2026-03-10.csv"'
    assert [r[3] for r in rows(response)[1:]] == ["bob", "zara", "alice", "bob", "alice", "zara"]  # by name within a meal
    log = FeedbackNamedExport.objects.get()
    assert (log.exported_by, log.exported_at, log.mess, log.start, log.end, log.rows) == (
        group_admin_with_names,
        NOW,
        mess1,
        datetime.date(2026, 3, 1),
        TODAY,
        6,
    )


def test_an_official_given_the_permission_exports_their_own_mess_with_names(client, official, rated):
    official.user_permissions.add(authors_permission())
    client.force_login(official)

    assert "Feedback CSV with names" in client.get("/mess/mess1/").text
    assert {r[3] for r in rows(client.get("/mess/mess1/feedback.csv", RANGE | {"names": "1"}))[1:]} == {"zara", "bob", "alice"}
    assert FeedbackNamedExport.objects.get().exported_by == official


def test_an_export_of_every_mess_with_names_is_logged_without_a_mess(as_admin, admin, rated):
    rows(as_admin.get("/overview/feedback.csv", {"start": "2026-03-09", "end": "2026-03-10", "names": "1"}))

    log = FeedbackNamedExport.objects.get()
    assert (log.exported_by, log.mess, log.start, log.end, log.rows) == (admin, None, days_ago(1), TODAY, 2)


def test_the_log_of_named_exports_is_read_only_in_the_admin(as_admin, rated):
    rows(as_admin.get("/overview/feedback.csv", RANGE | {"names": "1"}))
    log = FeedbackNamedExport.objects.get()

    assert "ada" in as_admin.get("/admin/mess/feedbacknamedexport/").text
    assert as_admin.get("/admin/mess/feedbacknamedexport/add/").status_code == 403
    assert as_admin.get(f"/admin/mess/feedbacknamedexport/{log.pk}/delete/").status_code == 403
    assert 'type="submit"' not in as_admin.get(f"/admin/mess/feedbacknamedexport/{log.pk}/change/").text.split('id="content-main"')[1]


def test_the_feedback_admin_shows_who_wrote_an_entry_only_to_those_who_may_see_it(client, group_admin, rated):
    entry = Feedback.objects.filter(student__username="zara").first()
    group_admin.is_staff = True  # opens Django admin
    group_admin.save()
    client.force_login(group_admin)
    assert "zara" not in client.get("/admin/mess/feedback/").text
    assert "zara" not in client.get(f"/admin/mess/feedback/{entry.pk}/change/").text

    group_admin.user_permissions.add(authors_permission())
    client.force_login(group_admin)
    assert "zara" in client.get("/admin/mess/feedback/").text


def test_the_named_export_goes_back_in_and_the_pseudonymous_one_does_not(as_admin, rated):
    named = b"".join(as_admin.get("/mess/mess1/feedback.csv", RANGE | {"names": "1"}).streaming_content)
    pseudonymous = b"".join(as_admin.get("/mess/mess1/feedback.csv", RANGE).streaming_content)
    before = sorted(Feedback.objects.values_list("student_id", "date", "meal", "rating", "comment", "category"))

    Feedback.objects.all().delete()
    assert feedback_import(file=io.BytesIO(named)).new == 6
    assert sorted(Feedback.objects.values_list("student_id", "date", "meal", "rating", "comment", "category")) == before
    with pytest.raises(ImportRejected) as rejected:
        feedback_import(file=io.BytesIO(pseudonymous))
    assert "line 2: unknown student 'student-0001'" in rejected.value.errors


# What the students are told


def test_the_students_page_says_who_reads_their_feedback_and_for_how_long_it_stays_theirs(client, student, mess1, settings):
    settings.FEEDBACK_RETENTION_DAYS = 30
    client.force_login(student)

    text = client.get("/feedback/").text.split('id="who-reads"')[1].split("</p>")[0]

    assert "read by your mess's officials and ManageIt's admins" in text.replace("&#x27;", "'")
    assert "do not see your name" in text and "may reply" in text
    assert "linked to you for 30 days" in text


# The nightly job


@pytest.fixture
def old_and_new(mess1, student):
    """Alice's feedback on each side of the 365-day boundary, with dish votes and a reply."""
    kept = feedback(mess1, days_ago(365), "lunch", 4, "Fine", student=student)
    cut = feedback(mess1, days_ago(366), "lunch", 2, "Too salty", student=student)
    DishVote.objects.create(feedback=cut, mess=mess1, date=cut.date, dish="Dal", liked=False)
    Feedback.objects.filter(pk=cut.pk).update(reply="Less salt now.")
    return kept, cut


def test_feedback_older_than_the_retention_period_loses_its_student_and_keeps_the_rest(settings, old_and_new, student):
    settings.FEEDBACK_RETENTION_DAYS = 365
    kept, cut = old_and_new
    assert feedback_retention_cutoff() == days_ago(365)

    assert feedback_anonymise() == f"anonymised 1 feedback entry dated before {days_ago(365)} in 1 batch"

    cut.refresh_from_db()
    kept.refresh_from_db()
    assert (kept.student, cut.student) == (student, None)  # the 365th day back stays, the 366th goes
    assert (cut.rating, cut.comment, cut.reply, cut.category) == (2, "Too salty", "Less salt now.", "food")
    assert list(cut.dish_votes.values_list("dish", "liked")) == [("Dal", False)]


def test_it_follows_the_setting(settings, old_and_new):
    settings.FEEDBACK_RETENTION_DAYS = 366
    assert feedback_anonymise().startswith("anonymised 0 feedback entries")
    settings.FEEDBACK_RETENTION_DAYS = 10
    assert feedback_anonymise().startswith("anonymised 2 feedback entries")


def test_a_second_run_changes_nothing(settings, old_and_new):
    settings.FEEDBACK_RETENTION_DAYS = 365
    feedback_anonymise()
    before = list(Feedback.objects.order_by("pk").values())

    assert feedback_anonymise() == f"anonymised 0 feedback entries dated before {days_ago(365)} in 0 batches"
    assert list(Feedback.objects.order_by("pk").values()) == before


def test_it_works_in_batches_of_one_update_each(settings, mess1):
    settings.FEEDBACK_RETENTION_DAYS = 30
    for n in range(5):
        feedback(mess1, days_ago(40 + n), "lunch", 3)

    with CaptureQueriesContext(connection) as queries:
        summary = feedback_anonymise(batch_size=2)

    assert summary == f"anonymised 5 feedback entries dated before {days_ago(30)} in 3 batches"
    assert len([q for q in queries if q["sql"].startswith("UPDATE")]) == 3
    assert not Feedback.objects.filter(student__isnull=False).exists()
    with pytest.raises(ValueError, match="batch size must be at least 1, not 0"):
        feedback_anonymise(batch_size=0)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_the_command_runs_the_job_and_records_the_run(settings, old_and_new):
    settings.FEEDBACK_RETENTION_DAYS = 365

    summary = run("anonymise_feedback", "--batch-size", "5")

    assert summary == f"anonymised 1 feedback entry dated before {days_ago(365)} in 1 batch"
    last = JobRun.objects.get(job="anonymise_feedback")
    assert (last.trigger, last.outcome, last.summary, last.arguments) == (Trigger.COMMAND, Outcome.SUCCEEDED, summary, {"batch_size": 5})
    with pytest.raises(CommandError, match="batch_size: must be at least 1, not 0"):
        run("anonymise_feedback", "--batch-size", "0")


# Every page with an anonymised entry


def test_every_page_and_figure_still_works_with_an_anonymised_entry(settings, client, as_official, official, admin, mess1, student):
    settings.FEEDBACK_RETENTION_DAYS = 1
    entry = feedback(mess1, days_ago(2), "lunch", 1, "Stone in the dal", student=student)
    DishVote.objects.create(feedback=entry, mess=mess1, date=entry.date, dish="Dal", liked=False)
    notification(mess1, days_ago(2), "lunch", ["Stone in the dal"])
    feedback_anonymise()
    entry.refresh_from_db()
    assert entry.student is None
    daily_reports_send(date=days_ago(2))

    for url in ("/mess/mess1/", "/mess/mess1/scorecard/", "/mess/mess1/notifications/", f"/mess/mess1/reports/{days_ago(2)}/"):
        assert as_official.get(url).status_code == 200, url
    assert "Stone in the dal" in as_official.get("/mess/mess1/notifications/").text
    feedback_reply(mess=mess1, feedback_id=entry.pk, reply="Sieved now.", replied_by=official)
    entry.refresh_from_db()
    assert entry.reply == "Sieved now."
    assert [r[3] for r in rows(as_official.get("/mess/mess1/feedback.csv", RANGE))[1:]] == [""]

    client.force_login(admin)
    assert rows(client.get("/mess/mess1/feedback.csv", RANGE | {"names": "1"}))[1:] == []  # no student to name
    assert FeedbackNamedExport.objects.get().rows == 0
    for url in ("/overview/", "/admin/mess/feedback/", f"/admin/mess/feedback/{entry.pk}/change/"):
        assert client.get(url).status_code == 200, url
