"""SQLite's writers take turns, first come, first served (manageit/sqlite/base.py): writers of other
processes are served in the order they came, whatever SQLite's busy handler would have chosen; a
writer waits its turn at most the database's timeout; one killed in its transaction does not stop
the others; what a write hands over at its commit is written in its turn. MySQL/MariaDB keep
Django's own backend."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection, transaction

from tests.helpers import ROOT, child_env

pytestmark = [
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the writers' queue is SQLite's"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # the other processes see what it commits
]

# A writer in a process of its own: takes its turn, logs its name, holds the lock a moment.
WRITER = """
import sys, time, django
django.setup()
from django.db import connection, transaction
print("ready", flush=True)
with transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO writers_log (name) VALUES (%s)", [sys.argv[1]])
    print("writing", flush=True)
    time.sleep(float(sys.argv[2]))
"""
# A writer that waits its turn at most 0.5 s.
IMPATIENT = """
import django
django.setup()
from django.db import connection
from manageit.sqlite.base import writers_queue
try:
    writers_queue(connection.settings_dict["NAME"]).enter(timeout=0.5)
except Exception as error:
    print(type(error).__name__, error)
"""


@pytest.fixture
def log():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE writers_log (id INTEGER PRIMARY KEY, name TEXT)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE writers_log")


def tickets_taken() -> int:
    try:
        with open(connection.settings_dict["NAME"] + "-writers", "rb") as f:
            return int.from_bytes(f.read(8), "little")
    except FileNotFoundError:
        return 0


def writer(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def arrived(process: subprocess.Popen, tickets_before: int) -> None:
    """Returns once `process` waits for its turn (it has taken a ticket), or 3 s after it said it was ready."""
    assert process.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 3
    while tickets_taken() == tickets_before and time.monotonic() < deadline:
        time.sleep(0.01)


def logged() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM writers_log ORDER BY id")
        return [name for (name,) in cursor.fetchall()]


def test_writers_of_other_processes_are_served_in_the_order_they_came(log):
    names = [f"writer-{n}" for n in range(1, 7)]
    processes = []
    with transaction.atomic():  # this test writes first and keeps the lock while the others come
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO writers_log (name) VALUES ('first')")
        for name in names:
            before = tickets_taken()
            processes.append(writer(WRITER, name, "0.05"))
            arrived(processes[-1], before)
            time.sleep(0.3)  # SQLite's busy handler now sleeps 100 ms between tries of the earliest
    for process in processes:
        process.wait(timeout=60)
        assert process.returncode == 0, process.stdout.read()

    assert logged() == ["first", *names]


def test_a_writer_waits_its_turn_at_most_the_timeout(log):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO writers_log (name) VALUES ('first')")
        started = time.monotonic()
        output, _ = writer(IMPATIENT).communicate(timeout=60)
        waited = time.monotonic() - started

    assert output.strip() == "OperationalError database is locked: the writer before this one held it for 0.5 s"
    assert waited < 30  # not SQLite's 30 s
    with transaction.atomic():  # and the queue goes on
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO writers_log (name) VALUES ('next')")
    assert logged() == ["first", "next"]


def test_a_writer_killed_in_its_transaction_does_not_stop_the_others(log):
    killed = writer(WRITER, "killed", "600")
    assert killed.stdout.readline().strip() == "ready"
    assert killed.stdout.readline().strip() == "writing"
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=60)

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO writers_log (name) VALUES ('next')")

    assert logged() == ["next"]


def test_what_a_write_hands_over_at_its_commit_is_written_in_the_same_turn(log):
    def hand_over():  # as job_soon's hand-over does, after the commit, in a transaction of its own
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO writers_log (name) VALUES ('handed over')")

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO writers_log (name) VALUES ('first')")
        transaction.on_commit(hand_over)
        before = tickets_taken()
        waiting = writer(WRITER, "writer-1", "0")
        arrived(waiting, before)
    waiting.wait(timeout=60)

    assert logged() == ["first", "handed over", "writer-1"]
