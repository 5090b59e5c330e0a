"""What follows a change of waste or feedback: the mess's alerts are handed to the cluster once for
a row of changes, and a day's stored daily report is recomputed and marked corrected, without a
second e-mail unless asked."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_q.models import OrmQ, Schedule
from django_q.signing import SignedPackage

from mess.derived import ALERTS_WITHIN_SECONDS
from mess.emails import EmailsFailed
from mess.feedback import feedback_save
from mess.imports.waste import waste_import
from mess.models import Alert, Closure, DailyReport, OutgoingEmail, WasteRecord
from mess.reports import daily_reports_correct, daily_reports_send
from mess.waste import waste_record_save
from scheduling.scheduler import schedules_start_due
from scheduling.tasks import run_job
from tests.factories import IST, NOW, TODAY, days_ago

YESTERDAY = days_ago(1)
SEVEN_AM = datetime.datetime(2026, 3, 10, 7, tzinfo=IST)


def waiting():
    return sorted(Schedule.objects.exclude(repeats=0).values_list("name", "kwargs", "next_run"))


def save(mess, floor, date, kg, meal="lunch", official=None):
    return waste_record_save(mess=mess, floor=floor, date=date, meal=meal, total_kg=Decimal(kg), diners=None, recorded_by=official)


# Fresh alerts


@time_machine.travel(NOW, tick=False)
def test_a_row_of_waste_saves_hands_the_messs_alerts_to_the_cluster_once(
    mess1, mess2, ground, first, official, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for kg in ("30", "31", "32"):
            save(mess1, ground, TODAY, kg, official=official)
        save(mess1, first, TODAY, "40", official=official)
    assert waiting() == [
        ("soon: generate_alerts mess_code='mess1'", "{'mess_code': 'mess1'}", NOW + datetime.timedelta(seconds=ALERTS_WITHIN_SECONDS))
    ]


def test_the_run_handed_over_raises_the_alert_on_the_dashboards_data(mess1, ground, official, django_capture_on_commit_callbacks):
    mess1.waste_threshold_kg = Decimal("10")
    mess1.save()
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        save(mess1, ground, YESTERDAY, "900", meal="dinner", official=official)  # weighed the next morning, a whole day
    assert not Alert.objects.exists()  # not in the official's request
    with time_machine.travel(NOW + datetime.timedelta(seconds=ALERTS_WITHIN_SECONDS), tick=False):
        assert len(schedules_start_due()) == 1
        task = SignedPackage.loads(OrmQ.objects.get().payload)
        run_job(*task["args"], **task["kwargs"])  # what a worker does with it
    assert list(Alert.objects.values_list("mess__code", "kind", "subject")) == [("mess1", "high_waste", "Ground")]
    assert not Schedule.objects.filter(name__startswith="soon: ").exists()


@time_machine.travel(NOW, tick=False)
def test_feedback_hands_the_messs_alerts_over_too(mess1, student, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        feedback_save(student=student, meal="lunch", rating=1, category="food", comment="")
        feedback_save(student=student, meal="lunch", rating=2, category="food", comment="")
    assert [name for name, _, _ in waiting()] == ["soon: generate_alerts mess_code='mess1'"]


@time_machine.travel(NOW, tick=False)
def test_an_import_of_several_messes_hands_every_messs_alerts_over_once(mess1, mess2, ground, django_capture_on_commit_callbacks):
    rows = "date,mess,floor,meal,total_kg\n" + "".join(
        f"{days_ago(n)},mess1,Ground,lunch,{n}\n{days_ago(n)},mess2,Second,lunch,{n}\n" for n in range(30)
    )
    with django_capture_on_commit_callbacks(execute=True):
        waste_import(file=io.StringIO(rows))
    assert WasteRecord.objects.count() == 60
    assert [name for name, _, _ in waiting()] == ["soon: generate_alerts"]


def test_a_write_that_rolls_back_hands_nothing_over(mess1, ground, official, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            save(mess1, ground, TODAY, "30", official=official)
            raise RuntimeError("the page failed after the save")
    assert waiting() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_while_no_cluster_runs_succeeds_and_its_run_waits_in_the_database(mess1, ground, official):
    # No cluster and no transaction around the test: the save commits for real and the schedule
    # is written after it, to be run whenever a cluster starts.
    with time_machine.travel(NOW, tick=False):
        save(mess1, ground, TODAY, "30", official=official)
    assert WasteRecord.objects.count() == 1
    assert [name for name, _, _ in waiting()] == ["soon: generate_alerts mess_code='mess1'"]


# Corrected reports


def reported_yesterday(mess1, ground, people):
    save(mess1, ground, YESTERDAY, "10")
    with time_machine.travel(SEVEN_AM, tick=False):
        daily_reports_send()
    assert len(mail.outbox) == 1


@pytest.fixture
def people(official, admin):
    return official, admin


def test_a_correction_of_a_reported_day_recomputes_its_report_and_marks_it_corrected(mess1, ground, people):
    reported_yesterday(mess1, ground, people)
    later = SEVEN_AM + datetime.timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        save(mess1, ground, YESTERDAY, "12.50", meal="dinner")
    report = DailyReport.objects.get()
    assert (report.data["waste_kg"], report.corrected_at, report.emailed_at) == ("22.50", later, SEVEN_AM)
    assert "WASTE: 22.50 kg" in report.text_body and "Corrected at Tue 10 Mar 2026, 10:00" in report.text_body
    assert "Corrected at Tue 10 Mar 2026, 10:00" in report.html_body
    assert len(mail.outbox) == 1  # no second e-mail

    # the nightly run leaves it as it is, and e-mails nothing
    with time_machine.travel(later + datetime.timedelta(hours=1), tick=False):
        daily_reports_send(date=YESTERDAY)
    assert DailyReport.objects.get().corrected_at == later and len(mail.outbox) == 1

    # --resend sends the corrected report, saying so
    with time_machine.travel(later + datetime.timedelta(hours=1), tick=False):
        call_command("send_daily_report", "--date", str(YESTERDAY), "--resend", stdout=io.StringIO())
    assert len(mail.outbox) == 2
    assert "corrected" in mail.outbox[1].subject and "Corrected at Tue 10 Mar 2026, 10:00" in mail.outbox[1].body


def test_the_report_page_says_when_it_was_corrected(mess1, ground, people, as_official):
    reported_yesterday(mess1, ground, people)
    with time_machine.travel(SEVEN_AM + datetime.timedelta(hours=3), tick=False):
        save(mess1, ground, YESTERDAY, "1", meal="dinner")
        page = as_official.get(f"/mess/mess1/reports/{YESTERDAY}/").content.decode()
    assert "corrected at Tue 10 Mar 2026, 10:00" in page


def test_a_change_that_leaves_the_figures_as_they_were_corrects_nothing(mess1, ground, people):
    reported_yesterday(mess1, ground, people)
    with time_machine.travel(SEVEN_AM + datetime.timedelta(hours=3), tick=False):
        save(mess1, ground, YESTERDAY, "10")
    assert DailyReport.objects.get().corrected_at is None


def test_feedback_imported_for_a_reported_day_corrects_its_report(mess1, ground, student, people):
    reported_yesterday(mess1, ground, people)
    from mess.imports.feedback import feedback_import

    with time_machine.travel(SEVEN_AM + datetime.timedelta(hours=1), tick=False):
        feedback_import(file=io.StringIO(f"date,mess,meal,student,rating\n{YESTERDAY},mess1,lunch,alice,2\n"))
    report = DailyReport.objects.get()
    assert (report.data["feedback_count"], report.data["average_rating"]) == (1, "2.00")
    assert report.corrected_at == SEVEN_AM + datetime.timedelta(hours=1)


class MailServerDown(EmailBackend):
    def open(self):
        raise ConnectionRefusedError("the mail server is down")


def stored_not_sent(mess1, ground, people, settings):
    """Yesterday's report of mess1, its e-mail stored but not sent (the mail server was down)."""
    save(mess1, ground, YESTERDAY, "10")
    settings.EMAIL_BACKEND = "tests.test_derived.MailServerDown"
    with time_machine.travel(SEVEN_AM, tick=False), pytest.raises(EmailsFailed):
        daily_reports_send()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    email = OutgoingEmail.objects.get()
    assert (email.sent_at, "10.00 kg wasted" in email.subject, "WASTE: 10.00 kg" in email.text_body) == (None, True, True)
    return email


