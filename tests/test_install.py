"""What a fresh machine needs: the SQLite default compiles nothing, and a MySQL/MariaDB database says
exactly what to install when its driver cannot be built or is missing."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.helpers import ROOT


def test_make_says_what_to_install_when_the_mariadb_headers_are_missing():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYSQLCLIENT_")}
    env["PKG_CONFIG_LIBDIR"] = "/nonexistent"  # as on a fresh machine: pkg-config finds no client library

    result = subprocess.run(["make", "--no-print-directory", "mysql-client-headers"], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode != 0
    assert "    apt-get install libmariadb-dev pkg-config\n" in result.stdout


def test_settings_say_what_to_install_when_the_mysql_driver_is_missing():
    code = "import sys; sys.modules['MySQLdb'] = None; import django; django.setup()"
    env = {**os.environ, "DATABASE_URL": "mysql://manageit@127.0.0.1:3306/manageit", "DEBUG": "True"}

    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode != 0
    assert "requirements-mysql.txt" in result.stderr
    assert "apt-get install libmariadb-dev pkg-config" in result.stderr


def test_the_sqlite_default_needs_no_compiled_driver():
    requirements = (ROOT / "requirements.txt").read_text() + (ROOT / "requirements-test.txt").read_text()

    assert "mysqlclient" not in requirements


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_says_so_and_stops_when_its_cluster_dies(tmp_path):
    db = tmp_path / "run.sqlite3"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "MAKEFLAGS", "MFLAGS")}
    env.update(DATABASE_URL=f"sqlite:///{db}", PORT=str(port), DEBUG="True", MANAGEIT_ENV_FILE=str(tmp_path / ".env"))
    make = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        cluster_pid = None
        deadline = time.monotonic() + 180
        while cluster_pid is None and time.monotonic() < deadline and make.poll() is None:
            time.sleep(0.5)
            try:
                with sqlite3.connect(db) as conn, urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as up:
                    row = conn.execute("SELECT cluster FROM scheduling_clusterheartbeat").fetchone()
                    cluster_pid = int(row[0].rsplit(":", 1)[1]) if row and up.status == 200 else None
            except (OSError, sqlite3.Error):
                continue
        assert cluster_pid, "ManageIt did not come up"
        os.kill(cluster_pid, signal.SIGKILL)  # the cluster dies, as an out-of-memory kill would do it
        output = make.communicate(timeout=60)[0]
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
    assert make.returncode != 0
    assert "The job cluster stopped (its log is above), so ManageIt stops too" in output
    assert "SECRET_KEY=" in (tmp_path / ".env").read_text()  # its first start wrote the development .env
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)  # the web server stopped with it
