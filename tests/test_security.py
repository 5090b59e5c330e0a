"""Production settings pass Django's deployment checks and refuse to start without a secret key."""

import secrets
import subprocess
import sys

from tests.helpers import ROOT, child_env


def test_production_settings_pass_the_deployment_checks():
    env = child_env(DEBUG="False", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="mess.example.edu")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = child_env(DEBUG="False", SECRET_KEY="")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr
