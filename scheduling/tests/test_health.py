"""What is wrong with the jobs, for machines and operators: /health/ and /health/jobs/ (no login, no
personal data, 200 or 503), and the `jobs` table with its --check."""

import datetime as dt
import io
import os
import subprocess
import sys

import time_machine
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from django_q.models import Schedule

from scheduling.models import ClusterHeartbeat, JobRun, Outcome, Trigger
from scheduling.scheduler import heartbeat, schedules_start_due
from scheduling.schedules import schedule_job_key
from scheduling.sync import schedules_sync
from scheduling.tasks import run_job
from scheduling.tests.helpers import ROOT

START = dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)  # 05:30 in Kolkata


def schedule_run_failed(*, name: str, summary: str) -> JobRun:
    """A failed run of the schedule called `name`, now, as its worker would record it."""
    schedule = Schedule.objects.get(name=name)
    return JobRun.objects.create(
        job=schedule_job_key(schedule),
        trigger=Trigger.SCHEDULE,
        started_at=timezone.now(),
        outcome=Outcome.FAILED,
        summary=summary,
        schedule=schedule,
    )


def test_health_is_the_sites_own_liveness_whatever_the_jobs(client, db):
    with time_machine.travel(START, tick=False):
        schedules_sync()  # and no cluster: the jobs are down, the site is not
        response = client.get("/health/")
    assert (response.status_code, response.json()) == (200, {"ok": True, "database": "ok"})
    assert "no-cache" in response["Cache-Control"]


def test_health_jobs_is_503_without_a_cluster_and_200_with_one(client, db):
    with time_machine.travel(START, tick=False):
        schedules_sync()
        down = client.get("/health/jobs/")
        heartbeat(cluster="host:1", started_at=timezone.now())
        up = client.get("/health/jobs/")
    assert down.status_code == 503 and down.json()["cluster"] == {"down": True, "heartbeat_at": None, "last_seen_at": None}
    assert up.status_code == 200
    assert up.json() == {
        "ok": True,
        "cluster": {"down": False, "heartbeat_at": "2026-03-01T00:00:00Z", "last_seen_at": "2026-03-01T00:00:00Z"},
        "clusters": [{"cluster": "host:1", "heartbeat_at": "2026-03-01T00:00:00Z"}],
        "broken": [],
        "late": [],
        "failing": [],
        "schedules": 8,
    }


def test_health_jobs_and_jobs_list_each_running_cluster_of_several_machines(client, db):
    with time_machine.travel(START, tick=False):
        schedules_sync()
        heartbeat(cluster="jobs-3:7", started_at=timezone.now())  # goes quiet below
        ClusterHeartbeat.objects.create(cluster="jobs-4:9", started_at=START, seen_at=START, stopped_at=START)  # stopped on purpose
    with time_machine.travel(START + dt.timedelta(minutes=3), tick=False):
        heartbeat(cluster="jobs-2:5", started_at=timezone.now())
        heartbeat(cluster="jobs-1:4", started_at=timezone.now())
        body = client.get("/health/jobs/").json()
        out = io.StringIO()
        call_command("jobs", stdout=out)
        code, text = check()
    assert body["clusters"] == [
        {"cluster": "jobs-1:4", "heartbeat_at": "2026-03-01T00:03:00Z"},
        {"cluster": "jobs-2:5", "heartbeat_at": "2026-03-01T00:03:00Z"},
    ]
    assert "clusters running: jobs-1:4, jobs-2:5\n" in out.getvalue()
    assert code == 0 and text.endswith("(2 running: jobs-1:4, jobs-2:5)")


def test_health_jobs_names_late_broken_and_failing_schedules_and_nothing_personal(client, db):
    with time_machine.travel(START, tick=False):
        schedules_sync()
    with time_machine.travel(START + dt.timedelta(minutes=33), tick=False):  # 06:03: tick is late
        heartbeat(cluster="host:1", started_at=timezone.now())
        schedule_run_failed(name="echo:noon", summary="failed: SMTPRecipientsRefused: {'warden@example.org': (550, 'no such user')}")
        response = client.get("/health/jobs/")
    assert response.status_code == 503
    body = response.json()
    assert (body["late"], body["failing"], body["broken"]) == (["tick"], ["echo:noon"], [])
    assert "warden" not in response.content.decode()


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["jobs.example.org"])
def test_a_plain_http_probe_on_the_machine_is_answered_not_redirected_or_refused(client, db):
    on_the_machine = {"HTTP_HOST": "127.0.0.1:8001"}  # not the site's name
    assert client.get("/health/", **on_the_machine).status_code == 200
    assert client.get("/health/jobs/", **on_the_machine).status_code == 503
    assert client.get("/admin/login/", **on_the_machine).status_code == 400  # the rest still checks the host...
    assert client.get("/admin/login/", HTTP_HOST="jobs.example.org").status_code == 301  # ...and goes to HTTPS
    assert client.post("/health/", **on_the_machine).status_code == 405


