"""Helpers for tests: people created the way ManageIt creates them, and processes (clusters, servers) on the test database."""

# Processes on the test database: scheduling's own test helpers, which any project's tests may use.
from scheduling.tests.helpers import ROOT, child_env, redis_url, start

__all__ = ["ROOT", "child_env", "create_person", "redis_url", "start"]


def create_person(*, username: str, role, mess, password: str | None = None, email: str = ""):
    """One student or official of `mess`, created the way ManageIt creates people."""
    from django.contrib.auth import get_user_model

    from mess.people import Person, people_create

    ids = people_create(people=[Person(username=username, role=role, mess_id=mess.pk, email=email, password=password)])
    return get_user_model().objects.get(pk=ids[username])


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
