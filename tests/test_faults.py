"""Faults under a real cluster: a worker killed in the middle of a job, a database connection
dropped under a running cluster. Each starts `manage.py qcluster` on the test database."""

import email
import os
import signal
import time

import pytest
from django.db import connection
from django.utils import timezone

from mess.models import Feedback, Notification, OutgoingEmail
from scheduling.models import JobRun, JobRunPart, Outcome
from scheduling.soon import job_enqueue
from tests.factories import judged
from tests.helpers import start
from tests.smtp_server import SMTPServer

# Short enough for a test, and in the same order as in production: a dead run's lease (6 s, renewed
# only while its run is alive) has expired when django-q2 hands its task out again (8 s).
CLUSTER = {"Q_WORKERS": "1", "Q_TIMEOUT": "4", "Q_RETRY": "8"}


def wait_for(condition, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process) -> str:
    process.terminate()
    try:
        return process.communicate(timeout=30)[0]
    except Exception:
        process.kill()
        return process.communicate()[0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_job_is_retried_and_sends_the_same_email_again(mess1, student, official):
    judged(Feedback(student=student, mess=mess1, date=timezone.localdate(), meal="breakfast", rating=1, comment="Hair in the upma"))
    with SMTPServer(stall_after_first=True) as smtp:
        cluster = start(["manage.py", "qcluster"], EMAIL_URL=smtp.url, **CLUSTER)
        try:
            job_enqueue(key="send_admin_notifications", kwargs={"meal": "breakfast"})
            # the e-mail has reached the server, and the worker waits for the server's answer
            assert smtp.received.wait(timeout=60), "the job never sent its e-mail"
            part = JobRunPart.objects.get()  # the cluster runs the job a task per mess: Mess 1's
            os.kill(int(part.host.rsplit(":", 1)[1]), signal.SIGKILL)
            smtp.release()
            wait_for(lambda: JobRun.objects.filter(outcome=Outcome.SUCCEEDED).exists(), seconds=60, what="the retry")
        finally:
            output = stop(cluster)

    run = JobRun.objects.get()  # django-q2 handed the part's task out again, and the run finished with it
    assert run.outcome == Outcome.SUCCEEDED, output
    part = run.parts.get()
    assert part.summary.startswith("1 e-mail of an earlier run sent; 1 notification (0 new, 0 updated), 0 critical entries e-mailed")
    assert Notification.objects.count() == 1
    # The worker died between the server's taking the e-mail and its answer: the retry sends the
    # stored e-mail again, the same message (which mail programs show once), never a second one.
    assert len(smtp.messages) == 2
    first, second = (email.message_from_bytes(raw) for raw in smtp.messages)
    assert first["Message-ID"] == second["Message-ID"] == OutgoingEmail.objects.get().message_id
    assert [p.get_payload() for p in first.walk()][1:] == [p.get_payload() for p in second.walk()][1:]
    assert b"Hair in the upma" in smtp.messages[0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_cluster_survives_its_database_connections_being_dropped():
    if connection.vendor != "mysql":
        pytest.skip("SQLite is a file, with no server connection to drop; this test runs on MySQL/MariaDB")
    cluster = start(["manage.py", "qcluster"], **CLUSTER)
    try:
        job_enqueue(key="prune_job_runs")
        wait_for(lambda: JobRun.objects.filter(outcome=Outcome.SUCCEEDED).count() == 1, seconds=60, what="the first run")

        # What a database restart does to the cluster: every one of its connections is cut.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM information_schema.processlist WHERE db = %s AND id <> CONNECTION_ID()", [connection.settings_dict["NAME"]]
            )
            for (thread_id,) in cursor.fetchall():
                cursor.execute(f"KILL CONNECTION {int(thread_id)}")

        job_enqueue(key="prune_job_runs")
        wait_for(lambda: JobRun.objects.filter(outcome=Outcome.SUCCEEDED).count() == 2, seconds=60, what="the run after the drop")
    finally:
        output = stop(cluster)
    assert JobRun.objects.filter(outcome=Outcome.FAILED).count() == 0, output
