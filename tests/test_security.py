"""Production settings pass Django's deployment checks, and login attempts are rate limited."""

import secrets
import subprocess
import sys

from django.contrib.auth import get_user_model

from tests.helpers import ROOT, child_env

LOGIN = "/admin/login/"


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


def attempt(client, username, password, ip="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip)


def test_login_is_locked_after_five_failed_attempts(client, admin):
    for _ in range(4):
        assert attempt(client, "ada", "wrong").status_code == 200  # the form again, with its error
    assert attempt(client, "ada", "wrong").status_code == 429  # the fifth failure locks
    locked = attempt(client, "ada", "pw-ada-123")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_lock_out_others(client, admin):
    get_user_model().objects.create_superuser(username="bea", email="bea@example.org", password="pw-bea-123")
    for _ in range(5):
        attempt(client, "ada", "wrong")
    assert attempt(client, "ada", "pw-ada-123", ip="10.0.0.8").status_code == 302
    client.logout()
    assert attempt(client, "bea", "pw-bea-123").status_code == 302


def test_a_successful_login_resets_the_count(client, admin):
    for _ in range(4):
        attempt(client, "ada", "wrong")
    assert attempt(client, "ada", "pw-ada-123").status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "ada", "wrong")
    assert attempt(client, "ada", "pw-ada-123").status_code == 302
