"""The registry: each app declares its own jobs in its jobs.py, and scheduling, like django-q2, knows
no app of the mess."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mess import jobs as mess_jobs
from scheduling import registry
from tests.helpers import ROOT


def test_it_holds_each_apps_jobs_in_installed_apps_order():
    assert list(registry.JOBS) == [
        "prune_job_runs",  # scheduling comes before django_q, and so before mess
        "cleanup_old_menu",
        "generate_alerts",
        "send_admin_notifications",
        "send_waste_reminders",
        "send_daily_report",
        "send_cook_sheet",
        "send_password_reset",
        "refresh_day_totals",
    ]
    assert registry.JOBS["generate_alerts"].func.__module__.startswith("mess.")
    assert registry.JOBS["send_admin_notifications"].default_schedules is mess_jobs.after_each_meal


def test_it_refuses_a_second_job_of_the_same_key(monkeypatch):
    monkeypatch.setattr(registry, "JOBS", dict(registry.JOBS))
    twin = registry.Job(key="generate_alerts", func=len, description="another", default_schedules=registry.cron("0 0 * * *"))

    with pytest.raises(ImproperlyConfigured, match="two jobs are called 'generate_alerts'"):
        registry.register(twin)
    registry.register(registry.JOBS["generate_alerts"])  # the same job again is no conflict


def test_it_says_which_jobs_there_are_for_an_unknown_key():
    with pytest.raises(LookupError, match="unknown job 'generate_alert'; the jobs are: prune_job_runs, cleanup_old_menu, generate_alerts"):
        registry.get_job("generate_alert")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_scheduling_imports_nothing_of_the_mess():
    found = {
        str(path.relative_to(ROOT)): sorted(name for name in imported_modules(path) if name.partition(".")[0] in ("mess", "benchmarks"))
        for path in (ROOT / "scheduling").rglob("*.py")
    }

    assert {path: names for path, names in found.items() if names} == {}
