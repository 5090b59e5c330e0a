"""cleanup_old_menu: menus_cleanup deletes the temporary and non-veg menus of past days, in batches."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess import menus
from mess.menus import BATCH_SECONDS, LARGEST_BATCH, SMALLEST_BATCH, menus_cleanup, next_batch_size
from mess.models import NonVegItem, NonVegMenu, TemporaryMenu
from scheduling.models import JobRun, Outcome, Trigger

TODAY = datetime.date(2026, 3, 2)
# 00:00 IST on 2026-03-02, when the job is scheduled.
MIDNIGHT = datetime.datetime(2026, 3, 1, 18, 30, tzinfo=datetime.UTC)


def temporary(mess, date, meal="lunch"):
    return TemporaryMenu.objects.create(mess=mess, date=date, meal=meal, dishes="Rajma\nRice")


def nonveg(mess, date, meal="dinner", items=2):
    menu = NonVegMenu.objects.create(mess=mess, date=date, meal=meal)
    NonVegItem.objects.bulk_create([NonVegItem(menu=menu, name=f"Dish {i}", price=Decimal("80")) for i in range(items)])
    return menu


def many_temporary(mess, count, start=datetime.date(2025, 1, 1)):
    meals = ["breakfast", "lunch", "snacks", "dinner"]
    TemporaryMenu.objects.bulk_create(
        [TemporaryMenu(mess=mess, date=start + datetime.timedelta(days=i // 4), meal=meals[i % 4], dishes="Poha") for i in range(count)]
    )


@time_machine.travel(MIDNIGHT, tick=False)
def test_it_deletes_menus_before_today_and_keeps_today_and_later(mess1):
    temporary(mess1, TODAY - datetime.timedelta(days=1))
    temporary(mess1, TODAY - datetime.timedelta(days=30), meal="dinner")
    kept_temporary = [temporary(mess1, TODAY), temporary(mess1, TODAY + datetime.timedelta(days=1))]
    nonveg(mess1, TODAY - datetime.timedelta(days=1), items=3)
    kept_nonveg = nonveg(mess1, TODAY)

    summary = menus_cleanup()

    assert summary == "deleted 2 temporary menus, 1 non-veg menu (3 items)"
    assert set(TemporaryMenu.objects.all()) == set(kept_temporary)
    assert list(NonVegMenu.objects.all()) == [kept_nonveg]
    assert NonVegItem.objects.filter(menu=kept_nonveg).count() == 2
    assert NonVegItem.objects.count() == 2


def test_it_uses_the_local_date_around_midnight_ist(mess1):
    temporary(mess1, datetime.date(2026, 3, 1))
    # 23:59 IST on 03-01: the menu of 03-01 is today's.
    with time_machine.travel(datetime.datetime(2026, 3, 1, 18, 29, tzinfo=datetime.UTC), tick=False):
        assert menus_cleanup() == "deleted 0 temporary menus, 0 non-veg menus (0 items)"
    # 00:01 IST on 03-02 (still 03-01 in UTC): it is yesterday's.
    with time_machine.travel(datetime.datetime(2026, 3, 1, 18, 31, tzinfo=datetime.UTC), tick=False):
        assert menus_cleanup() == "deleted 1 temporary menu, 0 non-veg menus (0 items)"
    assert not TemporaryMenu.objects.exists()


@time_machine.travel(MIDNIGHT, tick=False)
def test_it_is_idempotent(mess1, mess2):
    temporary(mess1, TODAY - datetime.timedelta(days=2))
    nonveg(mess2, TODAY - datetime.timedelta(days=2))
    assert menus_cleanup() == "deleted 1 temporary menu, 1 non-veg menu (2 items)"
    assert menus_cleanup() == "deleted 0 temporary menus, 0 non-veg menus (0 items)"


@time_machine.travel(MIDNIGHT, tick=False)
def test_it_deletes_nothing_on_a_dry_run(mess1):
    temporary(mess1, TODAY - datetime.timedelta(days=1))
    temporary(mess1, TODAY)
    nonveg(mess1, TODAY - datetime.timedelta(days=1), items=4)
    nonveg(mess1, TODAY - datetime.timedelta(days=3), items=1)

    summary = menus_cleanup(dry_run=True)

    assert summary == "would delete 1 temporary menu, 2 non-veg menus (5 items) dated before 2026-03-02"
    assert TemporaryMenu.objects.count() == 2
    assert NonVegMenu.objects.count() == 2
    assert NonVegItem.objects.count() == 5


@time_machine.travel(MIDNIGHT, tick=False)
def test_it_deletes_a_backlog_larger_than_a_batch(mess1, mess2):
    many_temporary(mess1, 23)
    many_temporary(mess2, 4, start=TODAY)  # today and later: kept
    for days in range(1, 8):
        nonveg(mess2, TODAY - datetime.timedelta(days=days), items=days)

    summary = menus_cleanup(batch_size=5)

    assert summary == "deleted 23 temporary menus, 7 non-veg menus (28 items)"
    assert TemporaryMenu.objects.count() == 4
    assert not NonVegMenu.objects.exists()
    assert not NonVegItem.objects.exists()


def _queries(batch_size):
    with CaptureQueriesContext(connection) as ctx:
        menus_cleanup(batch_size=batch_size)
    return len(ctx.captured_queries)


@time_machine.travel(MIDNIGHT, tick=False)
def test_its_queries_grow_with_batches_not_rows(mess1):
    many_temporary(mess1, 3)
    one_batch_few_rows = _queries(batch_size=10)
    many_temporary(mess1, 9)
    one_batch_more_rows = _queries(batch_size=10)
    many_temporary(mess1, 25)
    three_batches = _queries(batch_size=10)
    many_temporary(mess1, 50)
    three_bigger_batches = _queries(batch_size=20)

    assert one_batch_few_rows == one_batch_more_rows
    # Each further batch of temporary menus costs the same few queries, whatever its size.
    per_batch = (three_batches - one_batch_few_rows) / 2
    assert per_batch > 0
    assert three_bigger_batches == three_batches
    assert not TemporaryMenu.objects.exists()


@time_machine.travel(MIDNIGHT, tick=False)
def test_it_deletes_non_veg_items_in_one_query_per_batch(mess1):
    for days in range(1, 4):
        nonveg(mess1, TODAY - datetime.timedelta(days=days), items=2)
    with CaptureQueriesContext(connection) as few:
        menus_cleanup()
    for days in range(1, 4):
        nonveg(mess1, TODAY - datetime.timedelta(days=days), items=30)
    with CaptureQueriesContext(connection) as many:
        assert menus_cleanup() == "deleted 0 temporary menus, 3 non-veg menus (90 items)"

    assert len(few.captured_queries) == len(many.captured_queries)
    deletes = [q["sql"] for q in many.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 2


def test_it_refuses_a_batch_size_below_one(db):
    with pytest.raises(ValueError, match="batch size"):
        menus_cleanup(batch_size=0)


def test_it_sizes_batches_to_take_about_the_same_time_each():
    assert next_batch_size(1000, BATCH_SECONDS, rows=1000) == 1000
    assert next_batch_size(1000, 4 * BATCH_SECONDS, rows=1000) == 250  # too slow: smaller
    assert next_batch_size(1000, BATCH_SECONDS / 10, rows=1000) == 2000  # fast: larger, at most twice
    assert next_batch_size(1000, 0, rows=1000) == 2000
    assert next_batch_size(150, 10 * BATCH_SECONDS, rows=150) == SMALLEST_BATCH
    assert next_batch_size(LARGEST_BATCH, BATCH_SECONDS / 10, rows=LARGEST_BATCH) == LARGEST_BATCH
    # By the time per row: a sparse range's speed does not make the next, maybe dense, one large.
    assert next_batch_size(1000, BATCH_SECONDS / 4, rows=100) == 400
    assert next_batch_size(1000, BATCH_SECONDS / 100, rows=0) == 1000


@time_machine.travel(MIDNIGHT, tick=False)
def test_it_shrinks_its_batches_when_they_are_slow(mess1, monkeypatch):
    many_temporary(mess1, 30)
    monkeypatch.setattr(menus, "FIRST_BATCH", 8)
    monkeypatch.setattr(menus, "SMALLEST_BATCH", 2)
    sizes = []
    real = menus.next_batch_size

    def slow(size, seconds, rows):  # as if every batch took twice as long as it should
        sizes.append(real(size, 2 * BATCH_SECONDS, rows))
        return sizes[-1]

    monkeypatch.setattr(menus, "next_batch_size", slow)

    assert menus_cleanup() == "deleted 30 temporary menus, 0 non-veg menus (0 items)"
    assert sizes[:3] == [4, 2, 2]
    assert not TemporaryMenu.objects.exists()


@time_machine.travel(MIDNIGHT, tick=False)
def test_it_steps_over_a_gap_in_the_ids_in_one_query(mess1, mess2):
    temporary(mess1, TODAY - datetime.timedelta(days=1))
    many_temporary(mess2, 200, start=TODAY)  # kept, and between the two expired ones
    temporary(mess1, TODAY - datetime.timedelta(days=2))
    with CaptureQueriesContext(connection) as ctx:
        assert menus_cleanup(batch_size=5) == "deleted 2 temporary menus, 0 non-veg menus (0 items)"
    deletes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3  # the first one's range, an empty one, the second one's range
    assert TemporaryMenu.objects.count() == 200


# The command


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


@time_machine.travel(datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))), tick=False)
def test_cleanup_old_menu_deletes_past_menus_and_records_the_run(mess1):
    TemporaryMenu.objects.create(mess=mess1, date=TODAY - datetime.timedelta(days=1), meal="lunch", dishes="Rajma")
    TemporaryMenu.objects.create(mess=mess1, date=TODAY, meal="lunch", dishes="Chole")

    assert "1 temporary menu" in run("cleanup_old_menu", "--dry-run")
    assert TemporaryMenu.objects.count() == 2

    summary = run("cleanup_old_menu")
    assert summary.startswith("deleted 1 temporary menu")
    assert list(TemporaryMenu.objects.values_list("date", flat=True)) == [TODAY]
    last = JobRun.objects.filter(job="cleanup_old_menu").latest("pk")
    assert (last.trigger, last.outcome, last.summary) == (Trigger.COMMAND, Outcome.SUCCEEDED, summary)


@time_machine.travel(MIDNIGHT, tick=False)
def test_cleanup_old_menu_takes_the_batch_size_its_job_declares(mess1):
    many_temporary(mess1, 7)
    assert run("cleanup_old_menu", "--batch-size", "3") == "deleted 7 temporary menus, 0 non-veg menus (0 items)"
    assert JobRun.objects.get().arguments == {"dry_run": False, "batch_size": 3}
    with pytest.raises(CommandError, match="cleanup_old_menu was not run: batch_size: must be at least 1, not 0"):
        run("cleanup_old_menu", "--batch-size", "0")
