"""Helpers for tests that start other processes (schedulers, clusters) on the test database."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """DATABASE_URL that points another process at the database this test runs on."""
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"mysql://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"


def child_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update(DATABASE_URL=test_database_url(), DEBUG="True", DJANGO_SETTINGS_MODULE="manageit.settings", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def start(args: list[str], **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=child_env(**env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def create_person(*, username: str, role, mess, password: str | None = None, email: str = ""):
    """One student or official of `mess`, created the way ManageIt creates people."""
    from django.contrib.auth import get_user_model

    from mess.people import Person, people_create

    ids = people_create(people=[Person(username=username, role=role, mess_id=mess.pk, email=email, password=password)])
    return get_user_model().objects.get(pk=ids[username])


def schedule_run_failed(*, name: str, summary: str):
    """A failed run of the schedule called `name`, now, as its worker would record it."""
    from django.utils import timezone
    from django_q.models import Schedule

    from scheduling.models import JobRun, Outcome, Trigger
    from scheduling.services import schedule_job_key

    schedule = Schedule.objects.get(name=name)
    return JobRun.objects.create(
        job=schedule_job_key(schedule),
        trigger=Trigger.SCHEDULE,
        started_at=timezone.now(),
        outcome=Outcome.FAILED,
        summary=summary,
        schedule=schedule,
    )


def cluster_pass() -> list[str]:
    """What the cluster does next: queues the schedules that are due (the runs pages handed over
    with job_soon among them) and runs each queued task as a worker would. Returns the runs' summaries."""
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    from scheduling.scheduler import schedules_start_due
    from scheduling.tasks import run_job

    schedules_start_due()
    summaries = []
    for queued in OrmQ.objects.order_by("pk"):
        task = SignedPackage.loads(queued.payload)
        queued.delete()
        summaries.append(run_job(*task["args"], **task["kwargs"]))
    return summaries


def reset_asked(client, email: str, **extra):
    """Asks for a link to set a new password on the reset page, then lets the cluster do what the page
    handed over (mess.password_resets). Returns the page's answer."""
    from django.test import TestCase
    from django.urls import reverse

    with TestCase.captureOnCommitCallbacks(execute=True):  # the request commits: its hand-over is written
        response = client.post(reverse("password_reset"), {"email": email}, **extra)
    cluster_pass()
    return response