def test_a_correction_re_renders_the_reports_e_mail_not_sent_yet_keeping_its_message_id(mess1, ground, people, settings):
    stored = stored_not_sent(mess1, ground, people, settings)
    later = SEVEN_AM + datetime.timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        save(mess1, ground, YESTERDAY, "12.50", meal="dinner")
    email = OutgoingEmail.objects.get()
    report = DailyReport.objects.get()
    assert (email.pk, email.message_id, email.to, email.created_at, email.sent_at) == (
        stored.pk,
        stored.message_id,
        stored.to,
        stored.created_at,
        None,
    )
    assert "corrected, 22.50 kg wasted" in email.subject
    assert (email.text_body, email.html_body) == (report.text_body, report.html_body)
    assert "WASTE: 22.50 kg" in email.text_body and "Corrected at Tue 10 Mar 2026, 10:00" in email.html_body

    # the next run sends it as it is now: the corrected figures, under the Message-ID stored first
    with time_machine.travel(later + datetime.timedelta(hours=1), tick=False):
        assert daily_reports_send(date=YESTERDAY).startswith("1 e-mail of an earlier run sent; ")
    [sent] = mail.outbox
    assert sent.extra_headers["Message-ID"] == stored.message_id
    assert "22.50 kg wasted" in sent.subject and "WASTE: 22.50 kg" in sent.body and "Dinner: 12.50 kg" in sent.body


