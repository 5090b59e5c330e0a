"""Production: the settings pass Django's deployment checks and refuse to start without a secret key,
and gunicorn serves the static files itself, under the Content-Security-Policy."""

import gzip
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.helpers import ROOT, child_env, start


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


@pytest.fixture
def production_server(tmp_path, db):
    """gunicorn with production settings (plain HTTP on 127.0.0.1), after collectstatic."""
    env = {
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "SECURE_COOKIES": "False",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=child_env(**env), capture_output=True, text=True
    )
    assert collected.returncode == 0, collected.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = start(["-m", "gunicorn", "manageit.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"], **env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/accounts/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.communicate(timeout=30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_gunicorn_serves_the_static_files_compressed_and_cached_for_good(production_server):
    response = urllib.request.urlopen(production_server + "/accounts/login/")
    page = response.read().decode()
    stylesheet = re.search(r'href="(/static/css/manageit\.[0-9a-f]{12}\.css)"', page).group(1)

    plain = urllib.request.urlopen(production_server + stylesheet)
    zipped = urllib.request.urlopen(urllib.request.Request(production_server + stylesheet, headers={"Accept-Encoding": "gzip"}))

    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert plain.status == 200 and b"--ink" in plain.read()
    assert "immutable" in plain.headers["Cache-Control"] and "max-age=315360000" in plain.headers["Cache-Control"]
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert b"--ink" in gzip.decompress(zipped.read())
    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(NoRedirect).open(production_server + "/favicon.ico")
    assert redirect.value.code == 302 and re.fullmatch(r"/static/favicon\.[0-9a-f]{12}\.svg", redirect.value.headers["Location"])
