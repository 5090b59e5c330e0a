"""The run log and the lease: every run recorded, never two runs of a job at once."""

import datetime as dt
import time

import pytest
import time_machine
from django.utils import timezone
from django_q.models import Schedule

from scheduling import registry
from scheduling.models import JobLease, JobRun, Outcome, Trigger
from scheduling.runs import job_run, job_runs_prune, lease_duration
from scheduling.tasks import JobFailed, run_job
from scheduling.tests import jobs


def job_today():
    return timezone.localdate().isoformat()


def job_interrupted():
    raise KeyboardInterrupt


def job_slow_nested():
    """Outlives its first lease, then starts itself again, as a second process would."""
    time.sleep(2.5)
    return f"inner run {job_run(key='test_slow_nested', trigger=Trigger.COMMAND).outcome}"


def job_nested():
    """Starts itself again while it runs, as a second process would."""
    inner = job_run(key="test_nested", trigger=Trigger.COMMAND)
    return f"inner run {inner.outcome}"


def job_per_word(*, word: str, then: str | None = None) -> str:
    """Says `word`, or starts itself again for the word `then` while it runs, as a second process would."""
    if then is None:
        return f"said {word}"
    return f"inner run of {then} {job_run(key='test_per_word', trigger=Trigger.COMMAND, kwargs={'word': then}).outcome}"


@pytest.fixture(autouse=True)
def test_jobs(monkeypatch):
    """Jobs that do what no job of an app should, each for one test: be interrupted, start themselves again."""
    for name in ["today", "nested", "slow_nested", "interrupted"]:
        key = f"test_{name}"
        job = registry.Job(key=key, func=globals()[f"job_{name}"], description=f"{key} for tests", default_schedules=lambda key: [])
        monkeypatch.setitem(registry.JOBS, key, job)
    per_word = registry.Job(
        key="test_per_word",
        func=job_per_word,
        description="test_per_word for tests",
        default_schedules=lambda key: [],
        params=(registry.Param("word", str, required=True), registry.Param("then", str)),
        lease_by=("word",),
    )
    monkeypatch.setitem(registry.JOBS, "test_per_word", per_word)


def test_it_records_a_successful_run(db):
    run = job_run(key="echo", trigger=Trigger.SCHEDULE, kwargs={"word": "noon"})
    run.refresh_from_db()
    assert (run.outcome, run.summary, run.trigger, run.arguments) == (Outcome.SUCCEEDED, "said noon", "schedule", {"word": "noon"})
    assert run.finished_at >= run.started_at
    assert run.duration is not None
    assert jobs.SAID == ["noon"]


def test_it_runs_the_job_with_its_arguments_as_checked(db):
    run = job_run(key="echo", trigger=Trigger.COMMAND, kwargs={"word": " Noon", "times": "2", "loud": "yes", "day": "2026-01-05"})
    assert run.summary == "said NOON NOON of 2026-01-05"
    assert JobRun.objects.get().arguments == {"word": "noon", "times": 2, "loud": True, "day": "2026-01-05"}


def test_arguments_the_job_refuses_start_nothing_and_record_nothing(db):
    with pytest.raises(registry.JobRefused, match="echo takes no argument 'colour'; it takes word, times, loud, day"):
        job_run(key="echo", trigger=Trigger.COMMAND, kwargs={"word": "noon", "colour": "red"})
    with pytest.raises(registry.JobRefused, match="echo needs the argument 'word'"):
        job_run(key="echo", trigger=Trigger.COMMAND)
    assert jobs.SAID == []
    assert not JobRun.objects.exists()


def test_it_records_a_failure_with_its_traceback(db):
    run = job_run(key="fail", trigger=Trigger.COMMAND)
    run.refresh_from_db()
    assert run.outcome == Outcome.FAILED
    assert run.summary == "failed: RuntimeError: it fails, as it always does"
    assert "Traceback" in run.traceback and ", in fail\n" in run.traceback
    # the lease is released so the next run is not blocked
    assert JobLease.objects.get(job="fail").expires_at <= timezone.now()


def test_it_raises_in_the_task_so_django_q_records_the_failure(db):
    with pytest.raises(JobFailed, match="it fails, as it always does"):
        run_job("fail")
    assert JobRun.objects.get().trigger == Trigger.SCHEDULE


def test_it_skips_a_second_start_while_the_first_runs(db):
    outer = job_run(key="test_nested", trigger=Trigger.SCHEDULE)
    assert outer.outcome == Outcome.SUCCEEDED
    assert outer.summary == "inner run skipped"
    inner = JobRun.objects.exclude(pk=outer.pk).get()
    assert inner.outcome == Outcome.SKIPPED
    assert inner.summary == f"skipped: test_nested is already running (run {outer.pk})"


