"""The cleanup_old_menu job: deletes the one-day menus of past days."""

from django.db import connections, router, transaction
from django.utils import timezone

from mess.models import NonVegItem, NonVegMenu, TemporaryMenu
from mess.text import plural


def _batch_ids(queryset, batch_size: int) -> list[int]:
    return list(queryset.order_by("id").values_list("id", flat=True)[:batch_size])


def _delete_where_in(*, using: str, model, column: str, ids: list[int]) -> int:
    """DELETE FROM model's table WHERE column IN ids, in one statement with the ids bound as
    parameters: the ORM's `filter(id__in=...)` prepares each of thousands of values in Python, which
    was half of the job's time, and its delete() would first collect the rows."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(column)} IN ({', '.join(['%s'] * len(ids))})", ids)
        return cursor.rowcount


def menus_cleanup(*, dry_run: bool = False, batch_size: int = 2000) -> str:
    """Deletes the temporary menus and the non-veg menus (with their items) dated before today.

    Works in batches of at most `batch_size` menus, each deleted in its own short transaction, so a
    large backlog never holds the database for long and an interrupted run keeps what it did. The
    number of queries grows with the number of batches, not of rows. With `dry_run` it deletes
    nothing and says what it would delete."""
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, not {batch_size}")
    today = timezone.localdate()
    old_temporary = TemporaryMenu.objects.filter(date__lt=today)
    old_nonveg = NonVegMenu.objects.filter(date__lt=today)

    if dry_run:
        items = NonVegItem.objects.filter(menu__date__lt=today).count()
        return (
            f"would delete {plural(old_temporary.count(), 'temporary menu')}, "
            f"{plural(old_nonveg.count(), 'non-veg menu')} ({plural(items, 'item')}) dated before {today}"
        )

    using = router.db_for_write(TemporaryMenu)
    temporary = nonveg = items = 0
    # Each batch selects and deletes inside one short transaction; the lock taken by the select
    # keeps a menu from being moved to a later date between the two.
    while True:
        with transaction.atomic(using=using):
            ids = _batch_ids(old_temporary.select_for_update(), batch_size)
            if ids:
                temporary += _delete_where_in(using=using, model=TemporaryMenu, column="id", ids=ids)
        if len(ids) < batch_size:
            break
    while True:
        with transaction.atomic(using=using):
            ids = _batch_ids(old_nonveg.select_for_update(), batch_size)
            if ids:
                # the items by menu, then the menus
                items += _delete_where_in(using=using, model=NonVegItem, column="menu_id", ids=ids)
                nonveg += _delete_where_in(using=using, model=NonVegMenu, column="id", ids=ids)
        if len(ids) < batch_size:
            break
    return f"deleted {plural(temporary, 'temporary menu')}, {plural(nonveg, 'non-veg menu')} ({plural(items, 'item')})"
