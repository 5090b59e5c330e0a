"""Migration 0024 keeps the meal windows an install had as the defaults, which every mess follows
until it has its own; back again, the messes' own windows go and the defaults stay."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("mess", "0023_announcements")
AFTER = ("mess", "0024_mess_meal_windows")


def migrate(target) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor


def hours(MealWindow) -> dict:
    return {w.meal: (w.starts_at, w.ends_at) for w in MealWindow.objects.all()}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as the other transactional tests: the data migrations' rows come back
def test_the_migration_keeps_todays_windows_as_the_defaults_and_back():
    try:
        executor = migrate(BEFORE)
        MealWindow = executor.loader.project_state([BEFORE]).apps.get_model("mess", "MealWindow")
        MealWindow.objects.filter(meal="lunch").update(starts_at=datetime.time(12, 30), ends_at=datetime.time(15, 0))  # an admin's hours
        before = hours(MealWindow)

        executor = migrate(AFTER)
        apps = executor.loader.project_state([AFTER]).apps
        MealWindow, Mess = apps.get_model("mess", "MealWindow"), apps.get_model("mess", "Mess")
        assert hours(MealWindow) == before and not MealWindow.objects.filter(mess__isnull=False).exists()
        south = Mess.objects.create(code="south", name="South")
        MealWindow.objects.create(mess=south, meal="lunch", starts_at=datetime.time(13, 0), ends_at=datetime.time(16, 0))

        executor = migrate(BEFORE)
        MealWindow = executor.loader.project_state([BEFORE]).apps.get_model("mess", "MealWindow")
        assert hours(MealWindow) == before and MealWindow.objects.count() == 4
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
