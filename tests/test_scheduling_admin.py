"""The admin's job schedules: chosen from the registry, cron checked, paused, resumed and run now."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.brokers import get_broker
from django_q.models import OrmQ, Schedule
from django_q.signing import SignedPackage

from mess.models import MealWindow
from scheduling.models import JobRun, JobSchedule, Outcome, Trigger
from scheduling.services import RUNNER, schedules_sync

URL = "/admin/scheduling/jobschedule/"


def form(**overrides):
    data = {"name": "late alerts", "job": "generate_alerts", "arguments": "", "cron": "15 * * * *"}
    data.update(overrides)
    return data


def test_it_creates_a_schedule_for_a_job_from_the_registry(as_admin):
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, 5, tzinfo=dt.UTC)):
        response = as_admin.post(URL + "add/", form())
    assert response.status_code == 302
    schedule = Schedule.objects.get(name="late alerts")
    assert (schedule.func, schedule.args, schedule.kwargs, schedule.schedule_type) == (RUNNER, "'generate_alerts'", None, Schedule.CRON)
    assert schedule.next_run == dt.datetime(2026, 3, 1, 10, 45, tzinfo=dt.UTC)  # 16:15 in Kolkata


@pytest.mark.parametrize(
    "cron, message",
    [("61 * * * *", "is not a valid cron expression"), ("0 7 * *", "Enter five fields"), ("every day", "Enter five fields")],
)
def test_it_refuses_an_invalid_cron_with_a_clear_message(as_admin, cron, message):
    response = as_admin.post(URL + "add/", form(cron=cron))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Schedule.objects.exists()


def test_it_refuses_arguments_the_job_does_not_take(as_admin):
    response = as_admin.post(URL + "add/", form(arguments="{'floor': 'Ground'}"))
    assert "generate_alerts does not take these arguments" in response.content.decode()
    response = as_admin.post(URL + "add/", form(arguments="meal=lunch"))
    assert "Write the arguments as a Python dict" in response.content.decode()
    assert not Schedule.objects.exists()


def test_an_edited_cron_moves_the_next_run_without_a_restart(as_admin):
    schedules_sync()
    schedule = Schedule.objects.get(name="send_daily_report")
    with time_machine.travel(dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)):  # 05:30 in Kolkata
        page = as_admin.get(f"{URL}{schedule.pk}/change/").content.decode()
        assert "At 07:00" in page
        assert "Sun 2026-03-01 07:00 IST" in page and "Thu 2026-03-05 07:00 IST" in page  # the next five runs
        response = as_admin.post(f"{URL}{schedule.pk}/change/", form(name="send_daily_report", job="send_daily_report", cron="30 6 * * *"))
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.cron == "30 6 * * *"
    assert schedule.next_run == dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.UTC)


def test_pause_and_resume(as_admin):
    schedules_sync()
    schedule = Schedule.objects.get(name="generate_alerts")
    as_admin.post(URL, {"action": "pause", "_selected_action": [schedule.pk]})
    schedule.refresh_from_db()
    assert schedule.repeats == 0
    assert "paused" in as_admin.get(URL).content.decode()

    with time_machine.travel(dt.datetime(2026, 3, 1, 10, 20, tzinfo=dt.UTC)):
        as_admin.post(URL, {"action": "resume", "_selected_action": [schedule.pk]})
    schedule.refresh_from_db()
    assert schedule.repeats == -1
    assert schedule.next_run == dt.datetime(2026, 3, 1, 10, 30, tzinfo=dt.UTC)  # 16:00 IST, the next whole hour


def test_run_now_hands_the_job_to_the_cluster_and_shows_in_the_run_log(as_admin):
    schedules_sync()
    schedule = Schedule.objects.get(name="prune_job_runs")
    response = as_admin.post(URL, {"action": "run_now", "_selected_action": [schedule.pk]}, follow=True)
    assert "Handed to the cluster: prune_job_runs" in response.content.decode()
    assert OrmQ.objects.count() == 1

    # what a cluster worker does with the queued task
    [(_, package)] = get_broker().dequeue()
    task = SignedPackage.loads(package)
    import_string(task["func"])(*task["args"], **task["kwargs"])

    run = JobRun.objects.get()
    assert (run.job, run.trigger, run.outcome) == ("prune_job_runs", Trigger.ADMIN, Outcome.SUCCEEDED)
    listing = as_admin.get(URL).content.decode()
    assert "succeeded at" in listing
    assert as_admin.get("/admin/scheduling/jobrun/?outcome=succeeded&job=prune_job_runs").status_code == 200


def test_the_list_shows_each_jobs_last_run_in_a_constant_number_of_queries(as_admin, django_assert_max_num_queries):
    schedules_sync()
    now = timezone.now()
    for _ in range(30):
        JobRun.objects.create(job="generate_alerts", trigger=Trigger.SCHEDULE, started_at=now, finished_at=now, outcome=Outcome.FAILED)
    with django_assert_max_num_queries(8):
        page = as_admin.get(URL).content.decode()
    assert "failed at" in page


def test_the_run_log_is_read_only(as_admin):
    run = JobRun.objects.create(job="generate_alerts", trigger=Trigger.COMMAND, started_at=timezone.now())
    assert as_admin.get("/admin/scheduling/jobrun/add/").status_code == 403
    response = as_admin.post(f"/admin/scheduling/jobrun/{run.pk}/change/", {"summary": "edited"})
    assert response.status_code == 403
    assert JobSchedule._meta.proxy


def test_a_schedule_keeps_its_name_so_sync_never_creates_it_again(as_admin):
    schedules_sync()
    schedule = Schedule.objects.get(name="generate_alerts")
    response = as_admin.post(f"{URL}{schedule.pk}/change/", form(name="Hourly alerts", job="generate_alerts", cron="0 * * * *"))
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.name == "generate_alerts"
    assert schedules_sync().created == []


def test_a_meals_new_end_moves_its_notification_schedule_unless_an_admin_retimed_it(as_admin):
    schedules_sync()
    Schedule.objects.filter(name="send_admin_notifications:dinner").update(cron="30 22 * * *")
    for meal, ends_at in [("lunch", "15:00"), ("dinner", "21:30")]:
        window = MealWindow.objects.get(meal=meal)
        response = as_admin.post(
            f"/admin/mess/mealwindow/{window.pk}/change/", {"starts_at": window.starts_at.strftime("%H:%M"), "ends_at": ends_at}
        )
        assert response.status_code == 302
    crons = dict(Schedule.objects.filter(name__startswith="send_admin_notifications:").values_list("name", "cron"))
    assert crons["send_admin_notifications:lunch"] == "0 15 * * *"
    assert crons["send_admin_notifications:dinner"] == "30 22 * * *"  # the admin's own time stays
    assert crons["send_admin_notifications:breakfast"] == "0 9 * * *"
