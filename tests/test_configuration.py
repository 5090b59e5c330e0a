"""The development .env: `make run` writes one on its first start (manageit/dev_env.py), the settings read
it, so manage.py works outside `make`, and what the environment sets wins over it; and `make run`'s
SITE_URL follows its HOST and PORT."""

import os
import stat
import subprocess
import sys

from manageit.dev_env import dev_env_write
from tests.helpers import ROOT, child_env

# What the settings made of the environment and the .env, one line.
SHOW = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.SECRET_KEY, s.FEEDBACK_RETENTION_DAYS, s.SITE_URL, s.ENV_FILE)"
)


def without(*names: str, **extra) -> dict:
    """This test's child environment without `names` (as outside `make`), with `extra` on top."""
    env = {k: v for k, v in child_env().items() if k not in names}
    return env | extra


def settings_seen(env: dict) -> list[str]:
    result = subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_settings_read_the_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=True\nSECRET_KEY=from-the-file\nFEEDBACK_RETENTION_DAYS=30\n")

    seen = settings_seen(without("DEBUG", "SECRET_KEY", "FEEDBACK_RETENTION_DAYS", "SITE_URL", MANAGEIT_ENV_FILE=str(env_file)))

    assert seen == ["True", "from-the-file", "30", "http://127.0.0.1:8000", str(env_file)]


def test_the_environment_wins_over_the_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=True\nSECRET_KEY=from-the-file\nFEEDBACK_RETENTION_DAYS=30\n")
    env = without("DEBUG", "SECRET_KEY", "SITE_URL", MANAGEIT_ENV_FILE=str(env_file))

    seen = settings_seen(env | {"DEBUG": "False", "SECRET_KEY": "from-the-environment", "FEEDBACK_RETENTION_DAYS": "90"})

    assert seen[:4] == ["False", "from-the-environment", "90", "https://127.0.0.1"]


def test_without_a_file_the_settings_read_the_one_beside_manage_py_and_a_missing_one_is_no_error(tmp_path):
    seen = settings_seen(without("MANAGEIT_ENV_FILE"))
    assert seen[-1] == str(ROOT / ".env")

    missing = tmp_path / "none.env"
    env = without("DEBUG", "SECRET_KEY", MANAGEIT_ENV_FILE=str(missing))
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "Set SECRET_KEY" in result.stderr  # production's rule, unchanged


def test_manage_py_runs_outside_make_with_the_file_make_run_wrote(tmp_path, db):
    env_file = tmp_path / ".env"
    assert dev_env_write(env_file)

    result = subprocess.run(
        [sys.executable, "manage.py", "jobs"],
        cwd=ROOT,
        env=without("DEBUG", "SECRET_KEY", MANAGEIT_ENV_FILE=str(env_file)),
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("SCHEDULE  JOB")


def test_the_dev_env_file_has_debug_and_a_key_of_its_own_and_is_never_overwritten(tmp_path):
    first, second = tmp_path / "a.env", tmp_path / "b.env"
    script = [sys.executable, str(ROOT / "manageit" / "dev_env.py")]

    wrote = subprocess.run([*script, str(first)], capture_output=True, text=True, check=True)
    subprocess.run([*script, str(second)], capture_output=True, text=True, check=True)
    text = first.read_text()
    again = subprocess.run([*script, str(first)], capture_output=True, text=True, check=True)

    assert "Wrote" in wrote.stdout and again.stdout == ""
    assert first.read_text() == text  # the key stays: sessions signed in with it stay valid
    lines = dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert lines["DEBUG"] == "True" and len(lines["SECRET_KEY"]) >= 50
    assert lines["SECRET_KEY"] not in second.read_text()  # each checkout its own
    assert stat.S_IMODE(first.stat().st_mode) == 0o600


def test_the_env_file_is_never_committed():
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


def make_run_dry(**variables) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "DATABASE_URL", "MAKEFLAGS", "MFLAGS")} | variables
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", "run", "HOST=10.0.0.5", "PORT=9000"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_writes_the_env_file_and_points_links_at_its_own_host_and_port(tmp_path):
    dry = make_run_dry(MANAGEIT_ENV_FILE=str(tmp_path / ".env"))

    assert f'manageit/dev_env.py "{tmp_path / ".env"}"' in dry
    assert 'export SITE_URL="http://10.0.0.5:9000"' in dry
    assert 'export SITE_URL="https://mess.example.edu"' in make_run_dry(SITE_URL="https://mess.example.edu")
