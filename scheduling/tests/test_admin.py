"""The admin's job schedules: chosen from the registry, cron checked, paused, resumed and run now."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.brokers import get_broker
from django_q.models import OrmQ, Schedule
from django_q.signing import SignedPackage

from scheduling.models import BrokenSchedule, JobRun, JobSchedule, Outcome, Trigger
from scheduling.scheduler import heartbeat, schedules_start_due
from scheduling.schedules import RUNNER, schedule_pause
from scheduling.sync import schedules_sync

URL = "/admin/scheduling/jobschedule/"


def form(**overrides):
    data = {"name": "late ticks", "job": "tick", "arguments": "", "cron": "15 * * * *"}
    data.update(overrides)
    return data


def test_it_creates_a_schedule_for_a_job_from_the_registry(admin_client):
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, 5, tzinfo=dt.UTC)):
        response = admin_client.post(URL + "add/", form())
    assert response.status_code == 302
    schedule = Schedule.objects.get(name="late ticks")
    assert (schedule.func, schedule.args, schedule.kwargs, schedule.schedule_type) == (RUNNER, "'tick'", None, Schedule.CRON)
    assert schedule.next_run == dt.datetime(2026, 3, 1, 10, 45, tzinfo=dt.UTC)  # 16:15 in Kolkata


@pytest.mark.parametrize(
    "cron, message",
    [
        ("61 * * * *", "is not a valid cron expression"),
        ("0 7 * *", "Enter five fields"),
        ("every day", "Enter five fields"),
        ("0 0 30 2 *", "never runs"),  # 30 February: a 500 before
        ("0 7 31 2 *", "never runs"),
        ("0 7 31 4,6 *", "never runs"),
    ],
)
def test_it_refuses_an_invalid_cron_with_a_clear_message(admin_client, cron, message):
    response = admin_client.post(URL + "add/", form(cron=cron))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Schedule.objects.exists()


def test_a_cron_that_fires_only_in_leap_years_is_accepted(admin_client):
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, 5, tzinfo=dt.UTC)):
        response = admin_client.post(URL + "add/", form(cron="0 0 29 2 *"))
    assert response.status_code == 302
    assert timezone.localtime(Schedule.objects.get().next_run).date() == dt.date(2028, 2, 29)


def test_it_refuses_arguments_the_job_does_not_take(admin_client):
    response = admin_client.post(URL + "add/", form(arguments="{'floor': 'Ground'}"))
    assert "tick takes no argument &#x27;floor&#x27;; it takes username" in response.content.decode()
    response = admin_client.post(URL + "add/", form(arguments="word=noon"))
    assert "Write the arguments as a Python dict" in response.content.decode()
    assert not Schedule.objects.exists()


@pytest.mark.parametrize(
    "job, arguments, message",
    [
        ("echo", "{'word': 'brunch'}", "word: unknown word &#x27;brunch&#x27;; the words are: morning"),
        ("echo", "{}", "echo needs the argument &#x27;word&#x27;"),
        ("echo", "{'word': 'noon', 'day': '2026-02-30'}", "day: not a date in the form YYYY-MM-DD"),
        ("tick", "{'username': 'NOPE'}", "username: no user called &#x27;NOPE&#x27;"),
        ("echo", "{'word': 'noon', 'times': 0}", "times: must be at least 1, not 0"),
        ("echo", "{'word': 'noon', 'loud': 'maybe'}", "loud: not true or false"),
        ("echo", "{'word': 'noon', 'day': '2099-01-01'}", "day: 2099-01-01 is in the future"),
    ],
)
def test_it_checks_the_values_of_arguments_by_the_jobs_declaration(admin_client, job, arguments, message):
    response = admin_client.post(URL + "add/", form(job=job, arguments=arguments))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Schedule.objects.exists()


def test_it_saves_arguments_the_job_takes(admin_client):
    response = admin_client.post(URL + "add/", form(job="echo", arguments="{'word': 'Noon'}"))
    assert response.status_code == 302
    assert Schedule.objects.get().kwargs == "{'word': 'Noon'}"


def test_an_edited_cron_moves_the_next_run_without_a_restart(admin_client):
    schedules_sync()
    schedule = Schedule.objects.get(name="fail")
    with time_machine.travel(dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)):  # 05:30 in Kolkata
        page = admin_client.get(f"{URL}{schedule.pk}/change/").content.decode()
        assert "At 07:00" in page
        assert "2026-03-01 07:00" in page and "2026-03-05 07:00" in page  # the next five runs, in the site's style
        response = admin_client.post(f"{URL}{schedule.pk}/change/", form(name="fail", job="fail", cron="30 6 * * *"))
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.cron == "30 6 * * *"
    assert schedule.next_run == dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.UTC)


def test_pause_and_resume(admin_client):
    schedules_sync()
    schedule = Schedule.objects.get(name="tick")
    admin_client.post(URL, {"action": "pause", "_selected_action": [schedule.pk]})
    schedule.refresh_from_db()
    assert schedule.repeats == 0
    assert "paused" in admin_client.get(URL).content.decode()

    with time_machine.travel(dt.datetime(2026, 3, 1, 10, 20, tzinfo=dt.UTC)):
        admin_client.post(URL, {"action": "resume", "_selected_action": [schedule.pk]})
    schedule.refresh_from_db()
    assert schedule.repeats == -1
    assert schedule.next_run == dt.datetime(2026, 3, 1, 10, 30, tzinfo=dt.UTC)  # 16:00 IST, the next whole hour


def test_the_list_says_which_schedules_are_active_that_is_not_paused(admin_client):
    schedules_sync()
    schedule_pause(schedule=Schedule.objects.get(name="tick"))
    page = admin_client.get(URL).content.decode()
    rows = {row.split("</a>")[0].split(">")[-1]: row for row in page.split("<tr")[1:] if "action-select" in row}
    assert 'class="column-active"' in page
    assert 'alt="False"' in rows["tick"] and 'alt="True"' in rows["sleep"]


def test_run_now_hands_the_job_to_the_cluster_and_shows_in_the_run_log(admin_client):
    schedules_sync()
    schedule = Schedule.objects.get(name="prune_job_runs")
    heartbeat(cluster="host:1", started_at=timezone.now())
    response = admin_client.post(URL, {"action": "run_now", "_selected_action": [schedule.pk]}, follow=True)
    assert "Handed to the cluster: prune_job_runs" in response.content.decode()
    assert OrmQ.objects.count() == 1

    # what a cluster worker does with the queued task
    [(_, package)] = get_broker().dequeue()
    task = SignedPackage.loads(package)
    import_string(task["func"])(*task["args"], **task["kwargs"])

    run = JobRun.objects.get()
    assert (run.job, run.trigger, run.outcome) == ("prune_job_runs", Trigger.ADMIN, Outcome.SUCCEEDED)
    listing = admin_client.get(URL).content.decode()
    assert "succeeded at" in listing
    assert admin_client.get("/admin/scheduling/jobrun/?outcome=succeeded&job=prune_job_runs").status_code == 200


def test_the_list_shows_each_schedules_own_last_run_in_a_constant_number_of_queries(admin_client, django_assert_max_num_queries):
    schedules_sync()
    now = timezone.now()
    noon = Schedule.objects.get(name="echo:noon")
    for _ in range(30):
        JobRun.objects.create(job="echo", trigger=Trigger.SCHEDULE, started_at=now, finished_at=now, outcome=Outcome.FAILED, schedule=noon)
    with django_assert_max_num_queries(8):
        page = admin_client.get(URL).content.decode()
    rows = {row.split("</a>")[0].split(">")[-1]: row for row in page.split("<tr")[1:] if "action-select" in row}
    assert "failed at" in rows["echo:noon"]
    assert "never" in rows["echo:night"]  # another schedule of the same job


def test_the_schedule_page_names_the_schedule_and_offers_run_now(admin_client):
    schedules_sync()
    schedule = Schedule.objects.get(name="fail")
    page = admin_client.get(f"{URL}{schedule.pk}/change/").content.decode()
    assert "<title>fail | Change job schedule | Django site admin</title>" in page
    assert f'action="{URL}{schedule.pk}/run-now/"' in page
    response = admin_client.post(f"{URL}{schedule.pk}/change/", form(name="fail", job="fail", cron="0 8 * * *"), follow=True)
    assert "fail</a>” was changed successfully." in response.content.decode()


def test_run_now_says_when_no_cluster_is_there_to_take_the_task(admin_client):
    schedules_sync()
    schedule = Schedule.objects.get(name="prune_job_runs")
    response = admin_client.post(f"{URL}{schedule.pk}/run-now/", follow=True)
    assert "Queued prune_job_runs, but no cluster is running: nothing runs until one starts" in response.content.decode()
    heartbeat(cluster="host:1", started_at=timezone.now())
    response = admin_client.post(f"{URL}{schedule.pk}/run-now/", follow=True)
    assert "Handed to the cluster: prune_job_runs" in response.content.decode()
    queued = [SignedPackage.loads(q.payload) for q in OrmQ.objects.all()]
    assert [(t["args"], t["kwargs"]["schedule_id"]) for t in queued] == [(("prune_job_runs",), schedule.pk)] * 2
    assert admin_client.get(f"{URL}{schedule.pk}/run-now/").status_code == 403  # a button, not a link


def test_the_next_five_runs_follow_the_cron_being_typed(admin_client):
    with time_machine.travel(dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)):
        text = admin_client.get(URL + "next-runs/", {"cron": "0 7 * * 1"}).json()["text"]
        assert text.startswith("2026-03-02 07:00; 2026-03-09 07:00")
        assert "never runs" in admin_client.get(URL + "next-runs/", {"cron": "0 0 30 2 *"}).json()["text"]
        assert "paused" in admin_client.get(URL + "next-runs/", {"cron": "0 7 * * *", "paused": "true"}).json()["text"]


def test_correcting_a_broken_schedule_starts_it_from_its_next_time_not_the_one_it_missed(admin_client):
    schedules_sync()
    noon = Schedule.objects.get(name="echo:noon")
    missed = timezone.now() - dt.timedelta(hours=3)
    Schedule.objects.filter(pk=noon.pk).update(kwargs="{'word': 'brunch'}", next_run=missed)
    schedules_start_due()
    response = admin_client.post(f"{URL}{noon.pk}/change/", form(name=noon.name, job="echo", arguments="{'word': 'noon'}", cron=noon.cron))
    assert response.status_code == 302
    noon.refresh_from_db()
    assert noon.next_run > timezone.now() and not BrokenSchedule.objects.exists()


def test_a_paused_schedule_shows_no_next_runs_and_a_broken_one_its_reason(admin_client):
    schedules_sync()
    paused = Schedule.objects.get(name="tick")
    schedule_pause(schedule=paused)
    page = admin_client.get(f"{URL}{paused.pk}/change/").content.decode()
    assert "paused: no runs until it is resumed" in page
    daily = Schedule.objects.get(name="fail")
    Schedule.objects.filter(pk=daily.pk).update(cron="0 0 30 2 *", next_run=timezone.now())
    schedules_start_due()
    assert "its cron &#x27;0 0 30 2 *&#x27; never fires" in admin_client.get(f"{URL}{daily.pk}/change/").content.decode()
    schedule_pause(schedule=Schedule.objects.get(pk=daily.pk))
    response = admin_client.post(URL, {"action": "resume", "_selected_action": [daily.pk]}, follow=True)  # a 500 before
    said = response.content.decode().lower()  # the admin capitalises its messages
    assert "fail was not resumed: its cron &#x27;0 0 30 2 *&#x27; never fires: correct it first." in said
    listing = admin_client.get(URL).content.decode()
    assert ">broken<" in listing
    warnings = listing.split('class="messagelist"')[1].split("</ul>")[0].lower()  # at the top (capitalised by the admin)
    assert "fail is broken: its cron &#x27;0 0 30 2 *&#x27; never fires" in warnings
    assert "no cluster is running the jobs (never seen)" in warnings


def test_the_run_log_is_read_only(admin_client):
    run = JobRun.objects.create(job="tick", trigger=Trigger.COMMAND, started_at=timezone.now())
    assert admin_client.get("/admin/scheduling/jobrun/add/").status_code == 403
    response = admin_client.post(f"/admin/scheduling/jobrun/{run.pk}/change/", {"summary": "edited"})
    assert response.status_code == 403
    assert JobSchedule._meta.proxy


def test_a_schedule_keeps_its_name_so_sync_never_creates_it_again(admin_client):
    schedules_sync()
    schedule = Schedule.objects.get(name="tick")
    response = admin_client.post(f"{URL}{schedule.pk}/change/", form(name="Hourly ticks", job="tick", cron="0 * * * *"))
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.name == "tick"
    assert schedules_sync().created == []


def test_a_runs_page_gives_its_time_in_the_sites_zone_and_its_schedule_by_name(admin_client):
    schedules_sync()
    schedule = Schedule.objects.get(name="tick")
    started = dt.datetime(2026, 3, 1, 10, 5, tzinfo=dt.UTC)
    run = JobRun.objects.create(job="tick", trigger=Trigger.SCHEDULE, started_at=started, schedule=schedule)
    page = admin_client.get(f"/admin/scheduling/jobrun/{run.pk}/change/").content.decode()
    assert "<title>tick 2026-03-01 15:35 IST running" in page  # the body's zone, said, and not UTC's 10:05
    assert f'<a href="{URL}{schedule.pk}/change/">tick</a>' in page
    assert RUNNER not in page  # django-q2's one function, which every schedule shares, named nothing


def test_the_schedules_filter_by_job_and_by_state(admin_client):
    schedules_sync()
    schedule_pause(schedule=Schedule.objects.get(name="tick"))

    def names(query):
        page = admin_client.get(URL + query).content.decode().split('id="result_list"')[1]
        return {row.split("</a>")[0].split(">")[-1] for row in page.split("<tr")[1:] if "action-select" in row}

    assert names("?job=tick") == {"tick"}
    assert names("?job=echo") == {s.name for s in Schedule.objects.filter(name__startswith="echo")}
    assert names("?state=paused") == {"tick"}
    assert "tick" not in names("?state=active") and "sleep" in names("?state=active")
    assert RUNNER not in admin_client.get(URL).content.decode()  # the filter by function, which told nothing, is gone


def test_bulk_actions_count_in_words_that_agree(admin_client):
    schedules_sync()
    one = [Schedule.objects.get(name="tick").pk]
    two = [*one, Schedule.objects.get(name="sleep").pk]
    assert "Paused 1 schedule." in admin_client.post(URL, {"action": "pause", "_selected_action": one}, follow=True).content.decode()
    assert "Paused 2 schedules." in admin_client.post(URL, {"action": "pause", "_selected_action": two}, follow=True).content.decode()
    assert "Resumed 1 schedule." in admin_client.post(URL, {"action": "resume", "_selected_action": one}, follow=True).content.decode()
