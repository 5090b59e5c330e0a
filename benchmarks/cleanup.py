"""Item 2: cleanup_old_menu (the service the job runs) on 500,000 expired menus, against one bulk
DELETE of the same rows in one transaction, each side twice; and the longest of the service's transactions, each
timed from BEGIN to COMMIT by wrapping the `transaction.atomic` the service uses."""

import contextlib
import datetime
import sys
import time
from unittest import mock

from django.db import connection, transaction

from benchmarks.common import day_after_data, insert_rows, next_id, percentile, timed
from mess.menus import menus_cleanup
from mess.models import Meal, Mess, NonVegItem, NonVegMenu, TemporaryMenu

MENUS = 500_000  # half temporary, half non-veg
ITEMS_PER_MENU = 2


def expired_menus_insert(*, menus: int, today: datetime.date) -> dict[str, int]:
    """Adds `menus` menus dated before `today`, half temporary and half non-veg (with their items),
    one per mess, meal and day going back from yesterday."""
    mess_ids = list(Mess.objects.order_by("pk").values_list("pk", flat=True))
    slots = [(mess_id, meal) for mess_id in mess_ids for meal in Meal.values]
    created = (datetime.datetime.combine(today, datetime.time(6)) - datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")

    def dated(count: int) -> list[tuple]:
        rows = []
        for i in range(count):
            mess_id, meal = slots[i % len(slots)]
            rows.append((mess_id, (today - datetime.timedelta(days=1 + i // len(slots))).isoformat(), meal))
        return rows

    half = menus // 2
    first = next_id(TemporaryMenu)
    insert_rows(
        TemporaryMenu,
        ["id", "mess", "date", "meal", "dishes", "created_at"],
        [(first + i, m, d, meal, "Rajma\nRice\nCurd", created) for i, (m, d, meal) in enumerate(dated(half))],
    )
    first_menu, first_item = next_id(NonVegMenu), next_id(NonVegItem)
    nonveg = dated(menus - half)
    insert_rows(NonVegMenu, ["id", "mess", "date", "meal", "created_at"], [(first_menu + i, *row, created) for i, row in enumerate(nonveg)])
    insert_rows(
        NonVegItem,
        ["id", "menu", "name", "price"],
        [
            (first_item + i * ITEMS_PER_MENU + k, first_menu + i, f"Dish {k}", "90.00")
            for i in range(len(nonveg))
            for k in range(ITEMS_PER_MENU)
        ],
    )
    return {"temporary": half, "nonveg": len(nonveg), "items": len(nonveg) * ITEMS_PER_MENU}


def bulk_delete(*, today: datetime.date) -> int:
    """The floor: the expired menus and items deleted with one statement per table, in one transaction."""
    quote = connection.ops.quote_name
    temporary, nonveg, items = (quote(m._meta.db_table) for m in (TemporaryMenu, NonVegMenu, NonVegItem))
    deleted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {temporary} WHERE date < %s", [today.isoformat()])
        deleted += cursor.rowcount
        cursor.execute(f"DELETE FROM {items} WHERE menu_id IN (SELECT id FROM {nonveg} WHERE date < %s)", [today.isoformat()])
        deleted += cursor.rowcount
        cursor.execute(f"DELETE FROM {nonveg} WHERE date < %s", [today.isoformat()])
        deleted += cursor.rowcount
    return deleted


def settle(*, longest: float = 300) -> float:
    """Waits (up to `longest` seconds) for MariaDB to finish purging the rows the previous phase
    deleted or replaced, so that neither side is timed while the server still cleans up after the
    other; returns the seconds waited. Nothing to wait for on SQLite."""
    if connection.vendor != "mysql":
        return 0.0
    started = time.perf_counter()
    while time.perf_counter() - started < longest:
        with connection.cursor() as cursor:
            cursor.execute("SHOW ENGINE INNODB STATUS")
            status = cursor.fetchone()[2]
        if int(status.split("History list length")[1].split()[0]) < 1000:
            break
        time.sleep(1)
    return time.perf_counter() - started


class _TimedTransactions:
    """Stands in for django.db.transaction in the service's module: times every atomic block, from
    entering it to the end of its COMMIT."""

    def __init__(self):
        self.seconds: list[float] = []

    def __getattr__(self, name):
        return getattr(transaction, name)

    @contextlib.contextmanager
    def atomic(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            with transaction.atomic(*args, **kwargs):
                yield
        finally:
            self.seconds.append(time.perf_counter() - started)


def measure(*, menus: int = MENUS, batch_size: int | None = None) -> dict:
    """`batch_size` None runs the job as scheduled (its default batch size). Each side runs twice,
    in the order bulk, service, service, bulk, on the same freshly inserted rows each time, so that
    a drift of the machine during the measurement weighs on both sides alike."""
    bulk_runs, service_runs, transactions = [], [], []
    settled = 0.0
    with day_after_data() as today:
        left_before = TemporaryMenu.objects.count() + NonVegMenu.objects.count()
        for side in ["bulk", "service", "service", "bulk"]:
            inserted = expired_menus_insert(menus=menus, today=today)
            settled += settle()
            if side == "bulk":
                seconds, rows = timed(bulk_delete, today=today)
                bulk_runs.append(seconds)
            else:
                timer = _TimedTransactions()
                with mock.patch.object(sys.modules[menus_cleanup.__module__], "transaction", timer):
                    seconds, text = timed(menus_cleanup, **({} if batch_size is None else {"batch_size": batch_size}))
                service_runs.append(seconds)
                transactions += timer.seconds
            settled += settle()
            left = TemporaryMenu.objects.count() + NonVegMenu.objects.count()
            if left != left_before:
                raise RuntimeError(f"{side} left {left - left_before} expired menus")
    bulk_seconds, seconds = sum(bulk_runs) / len(bulk_runs), sum(service_runs) / len(service_runs)
    return {
        "menus": inserted["temporary"] + inserted["nonveg"],
        "items": inserted["items"],
        "rows_deleted": rows,
        "bulk_delete_runs_s": [round(s, 3) for s in bulk_runs],
        "cleanup_runs_s": [round(s, 3) for s in service_runs],
        "bulk_delete_s": round(bulk_seconds, 3),
        "cleanup_s": round(seconds, 3),
        "ratio_to_bulk": round(seconds / bulk_seconds, 2),
        "batch_size": batch_size or "default",
        "transactions": len(transactions) // len(service_runs),
        "longest_transaction_s": round(max(transactions), 4),
        "median_transaction_s": round(percentile(transactions, 50), 4),
        "p99_transaction_s": round(percentile(transactions, 99), 4),
        "transactions_over_0_2_s": sum(t > 0.2 for t in transactions),
        "summary": text,
        "settle_s": round(settled, 1),
    }
