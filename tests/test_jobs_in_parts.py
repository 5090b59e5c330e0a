"""send_admin_notifications and send_daily_report run by the cluster: a task per mess, so that one
mess's broken data leaves the other messes' e-mails sent, and the run log says which mess failed;
however the tasks are spread, nothing is e-mailed twice."""

import datetime
import threading

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django_q.models import OrmQ
from django_q.signing import SignedPackage

import mess.notifications
import mess.reports
from mess.models import DailyReport, Feedback, Notification
from mess.notifications import notifications_parts
from mess.reports import daily_reports_parts
from scheduling.models import JobRun, Outcome, Trigger
from scheduling.parts import job_fan_out, job_part_run
from scheduling.tasks import JobFailed, run_job, run_job_part
from tests.factories import judged

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
TODAY = datetime.date(2026, 3, 10)
YESTERDAY = datetime.date(2026, 3, 9)
AFTER_LUNCH = datetime.datetime(2026, 3, 10, 14, tzinfo=IST)
SEVEN_AM = datetime.datetime(2026, 3, 10, 7, tzinfo=IST)


@pytest.fixture
def people(official, other_official, admin):
    """An official of each mess and an admin, all with e-mail addresses."""


def critical(mess, comment, date=TODAY):
    student = get_user_model().objects.create(username=f"s-{mess.code}-{Feedback.objects.count()}")
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, tzinfo=IST), tick=False):
        return judged(Feedback(student=student, mess=mess, date=date, meal="lunch", rating=1, comment=comment, category="food"))


def work_the_queue() -> None:
    """What the cluster's workers do with the queued parts."""
    for queued in OrmQ.objects.order_by("id"):
        task = SignedPackage.loads(queued.payload)
        assert task["func"] == "scheduling.tasks.run_job_part"
        try:
            run_job_part(*task["args"])
        except JobFailed:
            pass  # django-q2 records the task failed; the run log has the part's failure


def broken_for(code, real):
    """`real`, raising for the mess `code` (its keyword `mess`) as a broken row of its data would make it."""

    def rendering(**kwargs):
        if kwargs["mess"].code == code:
            raise ValueError(f"a broken row of {code}")
        return real(**kwargs)

    return rendering


@time_machine.travel(AFTER_LUNCH, tick=False)
def test_notifications_run_a_task_per_mess_and_a_broken_mess_leaves_the_others_sent(mess1, mess2, people, monkeypatch):
    critical(mess1, "Dal was cold")
    critical(mess2, "Rice undercooked")
    real = mess.notifications._email_context

    def rendering(sections, theme_names):
        if sections[0][0].mess.code == "mess2":
            raise ValueError("a broken row of mess2")
        return real(sections, theme_names)

    monkeypatch.setattr(mess.notifications, "_email_context", rendering)
    run_job("send_admin_notifications", trigger=Trigger.ADMIN, meal="lunch")
    run = JobRun.objects.get()
    assert list(run.parts.values_list("key", "label")) == [("mess1", "Mess 1"), ("mess2", "Mess 2")]
    work_the_queue()

    assert [m.to for m in mail.outbox] == [["ada@example.org", "olga@example.org"]]  # Mess 1's, sent
    assert "Dal was cold" in mail.outbox[0].body
    run.refresh_from_db()
    assert run.outcome == Outcome.FAILED
    assert run.summary.startswith("failed: 1 of 2 parts failed: Mess 2: ValueError: a broken row of mess2")
    parts = {p.key: p for p in run.parts.all()}
    assert parts["mess1"].outcome == Outcome.SUCCEEDED and "1 e-mail" in parts["mess1"].summary
    assert parts["mess2"].outcome == Outcome.FAILED and "a broken row of mess2" in parts["mess2"].traceback
    # Mess 2's entries wait for the next run, neither lost nor half-sent.
    assert Feedback.objects.filter(mess=mess2, notified_at=None, email=None).count() == 1


def test_the_notifications_parts_are_the_active_messes_whose_window_it_is(mess1, mess2):
    mess2.is_active = False
    mess2.save()
    assert notifications_parts({"meal": "lunch"}) == [("mess1", "Mess 1")]
    window = mess.notifications.windows_read().window(mess1.pk, "lunch")
    assert notifications_parts({"meal": "lunch", "ends_at": window.ends_at}) == [("mess1", "Mess 1")]
    other = (datetime.datetime.combine(TODAY, window.ends_at) + datetime.timedelta(minutes=1)).time()
    assert notifications_parts({"meal": "lunch", "ends_at": other}) == []


@time_machine.travel(AFTER_LUNCH, tick=False)
def test_a_scheduled_run_at_a_window_s_end_takes_its_arguments_to_each_part(mess1, mess2, people):
    critical(mess1, "Dal was cold")
    ends_at = mess.notifications.windows_read().window(mess1.pk, "lunch").ends_at
    run_job("send_admin_notifications", trigger=Trigger.SCHEDULE, meal="lunch", ends_at=ends_at.strftime("%H:%M"))
    work_the_queue()
    run = JobRun.objects.get()
    assert run.outcome == Outcome.SUCCEEDED, run.summary
    assert run.summary.startswith("2 parts: Mess 1: 1 notification (1 new, 0 updated)")
    assert len(mail.outbox) == 1


@time_machine.travel(SEVEN_AM, tick=False)
def test_daily_reports_run_a_task_per_mess_and_a_broken_mess_leaves_the_others_sent(mess1, mess2, people, monkeypatch):
    assert daily_reports_parts({}) == [("mess1", "Mess 1"), ("mess2", "Mess 2")]
    monkeypatch.setattr(mess.reports, "_report_rendered", broken_for("mess2", mess.reports._report_rendered))
    run_job("send_daily_report", trigger=Trigger.ADMIN)
    work_the_queue()

    assert [m.to for m in mail.outbox] == [["ada@example.org", "olga@example.org"]]
    assert list(DailyReport.objects.values_list("mess__code", "date")) == [("mess1", YESTERDAY)]
    run = JobRun.objects.get()
    assert run.outcome == Outcome.FAILED
    assert run.summary.startswith("failed: 1 of 2 parts failed: Mess 2: ValueError: a broken row of mess2")
    assert run.parts.get(key="mess1").summary == f"1 daily report (1 new, 0 updated) for {YESTERDAY}; 1 e-mailed"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@time_machine.travel(AFTER_LUNCH, tick=False)
def test_two_runs_parts_at_once_send_each_messs_e_mails_once(mess1, mess2, people):
    critical(mess1, "Dal was cold")
    critical(mess2, "Rice undercooked")
    runs = [job_fan_out(key="send_admin_notifications", trigger=Trigger.ADMIN, kwargs={"meal": "lunch"}) for _ in range(2)]
    runs += [job_fan_out(key="send_daily_report", trigger=Trigger.ADMIN) for _ in range(2)]
    tasks = [(run.pk, code) for run in runs for code in ("mess1", "mess2")]
    start, errors = threading.Barrier(len(tasks)), []

    def work(run_id, code):
        try:
            start.wait(10)
            job_part_run(run_id=run_id, part=code)
        except Exception as error:  # noqa: BLE001 - reported below, from the test's own thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=task) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 4 and len(set(subjects)) == 4, subjects  # each mess's notification and report, once
    assert Notification.objects.count() == 2 and DailyReport.objects.filter(emailed_at__isnull=False).count() == 2
    assert Feedback.objects.filter(notified_at=None).count() == 0
    assert set(JobRun.objects.values_list("outcome", flat=True)) == {Outcome.SUCCEEDED}