def test_health_is_503_when_the_database_does_not_answer(tmp_path):
    # a real site whose database cannot be opened (its folder does not exist), in its own process
    probe = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/health/'); print(r.status_code, r.content.decode())"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "scheduling.tests.settings", "DATABASE_URL": f"sqlite:///{tmp_path}/gone/jobs.sqlite3"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == '503 {"ok": false, "database": "unreachable"}', result.stderr


def test_jobs_shows_each_schedule_its_next_run_and_own_last_outcome(db):
    with time_machine.travel(START):
        schedules_sync()
        Schedule.objects.filter(name="tick").update(repeats=0)
        prune = Schedule.objects.get(name="prune_job_runs")
        run_job("prune_job_runs", trigger="schedule", schedule_id=prune.pk)
        out = io.StringIO()
        call_command("jobs", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["SCHEDULE", "JOB", "WHEN", "NEXT", "RUN", "LAST", "RUN", "OUTCOME", "TOOK"]
    rows = {line.split()[0]: line for line in lines[1:-2]}
    assert set(rows) == set(Schedule.objects.values_list("name", flat=True))
    assert "At 07:00" in rows["fail"] and "2026-03-01 07:00" in rows["fail"]
    assert "paused" in rows["tick"]
    assert "2026-03-01 05:30  succeeded" in rows["prune_job_runs"]
    assert "never" in rows["echo:noon"]
    assert lines[-2] == "clusters running: none"
    assert lines[-1].startswith("! no cluster is running the jobs (never seen)")


def check() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("jobs", "--check", stdout=out, stderr=err)
    except CommandError as e:
        return e.returncode, str(e)
    return 0, out.getvalue().rstrip("\n")


def test_jobs_check_says_when_the_cluster_is_down_a_schedule_late_broken_or_failing(db):
    with time_machine.travel(START, tick=False):
        schedules_sync()
        assert check() == (1, "no cluster is running the jobs (never seen): start one with `manage.py qcluster`")
        heartbeat(cluster="host:1", started_at=timezone.now())
        code, text = check()
        assert code == 0 and "all 8 schedules on time" in text
    # 06:00 came and went: the hourly schedule is due, and within the grace period nobody worries
    with time_machine.travel(START + dt.timedelta(minutes=31), tick=False):
        heartbeat(cluster="host:1", started_at=START)
        assert check()[0] == 0
    with time_machine.travel(START + dt.timedelta(minutes=32, seconds=1), tick=False):
        heartbeat(cluster="host:1", started_at=START)
        assert check() == (1, "tick is late: it was due at 2026-03-01 06:00")
    with time_machine.travel(START + dt.timedelta(minutes=34, seconds=2), tick=False):
        assert check() == (
            1,
            "no cluster is running the jobs (last seen 2026-03-01 06:02): start one with `manage.py qcluster`\n"
            "tick is late: it was due at 2026-03-01 06:00",
        )
        heartbeat(cluster="host:1", started_at=START)
        schedules_start_due()  # the cluster is back: the late schedule is queued
        assert check()[0] == 0
        daily = Schedule.objects.get(name="fail")
        Schedule.objects.filter(pk=daily.pk).update(cron="0 0 30 2 *", next_run=timezone.now())
        schedules_start_due()
        schedule_run_failed(name="echo:noon", summary="failed: SMTPServerDisconnected")
        code, text = check()
    assert code == 1
    failing, broken = text.splitlines()  # in the registry's order of jobs
    assert broken.startswith("fail is broken: its cron '0 0 30 2 *' never fires")
    assert failing == "echo:noon failed at 2026-03-01 06:04: failed: SMTPServerDisconnected"


def test_jobs_check_says_when_a_schedules_last_run_never_finished(db):
    with time_machine.travel(START, tick=False):
        schedules_sync()
        prune = Schedule.objects.get(name="prune_job_runs")
        JobRun.objects.create(job="prune_job_runs", trigger=Trigger.SCHEDULE, started_at=timezone.now(), schedule=prune)  # running
    with time_machine.travel(START + dt.timedelta(minutes=12), tick=False):  # Q_TIMEOUT (10 min) and the grace (2 min)
        heartbeat(cluster="host:1", started_at=timezone.now())
        assert check()[0] == 0  # a long run is no problem yet
    with time_machine.travel(START + dt.timedelta(minutes=12, seconds=1), tick=False):
        heartbeat(cluster="host:1", started_at=timezone.now())
        assert check() == (1, "prune_job_runs started at 2026-03-01 05:30 and never finished")


def test_jobs_check_claims_no_success_for_schedules_that_never_ran(db):
    with time_machine.travel(START, tick=False):
        schedules_sync()
        heartbeat(cluster="host:1", started_at=timezone.now())
        assert check() == (0, "all 8 schedules on time and none has run yet; a cluster was seen 2026-03-01 05:30 (1 running: host:1)")
        JobRun.objects.create(
            job="tick",
            trigger=Trigger.SCHEDULE,
            started_at=timezone.now(),
            finished_at=timezone.now(),
            outcome=Outcome.SUCCEEDED,
            schedule=Schedule.objects.get(name="tick"),
        )
        assert check() == (
            0,
            "all 8 schedules on time and the last runs of 1 succeeded and 7 have not run yet; a cluster was seen 2026-03-01 05:30"
            " (1 running: host:1)",
        )
