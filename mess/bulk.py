"""Bulk writes the services share."""

from django.db import connections, models, router


def upsert(model: type[models.Model], objs: list[models.Model], *, unique_fields: list[str], update_fields: list[str]) -> None:
    """Inserts `objs`, updating `update_fields` of the rows already there (by `unique_fields`). MySQL
    and MariaDB take the conflicting key from the table itself (ON DUPLICATE KEY UPDATE) and refuse
    to be told it."""
    if not connections[router.db_for_write(model)].features.supports_update_conflicts_with_target:
        unique_fields = None
    model.objects.bulk_create(objs, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields)