def test_a_correction_leaves_an_e_mail_sent_or_given_up_as_it_went(mess1, ground, people, settings):
    stored_not_sent(mess1, ground, people, settings)
    OutgoingEmail.objects.update(given_up_at=SEVEN_AM)
    with time_machine.travel(SEVEN_AM + datetime.timedelta(hours=3), tick=False):
        save(mess1, ground, YESTERDAY, "12.50", meal="dinner")
    assert "10.00 kg wasted" in OutgoingEmail.objects.get().subject
    assert DailyReport.objects.get().data["waste_kg"] == "22.50"

    OutgoingEmail.objects.update(given_up_at=None, sent_at=SEVEN_AM)
    with time_machine.travel(SEVEN_AM + datetime.timedelta(hours=4), tick=False):
        save(mess1, ground, YESTERDAY, "15", meal="dinner")
    email = OutgoingEmail.objects.get()
    assert "10.00 kg wasted" in email.subject and "WASTE: 10.00 kg" in email.text_body
    assert DailyReport.objects.get().data["waste_kg"] == "25.00"


def test_a_correction_re_renders_many_unsent_e_mails_in_one_update(mess1, mess2, ground, people, settings, django_assert_num_queries):
    second = mess2.floors.get(name="Second")
    for n in (1, 2):
        save(mess1, ground, days_ago(n), "10")
        save(mess2, second, days_ago(n), "10")
    settings.EMAIL_BACKEND = "tests.test_derived.MailServerDown"
    with time_machine.travel(SEVEN_AM, tick=False):
        for n in (1, 2):
            with pytest.raises(EmailsFailed):
                daily_reports_send(date=days_ago(n))
    assert OutgoingEmail.objects.filter(sent_at=None).count() == 4
    records = WasteRecord.objects.filter(date__in=[days_ago(1), days_ago(2)])
    # the same correction with every e-mail given up: the cost of correcting, without e-mails to render
    OutgoingEmail.objects.update(given_up_at=SEVEN_AM)
    records.update(total_kg=Decimal("10.50"))
    with time_machine.travel(SEVEN_AM + datetime.timedelta(hours=1), tick=False):
        with CaptureQueriesContext(connection) as without_e_mails:
            assert daily_reports_correct(dates=[days_ago(1), days_ago(2)]) == 4
    OutgoingEmail.objects.update(given_up_at=None)
    records.update(total_kg=Decimal("11"))
    with time_machine.travel(SEVEN_AM + datetime.timedelta(hours=2), tick=False):
        # the four e-mails' update, and one read of their recipients' languages
        with django_assert_num_queries(len(without_e_mails.captured_queries) + 2):
            assert daily_reports_correct(dates=[days_ago(1), days_ago(2)]) == 4
    assert sorted(OutgoingEmail.objects.values_list("subject", flat=True)) == [
        "[ManageIt] Mess 1, Mon 9 Mar 2026: corrected, 11.00 kg wasted, 0 critical feedback",
        "[ManageIt] Mess 1, Sun 8 Mar 2026: corrected, 11.00 kg wasted, 0 critical feedback",
        "[ManageIt] Mess 2, Mon 9 Mar 2026: corrected, 11.00 kg wasted, 0 critical feedback",
        "[ManageIt] Mess 2, Sun 8 Mar 2026: corrected, 11.00 kg wasted, 0 critical feedback",
    ]


