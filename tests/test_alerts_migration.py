"""Migration 0015 turns each mess's high-waste threshold, a sum over its alert window, into kilograms
per day: one still at the old default (50 per window) becomes the new default (50 per day), any
other is divided by the window's length, rounded half up to cents; and back again."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("mess", "0014_outgoing_email_given_up")
AFTER = ("mess", "0015_menus_alerts_and_closing_the_loop")

# code, waste_threshold_kg per window, alert_window_days, kilograms per day after
MESSES = [
    ("default", "50.00", 7, "50.00"),  # the old default, whatever the window
    ("default14", "50.00", 14, "50.00"),
    ("weekly", "70.00", 7, "10.00"),
    ("thirds", "100.00", 3, "33.33"),  # 33.333...
    ("half", "12.25", 2, "6.13"),  # 6.125: half up, where banker's rounding would give 6.12
    ("wide", "250.00", 7, "35.71"),  # 35.714...
    ("zero", "0.00", 7, "0.00"),
]


def migrate(target) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as the other transactional tests: the data migrations' rows come back
def test_the_migration_turns_window_thresholds_into_daily_ones_and_back():
    try:
        executor = migrate(BEFORE)
        Mess = executor.loader.project_state([BEFORE]).apps.get_model("mess", "Mess")
        for code, kg, days, _ in MESSES:
            Mess.objects.create(code=code, name=code, waste_threshold_kg=Decimal(kg), alert_window_days=days)

        executor = migrate(AFTER)
        Mess = executor.loader.project_state([AFTER]).apps.get_model("mess", "Mess")
        after = {m.code: (m.waste_threshold_kg, m.waste_threshold_g_per_diner, m.min_ratings) for m in Mess.objects.all()}
        assert after == {code: (Decimal(per_day), Decimal("150"), 10) for code, _, _, per_day in MESSES}

        executor = migrate(BEFORE)
        Mess = executor.loader.project_state([BEFORE]).apps.get_model("mess", "Mess")
        back = dict(Mess.objects.values_list("code", "waste_threshold_kg"))
        # back to a figure per window: exact where the division was, within the rounding where it was not
        assert back == {
            "default": Decimal("50.00"),
            "default14": Decimal("50.00"),
            "weekly": Decimal("70.00"),
            "thirds": Decimal("99.99"),
            "half": Decimal("12.26"),
            "wide": Decimal("249.97"),
            "zero": Decimal("0.00"),
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