def test_runs_with_other_values_of_the_jobs_lease_by_parameters_run_at_once_and_the_same_one_at_a_time(db):
    other = job_run(key="test_per_word", trigger=Trigger.SCHEDULE, kwargs={"word": "lunch", "then": "dinner"})
    same = job_run(key="test_per_word", trigger=Trigger.SCHEDULE, kwargs={"word": "lunch", "then": "lunch"})

    assert (other.summary, same.summary) == ("inner run of dinner succeeded", "inner run of lunch skipped")
    skipped = JobRun.objects.get(outcome=Outcome.SKIPPED)
    assert skipped.summary == f"skipped: test_per_word word='lunch' is already running (run {same.pk})"


def test_a_lease_key_is_at_most_64_characters_and_tells_arguments_apart():
    job = registry.JOBS["test_per_word"]
    long_a, long_b = job.lease_key({"word": "x" * 80 + "a"}), job.lease_key({"word": "x" * 80 + "b"})
    assert len(long_a) <= 64 and long_a != long_b
    assert job.lease_key({"word": "lunch", "then": "x"}) == "test_per_word word='lunch'"


def test_a_run_that_finds_its_job_running_is_handed_over_again_never_dropped(db, django_capture_on_commit_callbacks):
    start = timezone.now()
    running = JobRun.objects.create(job="echo", trigger=Trigger.SCHEDULE, started_at=start)
    JobLease.objects.create(job="echo", run=running, expires_at=start + lease_duration())

    with django_capture_on_commit_callbacks(execute=True):
        summary = run_job("echo", schedule_id=None, word="noon")

    assert summary == f"skipped: echo is already running (run {running.pk})"
    (waiting,) = Schedule.objects.all()
    assert (waiting.name, waiting.kwargs) == ("soon: echo word='noon'", "{'word': 'noon'}")
    assert jobs.SAID == []


def test_it_runs_again_once_a_crashed_runs_lease_expired(db):
    start = timezone.now()
    crashed = JobRun.objects.create(job="echo", trigger=Trigger.SCHEDULE, started_at=start)
    JobLease.objects.create(job="echo", run=crashed, expires_at=start + lease_duration())

    assert job_run(key="echo", trigger=Trigger.SCHEDULE, kwargs={"word": "noon"}).outcome == Outcome.SKIPPED
    with time_machine.travel(start + lease_duration() + dt.timedelta(seconds=1)):
        assert job_run(key="echo", trigger=Trigger.SCHEDULE, kwargs={"word": "noon"}).outcome == Outcome.SUCCEEDED

    crashed.refresh_from_db()
    assert crashed.outcome == Outcome.FAILED
    assert "lease expired" in crashed.summary


def test_it_sees_today_as_the_local_date(db):
    # 18:29 UTC is 23:59 in Kolkata; 18:31 UTC is 00:01 the next day there.
    with time_machine.travel(dt.datetime(2026, 3, 1, 18, 29, tzinfo=dt.UTC)):
        assert job_run(key="test_today", trigger=Trigger.SCHEDULE).summary == "2026-03-01"
    with time_machine.travel(dt.datetime(2026, 3, 1, 18, 31, tzinfo=dt.UTC)):
        assert job_run(key="test_today", trigger=Trigger.SCHEDULE).summary == "2026-03-02"


def test_it_prunes_run_log_entries_older_than_90_days(db):
    now = timezone.now()
    old = JobRun.objects.create(job="echo", trigger=Trigger.SCHEDULE, started_at=now - dt.timedelta(days=90, minutes=1))
    kept = JobRun.objects.create(job="echo", trigger=Trigger.SCHEDULE, started_at=now - dt.timedelta(days=89))
    assert job_runs_prune() == "deleted 1 run-log entries older than 90 days"
    assert list(JobRun.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not JobRun.objects.filter(pk=old.pk).exists()
    assert job_runs_prune(days=30) == "deleted 1 run-log entries older than 30 days"


# transactional: the lease is renewed from another thread, with its own database connection
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_long_run_keeps_its_lease_past_the_lease_length(settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 1, "retry": 3}
    assert lease_duration() == dt.timedelta(seconds=2)

    outer = job_run(key="test_slow_nested", trigger=Trigger.SCHEDULE)

    assert (outer.outcome, outer.summary) == (Outcome.SUCCEEDED, "inner run skipped")
    assert JobRun.objects.get(pk=outer.pk).outcome == Outcome.SUCCEEDED


def test_an_interrupted_run_is_recorded_and_frees_the_job(db):
    with pytest.raises(KeyboardInterrupt):
        job_run(key="test_interrupted", trigger=Trigger.COMMAND)
    run = JobRun.objects.get()
    assert (run.outcome, run.summary) == (Outcome.FAILED, "failed: KeyboardInterrupt: ")
    assert JobLease.objects.get(job="test_interrupted").expires_at <= timezone.now()
