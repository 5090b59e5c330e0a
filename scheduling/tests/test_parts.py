"""Jobs in parts: run by the cluster, a task per part, each part's outcome in the run log; one part's
failure leaves the others done and fails the run, naming it, in the admin, `jobs --check` and the
watchers' e-mail. Commands still run the whole job in their own process."""

import io
import threading
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django_q.models import OrmQ, Schedule
from django_q.signing import SignedPackage

from scheduling.models import JobLease, JobRun, JobRunPart, Outcome, Trigger
from scheduling.parts import job_fan_out, job_part_run
from scheduling.schedules import RUNNER
from scheduling.tasks import JobFailed, run_job, run_job_part
from scheduling.tests import jobs
from scheduling.tests.helpers import start
from scheduling.tests.test_cluster import QCLUSTER


@pytest.fixture
def watchers(admin_user):
    return ["admin@example.com"]


def queued_parts() -> list[tuple]:
    """The tasks the run queued in the database's queue: (function, args)."""
    tasks = [SignedPackage.loads(q.payload) for q in OrmQ.objects.order_by("id")]
    return [(t["func"], t["args"]) for t in tasks]


def work_parts(run: JobRun) -> None:
    """What the cluster's workers do with the run's queued parts, one after another."""
    for func, args in queued_parts():
        assert func == "scheduling.tasks.run_job_part"
        try:
            run_job_part(*args)
        except JobFailed:
            pass  # django-q2 records the task failed; the run log has the part's failure


@pytest.mark.django_db
def test_run_by_the_cluster_a_job_in_parts_queues_a_task_per_part_and_records_each():
    summary = run_job("echo_each", trigger=Trigger.ADMIN, words="morning,noon,night")
    run = JobRun.objects.get()
    assert summary == f"echo_each: 3 parts queued (run log entry {run.pk})"
    assert run.outcome == Outcome.RUNNING and jobs.SAID == []
    assert queued_parts() == [("scheduling.tasks.run_job_part", (run.pk, w)) for w in ["morning", "noon", "night"]]
    assert list(run.parts.values_list("key", "label", "outcome")) == [
        ("morning", "word morning", Outcome.RUNNING),
        ("noon", "word noon", Outcome.RUNNING),
        ("night", "word night", Outcome.RUNNING),
    ]
    work_parts(run)
    run.refresh_from_db()
    assert sorted(jobs.SAID) == ["morning", "night", "noon"]
    assert run.outcome == Outcome.SUCCEEDED and run.finished_at is not None
    assert run.summary == "3 parts: word morning: said morning; word noon: said noon; word night: said night"
    assert all(p.outcome == Outcome.SUCCEEDED and p.started_at and p.finished_at for p in run.parts.all())


@pytest.mark.django_db
def test_one_failing_part_leaves_the_others_done_and_fails_the_run_naming_it(admin_client, watchers):
    schedule = Schedule.objects.create(
        name="words:morning",
        func=RUNNER,
        args="'echo_each'",
        kwargs="{'words': 'morning,bad,noon'}",
        schedule_type=Schedule.CRON,
        cron="0 7 * * *",
    )
    run_job("echo_each", trigger=Trigger.SCHEDULE, schedule_id=schedule.pk, words="morning,bad,noon")
    run = JobRun.objects.get()
    work_parts(run)
    run.refresh_from_db()
    parts = {p.key: p for p in run.parts.all()}
    assert sorted(jobs.SAID) == ["morning", "noon"]  # the others were done
    assert (parts["morning"].outcome, parts["noon"].outcome, parts["bad"].outcome) == (Outcome.SUCCEEDED, Outcome.SUCCEEDED, Outcome.FAILED)
    assert parts["bad"].summary == "failed: ValueError: the word bad cannot be said"
    assert "ValueError" in parts["bad"].traceback
    assert run.outcome == Outcome.FAILED
    assert run.summary == "failed: 1 of 3 parts failed: word bad: ValueError: the word bad cannot be said"
    assert "--- word bad (bad)" in run.traceback

    # The watchers hear of it once, with the part that failed and its error.
    assert [m.subject for m in mail.outbox] == ["[Django] words:morning failed"]
    assert "- word bad: failed: ValueError: the word bad cannot be said" in mail.outbox[0].body
    assert "the other 2 were done" in mail.outbox[0].body

    # jobs --check says so, and exits non-zero.
    with pytest.raises(CommandError) as failed:
        call_command("jobs", "--check", stdout=io.StringIO())
    assert "word bad: ValueError: the word bad cannot be said" in str(failed.value)

    # The run's page in the admin shows each part with its outcome and error.
    page = admin_client.get(reverse("admin:scheduling_jobrun_change", args=[run.pk])).content.decode()
    assert "word morning" in page and "word bad" in page and "the word bad cannot be said" in page


