"""The scheduler in process: due schedules queued on their own, in local time, once after downtime,
and broken ones marked and passed over."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ, Schedule
from django_q.signing import SignedPackage

from scheduling.models import BrokenSchedule, ClusterHeartbeat, JobRun, Outcome, Trigger
from scheduling.scheduler import heartbeat, heartbeat_stopped, heartbeats_prune, schedules_start_due
from scheduling.schedules import RUNNER, schedule_next_runs
from scheduling.selectors import jobs_health
from scheduling.sync import schedules_sync
from scheduling.tasks import run_job
from scheduling.tests import jobs

NOW = dt.datetime(2026, 3, 1, 8, 30, 0, 200_000, tzinfo=dt.UTC)  # 14:00:00.2 in Kolkata
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def schedule(name, *, job="prune_job_runs", kwargs=None, cron="0 14 * * *", next_run=NOW - dt.timedelta(seconds=0.2), repeats=-1):
    # bulk_create, since Schedule.save() of a new cron schedule computes its next run itself, and
    # raises for a cron that never fires: rows like that come from older versions or other tools
    Schedule.objects.bulk_create(
        [
            Schedule(
                name=name,
                func=RUNNER,
                args=repr(job),
                kwargs=repr(kwargs) if kwargs else None,
                schedule_type=Schedule.CRON,
                cron=cron,
                next_run=next_run,
                repeats=repeats,
            )
        ]
    )
    return Schedule.objects.get(name=name)


def test_a_due_schedule_is_queued_once_with_its_schedule_and_moved_to_its_next_time(db):
    daily = schedule("daily")
    schedule("later", next_run=NOW + dt.timedelta(minutes=1))
    schedule("paused", repeats=0)
    with time_machine.travel(NOW, tick=False):
        assert schedules_start_due() == [daily.pk]
        assert schedules_start_due() == []  # already moved on
    tasks = {SignedPackage.loads(q.payload)["group"]: SignedPackage.loads(q.payload) for q in OrmQ.objects.all()}
    assert list(tasks) == ["daily"]
    assert (tasks["daily"]["args"], tasks["daily"]["kwargs"]) == (("prune_job_runs",), {"trigger": "schedule", "schedule_id": daily.pk})
    daily.refresh_from_db()
    assert daily.next_run == dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)


def test_a_broken_schedule_is_marked_recorded_once_and_passed_over_and_the_others_run(db):
    first = schedule("a-30-february", cron="0 0 30 2 *")
    brunch = schedule("b-brunch", job="echo", kwargs={"word": "brunch"})
    gone = schedule("c-gone", job="make_tea")
    fine = schedule("d-fine")
    with time_machine.travel(NOW, tick=False):
        assert schedules_start_due() == [fine.pk]
        assert schedules_start_due() == []
    assert set(BrokenSchedule.objects.values_list("schedule_id", flat=True)) == {first.pk, brunch.pk, gone.pk}
    runs = {run.schedule_id: run for run in JobRun.objects.all()}
    assert set(runs) == {first.pk, brunch.pk, gone.pk}  # recorded once each, though looked at twice
    assert {run.outcome for run in runs.values()} == {Outcome.FAILED}
    assert "cron '0 0 30 2 *' never fires" in runs[first.pk].summary
    assert "its arguments are refused: word: unknown word 'brunch'" in runs[brunch.pk].summary
    assert (runs[gone.pk].job, runs[brunch.pk].job) == ("make_tea", "echo")


def test_a_schedule_whose_arguments_are_no_dict_is_broken(db):
    listed = schedule("listed", job="echo")
    Schedule.objects.filter(pk=listed.pk).update(kwargs="['noon']")
    with time_machine.travel(NOW, tick=False):
        assert schedules_start_due() == []
    assert BrokenSchedule.objects.get().reason == "its arguments are not a dict: ['noon']"


def test_saving_a_broken_schedule_again_lets_the_scheduler_try_it(db):
    brunch = schedule("brunch", job="echo", kwargs={"word": "brunch"})
    with time_machine.travel(NOW, tick=False):
        schedules_start_due()
        brunch.kwargs = repr({"word": "noon"})
        brunch.save()
        assert not BrokenSchedule.objects.exists()
        assert schedules_start_due() == [brunch.pk]


def test_a_run_records_the_schedule_that_started_it(db):
    daily = schedule("daily")
    run_job("prune_job_runs", trigger=Trigger.SCHEDULE.value, schedule_id=daily.pk)
    assert JobRun.objects.get().schedule == daily


def test_arguments_refused_when_the_run_starts_mark_the_schedule_broken(db):
    brunch = schedule("brunch", job="echo")
    try:
        run_job("echo", trigger=Trigger.SCHEDULE.value, schedule_id=brunch.pk, word="brunch")
    except Exception as e:
        failure = e
    assert "not run: word: unknown word 'brunch'" in str(failure)
    assert BrokenSchedule.objects.get().schedule_id == brunch.pk


def test_the_heartbeat_is_kept_per_cluster(db):
    with time_machine.travel(NOW, tick=False):
        heartbeat(cluster="host:1", started_at=timezone.now())
    with time_machine.travel(NOW + dt.timedelta(seconds=10), tick=False):
        heartbeat(cluster="host:1", started_at=timezone.now())
    beat = ClusterHeartbeat.objects.get()
    assert (beat.started_at, beat.seen_at) == (NOW, NOW + dt.timedelta(seconds=10))


def test_a_once_schedule_runs_once_and_then_rests(db):
    Schedule.objects.bulk_create(
        [Schedule(name="once", func=RUNNER, args="'prune_job_runs'", schedule_type=Schedule.ONCE, next_run=NOW - dt.timedelta(seconds=1))]
    )
    once = Schedule.objects.get(name="once")
    with time_machine.travel(NOW, tick=False):
        assert schedules_start_due() == [once.pk]
        assert schedules_start_due() == []
    once.refresh_from_db()
    assert once.repeats == 0 and not BrokenSchedule.objects.exists()
    assert OrmQ.objects.count() == 1


def test_a_schedule_whose_next_run_cannot_be_computed_is_marked_broken_not_retried_every_second(db):
    Schedule.objects.bulk_create(
        [Schedule(name="monthly", func=RUNNER, args="'prune_job_runs'", schedule_type="Z", next_run=NOW - dt.timedelta(seconds=1))]
    )
    with time_machine.travel(NOW, tick=False):
        assert schedules_start_due() == []
        assert schedules_start_due() == []
    assert "its next run cannot be computed" in BrokenSchedule.objects.get().reason
    assert JobRun.objects.count() == 1 and OrmQ.objects.count() == 0


def queued_schedules() -> list[str]:
    return [t.task["group"] for t in OrmQ.objects.all()]


# transactional: django-q2's scheduler closes the connection, which would end a test's transaction
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_midnight_schedule_fires_at_1830_utc_the_day_before(monkeypatch):
    monkeypatch.setitem(jobs.WORDS, "midnight", "0 0 * * *")
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)):
        schedules_sync()
        midnight = Schedule.objects.get(name="echo:midnight")
        assert midnight.next_run == dt.datetime(2026, 3, 1, 18, 30, tzinfo=dt.UTC)
        assert schedule_next_runs(cron="0 0 * * *", count=2) == [
            dt.datetime(2026, 3, 2, 0, 0, tzinfo=IST),
            dt.datetime(2026, 3, 3, 0, 0, tzinfo=IST),
        ]
    with time_machine.travel(dt.datetime(2026, 3, 1, 18, 29, 59, tzinfo=dt.UTC)):
        schedules_start_due(broker=get_broker())
        assert "echo:midnight" not in queued_schedules()
    with time_machine.travel(dt.datetime(2026, 3, 1, 18, 30, 1, tzinfo=dt.UTC)):
        schedules_start_due(broker=get_broker())
        assert queued_schedules().count("echo:midnight") == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_after_downtime_each_job_runs_once_not_once_per_missed_slot():
    with time_machine.travel(dt.datetime(2026, 3, 1, 4, 0, tzinfo=dt.UTC)):
        schedules_sync()
    # the cluster was down for three days
    with time_machine.travel(dt.datetime(2026, 3, 4, 4, 10, tzinfo=dt.UTC)):
        schedules_start_due(broker=get_broker())
        assert OrmQ.objects.count() == Schedule.objects.count() == 8
        assert all(s.next_run > timezone.now() for s in Schedule.objects.all())
        schedules_start_due(broker=get_broker())
        assert OrmQ.objects.count() == 8


def test_a_cluster_stopped_on_purpose_is_down_at_once_and_remembered_as_last_seen(db):
    with time_machine.travel(NOW, tick=False):
        heartbeat(cluster="host:1", started_at=timezone.now())
        assert not jobs_health().cluster_down
    with time_machine.travel(NOW + dt.timedelta(seconds=5), tick=False):
        heartbeat_stopped(cluster="host:1")
        health = jobs_health()
    assert health.cluster_down and health.heartbeat_at is None  # not waited for through the grace period
    assert health.last_seen_at == NOW + dt.timedelta(seconds=5)
    assert health.problems == ["no cluster is running the jobs (last seen 2026-03-01 14:00): start one with `manage.py qcluster`"]


def test_pruning_forgets_old_clusters_but_the_last_one_seen(db):
    with time_machine.travel(NOW, tick=False):
        heartbeat(cluster="host:1", started_at=timezone.now())
        heartbeat(cluster="host:2", started_at=timezone.now())
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        heartbeat_stopped(cluster="host:2")
    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        heartbeats_prune()
        assert list(ClusterHeartbeat.objects.values_list("cluster", flat=True)) == ["host:2"]
        assert jobs_health().last_seen_at == NOW + dt.timedelta(minutes=1)