def test_correcting_reports_costs_the_same_queries_for_one_report_as_for_thirty(mess1, mess2, ground, django_assert_num_queries):
    second = mess2.floors.get(name="Second")
    DailyReport.objects.bulk_create([DailyReport(mess=mess1, date=days_ago(n), data={}, text_body="", html_body="") for n in range(1, 16)])
    DailyReport.objects.bulk_create([DailyReport(mess=mess2, date=days_ago(n), data={}, text_body="", html_body="") for n in range(1, 16)])
    with time_machine.travel(NOW, tick=False):
        with CaptureQueriesContext(connection) as one:
            assert daily_reports_correct(dates=[days_ago(1)], mess_ids=[mess1.pk]) == 1
        WasteRecord.objects.bulk_create(
            [WasteRecord(floor=f, date=days_ago(n), meal="lunch", total_kg=n) for n in range(1, 16) for f in (ground, second)]
        )
        with django_assert_num_queries(len(one.captured_queries)):
            assert daily_reports_correct(dates=[days_ago(n) for n in range(1, 16)]) == 30
        # days without a report (today never has one): one query
        with django_assert_num_queries(1):
            assert daily_reports_correct(dates=[TODAY], mess_ids=[mess1.pk]) == 0


# A closed day's report


def test_a_closed_days_report_says_so_and_is_stored_without_an_e_mail(mess1, mess2, ground, people, as_official):
    Closure.objects.create(mess=mess1, first_day=days_ago(2), last_day=YESTERDAY, reason="Holi <vacation>")
    with time_machine.travel(SEVEN_AM, tick=False):
        assert daily_reports_send().endswith("; 1 e-mailed")  # mess2's, open that day
        assert [m.subject.split(",")[0] for m in mail.outbox] == ["[ManageIt] Mess 2"]
        report = DailyReport.objects.get(mess=mess1)
        assert report.data["closed"] == "Holi <vacation>"
        assert "The mess was closed this day: Holi <vacation>." in report.text_body
        assert "The mess was closed this day: Holi &lt;vacation&gt;." in report.html_body
        assert report.emailed_at is None
        assert DailyReport.objects.get(mess=mess2).data["closed"] is None
        page = as_official.get(f"/mess/mess1/reports/{YESTERDAY}/").content.decode()
        assert "The mess was closed this day: Holi &lt;vacation&gt;." in page

        daily_reports_send()  # the next run does not e-mail it either
        assert len(mail.outbox) == 1
        daily_reports_send(date=YESTERDAY, resend=True)  # unless asked
        assert any(m.subject.startswith("[ManageIt] Mess 1") and "closed" in m.subject for m in mail.outbox[1:])


def test_the_dashboard_marks_corrected_and_closed_days_reports(mess1, as_official):
    DailyReport.objects.create(mess=mess1, date=days_ago(1), data={"waste_kg": "1.00", "closed": None}, corrected_at=NOW)
    DailyReport.objects.create(mess=mess1, date=days_ago(2), data={"waste_kg": "0.00", "closed": "Holi"})
    DailyReport.objects.create(mess=mess1, date=days_ago(3), data={"waste_kg": "2.00"})  # from before closures were kept
    with time_machine.travel(NOW, tick=False):
        reports = as_official.get("/mess/mess1/").content.decode().split('id="reports"')[1]
    assert "1.00 kg, corrected</span>" in reports
    assert "0.00 kg, closed</span>" in reports
    assert "2.00 kg</span>" in reports
