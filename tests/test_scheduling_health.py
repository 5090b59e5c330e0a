"""/health/ and /health/jobs/: no login, no personal data, 200 or 503."""

import datetime as dt
import os
import subprocess
import sys

import time_machine
from django.test import override_settings
from django.utils import timezone

from scheduling.scheduler import heartbeat
from scheduling.sync import schedules_sync
from tests.helpers import ROOT, schedule_run_failed

START = dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)  # 05:30 in Kolkata


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
    assert down.status_code == 503 and down.json()["cluster"] == {"down": True, "heartbeat_at": None}
    assert up.status_code == 200
    assert up.json() == {
        "ok": True,
        "cluster": {"down": False, "heartbeat_at": "2026-03-01T00:00:00Z"},
        "broken": [],
        "late": [],
        "failing": [],
        "schedules": 13,
    }


def test_health_jobs_names_late_broken_and_failing_schedules_and_nothing_personal(client, db):
    with time_machine.travel(START, tick=False):
        schedules_sync()
    with time_machine.travel(START + dt.timedelta(minutes=33), tick=False):  # 06:03: generate_alerts is late
        heartbeat(cluster="host:1", started_at=timezone.now())
        schedule_run_failed(
            name="send_admin_notifications:lunch", summary="failed: SMTPRecipientsRefused: {'warden@example.org': (550, 'no such user')}"
        )
        response = client.get("/health/jobs/")
    assert response.status_code == 503
    body = response.json()
    assert (body["late"], body["failing"], body["broken"]) == (["generate_alerts"], ["send_admin_notifications:lunch"], [])
    assert "warden" not in response.content.decode()


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["mess.example.edu"])
def test_a_plain_http_probe_on_the_machine_is_answered_not_redirected_or_refused(client, db):
    on_the_machine = {"HTTP_HOST": "127.0.0.1:8001"}  # not the site's name
    assert client.get("/health/", **on_the_machine).status_code == 200
    assert client.get("/health/jobs/", **on_the_machine).status_code == 503
    assert client.get("/accounts/login/", **on_the_machine).status_code == 400  # the rest still checks the host...
    assert client.get("/accounts/login/", HTTP_HOST="mess.example.edu").status_code == 301  # ...and goes to HTTPS
    assert client.post("/health/", **on_the_machine).status_code == 405


def test_health_is_503_when_the_database_does_not_answer(tmp_path):
    # a real site whose database cannot be opened (its folder does not exist), in its own process
    probe = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/health/'); print(r.status_code, r.content.decode())"
    )
    env = {**os.environ, "DEBUG": "True", "DATABASE_URL": f"sqlite:///{tmp_path}/gone/manageit.sqlite3"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == '503 {"ok": false, "database": "unreachable"}', result.stderr
