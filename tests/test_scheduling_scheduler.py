"""The scheduler in process: due schedules queued on their own, broken ones marked and passed over."""

import datetime as dt

import time_machine
from django.utils import timezone
from django_q.models import OrmQ, Schedule
from django_q.signing import SignedPackage

from scheduling.models import BrokenSchedule, ClusterHeartbeat, JobRun, Outcome, Trigger
from scheduling.scheduler import heartbeat, schedules_start_due
from scheduling.schedules import RUNNER
from scheduling.tasks import run_job

NOW = dt.datetime(2026, 3, 1, 8, 30, 0, 200_000, tzinfo=dt.UTC)  # 14:00:00.2 in Kolkata


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
    brunch = schedule("b-brunch", job="send_admin_notifications", kwargs={"meal": "brunch"})
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
    assert "its arguments are refused: meal: unknown meal 'brunch'" in runs[brunch.pk].summary
    assert (runs[gone.pk].job, runs[brunch.pk].job) == ("make_tea", "send_admin_notifications")


def test_saving_a_broken_schedule_again_lets_the_scheduler_try_it(db):
    brunch = schedule("brunch", job="send_admin_notifications", kwargs={"meal": "brunch"})
    with time_machine.travel(NOW, tick=False):
        schedules_start_due()
        brunch.kwargs = repr({"meal": "lunch"})
        brunch.save()
        assert not BrokenSchedule.objects.exists()
        assert schedules_start_due() == [brunch.pk]


def test_a_run_records_the_schedule_that_started_it(db):
    daily = schedule("daily")
    run_job("prune_job_runs", trigger=Trigger.SCHEDULE.value, schedule_id=daily.pk)
    assert JobRun.objects.get().schedule == daily


def test_arguments_refused_when_the_run_starts_mark_the_schedule_broken(db):
    brunch = schedule("brunch", job="send_admin_notifications")
    try:
        run_job("send_admin_notifications", trigger=Trigger.SCHEDULE.value, schedule_id=brunch.pk, meal="brunch")
    except Exception as e:
        failure = e
    assert "not run: meal: unknown meal 'brunch'" in str(failure)
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
