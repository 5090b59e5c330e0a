"""What a fresh machine needs: the SQLite default compiles nothing, and a MySQL/MariaDB database says
exactly what to install when its driver cannot be built or is missing."""

import os
import subprocess
import sys

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
