"""The registry: each app declares its own jobs in its jobs.py, and scheduling, like django-q2, knows
no app of the project around it: it stands without one."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from scheduling import registry
from scheduling.tests import jobs as test_jobs
from scheduling.tests.helpers import ROOT


def test_it_holds_each_apps_jobs_in_installed_apps_order():
    assert list(registry.JOBS) == [
        "prune_job_runs",  # scheduling comes before the tests' app
        "echo",
        "tick",
        "sleep",
        "echo_each",
        "fail",
    ]
    assert registry.JOBS["echo"].func is test_jobs.echo
    assert registry.JOBS["echo"].default_schedules is test_jobs.one_for_each_word


def test_it_refuses_a_second_job_of_the_same_key(monkeypatch):
    monkeypatch.setattr(registry, "JOBS", dict(registry.JOBS))
    twin = registry.Job(key="echo", func=len, description="another", default_schedules=registry.cron("0 0 * * *"))

    with pytest.raises(ImproperlyConfigured, match="two jobs are called 'echo'"):
        registry.register(twin)
    registry.register(registry.JOBS["echo"])  # the same job again is no conflict


def test_it_says_which_jobs_there_are_for_an_unknown_key():
    with pytest.raises(LookupError, match="unknown job 'ech'; the jobs are: prune_job_runs, echo, tick"):
        registry.get_job("ech")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_scheduling_imports_nothing_of_the_project_around_it():
    packages = [path for path in ROOT.iterdir() if (path / "__init__.py").exists() or path.suffix == ".py"]
    around = {path.stem for path in packages} - {"scheduling"}
    found = {
        str(path.relative_to(ROOT)): sorted(name for name in imported_modules(path) if name.partition(".")[0] in around)
        for path in (ROOT / "scheduling").rglob("*.py")
    }

    assert {path: names for path, names in found.items() if names} == {}


def test_it_stands_alone_every_module_imports_and_passes_djangos_checks_with_no_project_beside_it(tmp_path):
    shutil.copytree(ROOT / "scheduling", tmp_path / "scheduling", ignore=shutil.ignore_patterns("__pycache__"))
    script = (
        "import importlib, pkgutil, django; django.setup(); import scheduling; "
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(scheduling.__path__, 'scheduling.')]; "
        "from django.core.management import call_command; call_command('check'); "
        "call_command('makemigrations', '--check', '--dry-run', verbosity=0)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PYTHONPATH")}
    env.update(DJANGO_SETTINGS_MODULE="scheduling.tests.settings", PYTHONPATH=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
