"""Menus: the regular weekly menu, one-day temporary menus and the non-veg menu with its prices
(edited in Django admin), and the cleanup_old_menu job, which deletes the one-day menus of past days."""

import datetime
import time
from collections.abc import Callable

from django.db import connections, router, transaction
from django.db.models import Max, Min
from django.utils import timezone

from mess.models import NonVegItem, NonVegMenu, TemporaryMenu
from mess.text import plural


def _delete_where(connection, *, model, where: str, params: list) -> int:
    """DELETE FROM model's table WHERE `where`, in one raw statement: the ORM's delete() would first
    collect the rows, and its `id__in` prepares each of thousands of ids in Python."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {where}", params)
        return cursor.rowcount


# Batches are sized to take about this long each, so that a user's write waits at most that long
# behind the job whatever the machine (a fixed 2,000 took at most 0.16 s on one, 0.30 s on another).
BATCH_SECONDS = 0.05
FIRST_BATCH, SMALLEST_BATCH, LARGEST_BATCH = 1000, 100, 20_000


def next_batch_size(size: int, seconds: float, rows: int) -> int:
    """The number of ids the next range should span, given that the last one spanned `size` and
    deleted `rows` rows in `seconds`: as many ids as rows take BATCH_SECONDS at that pace (a range
    of ids holds at most as many rows), at most twice `size`, within SMALLEST_BATCH and
    LARGEST_BATCH. Unchanged after a range without rows, whose time says nothing."""
    if rows == 0:
        return size
    aimed = BATCH_SECONDS * rows / seconds if seconds > 0 else 2 * size
    return max(SMALLEST_BATCH, min(LARGEST_BATCH, 2 * size, int(aimed)))


def _in_id_ranges(model, *, using: str, before: datetime.date, batch_size: int | None, delete: Callable[[int, int], int]) -> None:
    """Calls `delete(start, end)`, which returns how many rows it deleted, in its own transaction for
    consecutive [start, end) ranges of ids covering every `model` row dated before `before`: ranges
    of `batch_size` ids, or sized by next_batch_size when it is None. After a range without any,
    the next starts at the next such row, so a gap in the ids costs one query, not one per range."""
    expired = model.objects.using(using).filter(date__lt=before)
    bounds = expired.aggregate(low=Min("id"), high=Max("id"))
    start, size = bounds["low"], batch_size or FIRST_BATCH
    while start is not None and start <= bounds["high"]:
        began = time.perf_counter()
        with transaction.atomic(using=using):
            rows = delete(start, start + size)
        took = time.perf_counter() - began
        start += size
        if rows == 0:
            start = expired.filter(id__gte=start).aggregate(next=Min("id"))["next"]
        if batch_size is None:
            size = next_batch_size(size, took, rows)


def menus_cleanup(*, dry_run: bool = False, batch_size: int | None = None) -> str:
    """Deletes the temporary and the non-veg menus (with their items) dated before today.

    Works through the expired menus' ids in ranges, each deleted in its own short transaction (of
    about BATCH_SECONDS, or of `batch_size` ids when given), so a large backlog never holds the
    database for long and an interrupted run keeps what it did. The number of queries grows with
    the number of ranges, not of rows. With `dry_run` it deletes nothing and says what it would
    delete."""
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch size must be at least 1, not {batch_size}")
    today = timezone.localdate()
    if dry_run:
        items = NonVegItem.objects.filter(menu__date__lt=today).count()
        return (
            f"would delete {plural(TemporaryMenu.objects.filter(date__lt=today).count(), 'temporary menu')}, "
            f"{plural(NonVegMenu.objects.filter(date__lt=today).count(), 'non-veg menu')} ({plural(items, 'item')}) dated before {today}"
        )

    using = router.db_for_write(TemporaryMenu)
    connection = connections[using]
    before = connection.ops.adapt_datefield_value(today)
    in_range = "id >= %s AND id < %s AND date < %s"
    deleted = {"temporary": 0, "nonveg": 0, "items": 0}

    # A range of temporary menus is one DELETE that walks the table in its own order (the primary
    # key, InnoDB's clustered index): selecting a batch's ids first and deleting them as a list
    # reads every row twice.
    def delete_temporary(start: int, end: int) -> int:
        rows = _delete_where(connection, model=TemporaryMenu, where=in_range, params=[start, end, before])
        deleted["temporary"] += rows
        return rows

    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""  # SQLite: BEGIN IMMEDIATE
    table = connection.ops.quote_name(NonVegMenu._meta.db_table)

    # Non-veg menus need their ids for their items: the range's expired menus, locked so that none
    # is moved to another date meanwhile; their items, then exactly those menus.
    def delete_nonveg(start: int, end: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} WHERE {in_range}{lock}", [start, end, before])
            ids = [row[0] for row in cursor.fetchall()]
        if ids:
            placeholders = ", ".join(["%s"] * len(ids))
            deleted["items"] += _delete_where(connection, model=NonVegItem, where=f"menu_id IN ({placeholders})", params=ids)
            deleted["nonveg"] += _delete_where(connection, model=NonVegMenu, where=f"id IN ({placeholders})", params=ids)
        return len(ids)

    _in_id_ranges(TemporaryMenu, using=using, before=today, batch_size=batch_size, delete=delete_temporary)
    _in_id_ranges(NonVegMenu, using=using, before=today, batch_size=batch_size, delete=delete_nonveg)
    return (
        f"deleted {plural(deleted['temporary'], 'temporary menu')}, "
        f"{plural(deleted['nonveg'], 'non-veg menu')} ({plural(deleted['items'], 'item')})"
    )
