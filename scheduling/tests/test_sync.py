"""Default schedules from the registry, kept by sync_schedules without undoing admins' edits, and
moved with the data they are computed from unless an admin re-timed them."""

import dataclasses
import datetime as dt
import io

import time_machine
from django.core.management import call_command
from django_q.models import Schedule

from scheduling.registry import JOBS
from scheduling.schedules import RUNNER, schedule_job_key, schedule_kwargs
from scheduling.sync import default_schedules, schedules_follow_defaults, schedules_sync
from scheduling.tests import jobs


def test_it_creates_the_default_schedules(db):
    result = schedules_sync()
    schedules = {s.name: s for s in Schedule.objects.all()}
    assert sorted(result.created) == sorted(schedules)
    assert {name: s.cron for name, s in schedules.items()} == {
        "prune_job_runs": "30 0 * * *",
        "echo:morning": "0 9 * * *",
        "echo:noon": "0 14 * * *",
        "echo:evening": "0 18 * * *",
        "echo:night": "0 21 * * *",
        "tick": "0 * * * *",
        "sleep": "5 * * * *",
        "fail": "0 7 * * *",
    }
    noon = schedules["echo:noon"]
    assert (noon.func, schedule_job_key(noon), schedule_kwargs(noon)) == (RUNNER, "echo", {"word": "noon"})
    assert all(s.schedule_type == Schedule.CRON and s.repeats == -1 for s in schedules.values())


def test_default_schedules_follow_the_data_they_are_computed_from(db, monkeypatch):
    monkeypatch.setitem(jobs.WORDS, "evening", "45 17 * * *")
    schedules_sync()
    assert Schedule.objects.get(name="echo:evening").cron == "45 17 * * *"


def test_a_second_sync_changes_nothing_and_keeps_admin_edits(db):
    schedules_sync()
    Schedule.objects.filter(name="echo:noon").update(cron="30 13 * * *", kwargs="{'word': 'noon', 'loud': True}", repeats=0)
    before = list(Schedule.objects.order_by("pk").values())
    out = io.StringIO()
    call_command("sync_schedules", stdout=out)
    assert out.getvalue().strip() == "created 0 schedules, 8 already there"
    assert list(Schedule.objects.order_by("pk").values()) == before


def test_it_reports_schedules_whose_job_no_longer_exists(db):
    schedules_sync()
    Schedule.objects.create(name="weekly_mail", func=RUNNER, args="'weekly_mail'", schedule_type=Schedule.CRON, cron="0 8 * * 1")
    err = io.StringIO()
    call_command("sync_schedules", stdout=io.StringIO(), stderr=err)
    assert "schedule weekly_mail runs no known job" in err.getvalue()
    assert schedules_sync().orphaned == ["weekly_mail"]


def test_new_default_times_move_the_schedules_still_at_their_old_time_and_no_other(db, monkeypatch):
    with time_machine.travel(dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC), tick=False):  # 05:30 in Kolkata
        schedules_sync()
        Schedule.objects.filter(name="echo:night").update(cron="30 22 * * *")  # an admin re-timed it
        before = default_schedules()
        monkeypatch.setitem(jobs.WORDS, "noon", "0 15 * * *")
        monkeypatch.setitem(jobs.WORDS, "night", "30 21 * * *")
        assert schedules_follow_defaults(before=before) == ["echo:noon"]
    crons = dict(Schedule.objects.filter(name__startswith="echo:").values_list("name", "cron"))
    assert crons == {"echo:morning": "0 9 * * *", "echo:noon": "0 15 * * *", "echo:evening": "0 18 * * *", "echo:night": "30 22 * * *"}
    assert Schedule.objects.get(name="echo:noon").next_run == dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)  # 15:00 in Kolkata


def test_a_default_schedule_the_data_brings_is_created_and_one_it_takes_away_is_deleted_unless_re_timed(db, monkeypatch):
    schedules_sync()
    Schedule.objects.filter(name="echo:night").update(cron="30 22 * * *")  # an admin re-timed it: it stays
    before = default_schedules()
    monkeypatch.setitem(jobs.WORDS, "dawn", "0 5 * * *")
    monkeypatch.delitem(jobs.WORDS, "evening")
    monkeypatch.delitem(jobs.WORDS, "night")

    changed = schedules_follow_defaults(before=before)

    assert sorted(changed) == ["echo:dawn", "echo:evening"]
    names = set(Schedule.objects.filter(name__startswith="echo:").values_list("name", flat=True))
    assert names == {"echo:morning", "echo:noon", "echo:dawn", "echo:night"}


def test_a_schedule_still_at_its_default_time_takes_its_new_arguments_too(db, monkeypatch):
    schedules_sync()
    Schedule.objects.filter(name="echo:night").update(cron="30 22 * * *")  # an admin re-timed it: it keeps its own
    before = default_schedules()
    echo = JOBS["echo"]

    def twice(key):
        return [
            dataclasses.replace(d, kwargs={**d.kwargs, "times": 2}) if d.name in ("echo:noon", "echo:night") else d for d in echo.defaults()
        ]

    monkeypatch.setitem(JOBS, "echo", dataclasses.replace(echo, default_schedules=twice))

    assert schedules_follow_defaults(before=before) == ["echo:noon"]
    assert schedule_kwargs(Schedule.objects.get(name="echo:noon")) == {"word": "noon", "times": 2}
    assert schedule_kwargs(Schedule.objects.get(name="echo:night")) == {"word": "night"}


def test_a_sync_removes_the_defaults_the_data_no_longer_needs_of_a_job_whose_defaults_come_and_go(db, monkeypatch):
    schedules_sync()
    Schedule.objects.create(name="echo:by-hand", func=RUNNER, args="'prune_job_runs'", schedule_type=Schedule.CRON, cron="0 1 * * *")
    monkeypatch.delitem(jobs.WORDS, "night")  # the data no longer needs echo:night

    assert schedules_sync().removed == []  # echo's defaults are fixed: nothing goes
    monkeypatch.setitem(JOBS, "echo", dataclasses.replace(JOBS["echo"], defaults_come_and_go=True))
    result = schedules_sync()

    assert result.removed == ["echo:night"] and "removed 1 no longer needed" in str(result)
    names = set(Schedule.objects.filter(name__startswith="echo:").values_list("name", flat=True))
    assert names == {"echo:morning", "echo:noon", "echo:evening", "echo:by-hand"}  # another job's schedule stays
