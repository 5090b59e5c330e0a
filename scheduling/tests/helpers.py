"""Helpers of scheduling's tests, which a project's own tests may use too: other processes
(schedulers, clusters, commands) started on the test database, and what every job's command shows."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.apps import apps
from django.conf import settings
from django.core.management import call_command, get_commands
from django.db import connection

from scheduling.registry import JOBS

# The folder that holds scheduling (and whatever project is around it): the processes' working
# directory and Python path.
ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """DATABASE_URL that points another process at the database this test runs on."""
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"mysql://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"


def child_env(**extra) -> dict:
    """The environment of a process on this test's database and settings, with `extra` on top."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    # the settings module from the environment (pytest-django puts it there): override_settings hides settings.SETTINGS_MODULE
    settings_module = os.environ["DJANGO_SETTINGS_MODULE"]
    env.update(DATABASE_URL=test_database_url(), DEBUG="True", DJANGO_SETTINGS_MODULE=settings_module, PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def start(args: list[str], **env) -> subprocess.Popen:
    """`python args...` in ROOT, its output (stdout and stderr) in .stdout, as text."""
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=child_env(**env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def redis_url() -> str:
    """TEST_REDIS_URL's Redis, if it answers; the test is skipped otherwise, but in CI, where it fails."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {url} (set TEST_REDIS_URL); CI always runs this test")
    return url


def jobs_commands_checked(capsys) -> None:
    """Asserts that every registered job is a management command of the app that declares it, whose
    --help shows the job's description and an option, with its help, for each of its parameters."""
    commands = get_commands()
    for key, job in JOBS.items():
        assert commands[key] == apps.get_containing_app_config(job.func.__module__).name, key
        with pytest.raises(SystemExit):
            call_command(key, "--help")
        help_text = " ".join(capsys.readouterr().out.split())
        assert job.description in help_text, key
        for param in job.params:
            assert param.option in help_text and " ".join(param.help.split()) in help_text, (key, param.name)