@pytest.mark.django_db
def test_a_part_handed_out_twice_runs_once_and_one_another_run_is_doing_is_skipped(django_capture_on_commit_callbacks):
    run = job_fan_out(key="echo_each", trigger=Trigger.ADMIN, kwargs={"words": "morning,noon"})
    assert job_part_run(run_id=run.pk, part="morning").outcome == Outcome.SUCCEEDED
    assert job_part_run(run_id=run.pk, part="morning").outcome == Outcome.SUCCEEDED  # done: not run again
    assert jobs.SAID == ["morning"]
    other = job_fan_out(key="echo_each", trigger=Trigger.ADMIN, kwargs={"words": "noon"})
    lease = "echo_each word='noon'"
    JobLease.objects.create(job=lease, run=other, expires_at=other.started_at.replace(year=2999))  # the other run is at noon
    with django_capture_on_commit_callbacks(execute=True):
        part = job_part_run(run_id=run.pk, part="noon")
    assert part.outcome == Outcome.SKIPPED and part.summary == f"skipped: {lease} is already running (run {other.pk})"
    run.refresh_from_db()
    assert run.outcome == Outcome.SUCCEEDED
    assert run.summary.startswith("2 parts, 1 skipped (another run had them): ")
    assert Schedule.objects.filter(name__startswith="soon: echo_each").count() == 1  # handed over again, as a whole run is


@pytest.mark.django_db
def test_a_command_runs_the_whole_job_in_its_own_process_as_ever():
    out = io.StringIO()
    call_command("echo_each", "--words", "morning,noon", stdout=out)
    assert out.getvalue().strip() == "said morning noon"
    assert jobs.SAID == ["morning", "noon"] and JobRunPart.objects.count() == 0 and OrmQ.objects.count() == 0
    with pytest.raises(CommandError, match="the word bad cannot be said"):
        call_command("echo_each", "--words", "morning,bad")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parts_finishing_at_once_finish_the_run_once(watchers):
    schedule = Schedule.objects.create(name="words", func=RUNNER, args="'echo_each'", schedule_type=Schedule.CRON, cron="0 7 * * *")
    words = ["morning", "noon", "evening", "night", "bad"]
    run = job_fan_out(key="echo_each", trigger=Trigger.SCHEDULE, kwargs={"words": ",".join(words)}, schedule_id=schedule.pk)
    start, errors = threading.Barrier(len(words)), []

    def work(word):
        try:
            start.wait(10)
            job_part_run(run_id=run.pk, part=word)
        except Exception as error:  # noqa: BLE001 - reported below, from the test's own thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in words]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    run.refresh_from_db()
    assert run.outcome == Outcome.FAILED and run.summary.startswith("failed: 1 of 5 parts failed: word bad")
    assert sorted(jobs.SAID) == sorted(words[:-1])
    assert len(mail.outbox) == 1  # the run was finished, and told, once


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_cluster_of_two_workers_runs_the_parts_and_finishes_the_run():
    cluster = start(QCLUSTER, Q_WORKERS="2")
    try:
        enqueue = start(
            [
                "-m",
                "django",
                "shell",
                "-c",
                "from scheduling.soon import job_enqueue; job_enqueue(key='echo_each', kwargs={'words': 'morning,bad,noon,night'})",
            ]
        )
        assert enqueue.wait(timeout=60) == 0, enqueue.stdout.read()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not JobRun.objects.exclude(outcome=Outcome.RUNNING).exists():
            time.sleep(0.5)
    finally:
        cluster.terminate()
        output = cluster.communicate(timeout=60)[0]
    run = JobRun.objects.get()
    assert run.outcome == Outcome.FAILED, output
    assert dict(run.parts.values_list("key", "outcome")) == {
        "morning": Outcome.SUCCEEDED,
        "bad": Outcome.FAILED,
        "noon": Outcome.SUCCEEDED,
        "night": Outcome.SUCCEEDED,
    }
    assert run.summary == "failed: 1 of 4 parts failed: word bad: ValueError: the word bad cannot be said"
