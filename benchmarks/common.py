"""What the measurements share: the day they pretend it is, timing, percentiles, raw inserts, and
the processes they start (and always stop)."""

import contextlib
import datetime
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, models, transaction
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"


def data_until() -> datetime.date:
    """The last day of the generated history (bench_data's `until`)."""
    from mess.models import WasteRecord

    last = WasteRecord.objects.order_by("-date").values_list("date", flat=True).first()
    if last is None:
        raise RuntimeError("no benchmark data in this database: run bench_data first")
    return last


@contextlib.contextmanager
def day_after_data(hour: int = 15) -> Iterator[datetime.date]:
    """Pretends, in this process, that it is `hour` o'clock on the day after the history ends, so
    that "today" is the same for a database generated today or weeks ago. Time goes on ticking;
    perf_counter, which the timings use, is not affected."""
    import time_machine

    today = data_until() + datetime.timedelta(days=1)
    moment = datetime.datetime.combine(today, datetime.time(hour), tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(moment, tick=True):
        yield today


def meals_started() -> tuple[list, object | None]:
    """Today's meal windows that have started (mess.meals.meals_of_today), and the window moved to
    have one: before breakfast, breakfast is made to start at midnight (meal_window_restore puts it back)."""
    from mess.meals import meals_of_today
    from mess.models import MealWindow

    started, _ = meals_of_today(now=timezone.now())
    if started:
        return started, None
    moved = MealWindow.objects.order_by("starts_at").first()
    MealWindow.objects.filter(pk=moved.pk).update(starts_at=datetime.time(0, 0))
    started, _ = meals_of_today(now=timezone.now())
    return started, moved


def meal_window_restore(moved) -> None:
    """Puts back the window meals_started moved, if it moved one."""
    from mess.models import MealWindow

    if moved is not None:
        MealWindow.objects.filter(pk=moved.pk).update(starts_at=moved.starts_at)


def timed(func: Callable, *args, **kwargs) -> tuple[float, object]:
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - started, result


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100), by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(seconds: list[float]) -> dict:
    """Milliseconds: median, p95, min and max of a list of seconds."""
    if not seconds:
        return {"n": 0}
    return {
        "n": len(seconds),
        "p50_ms": round(statistics.median(seconds) * 1000, 2),
        "p95_ms": round(percentile(seconds, 95) * 1000, 2),
        "min_ms": round(min(seconds) * 1000, 2),
        "max_ms": round(max(seconds) * 1000, 2),
    }


def insert_rows(model: type[models.Model], fields: list[str], rows: list[tuple], batch: int = 50_000) -> None:
    """Raw multi-row inserts of `rows` (values of `fields`, in that order) into `model`'s table, in
    one transaction."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start : start + batch])


def next_id(model: type[models.Model]) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def child_env(**extra: str) -> dict[str, str]:
    """The environment of the processes a measurement starts: the same database and settings."""
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="benchmarks.settings")
    env.update(extra)
    return env


def start(args: list[str], *, log: Path, **env: str) -> subprocess.Popen:
    """Starts `python ARGS` in its own process group (so that stopping it stops its children too),
    output to `log`."""
    WORK.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=child_env(**env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(processes: list[subprocess.Popen], *, timeout: float = 60) -> list[str]:
    """SIGTERM to each process, then SIGKILL to its whole group once `timeout` has passed; waits for
    all of them. Returns how each ended."""
    for p in processes:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    ended = []
    for p in processes:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
            ended.append(f"exit {p.returncode}")
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            ended.append("killed")
        # Workers left behind by a parent that exited: the group is ours, end it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p.pid, signal.SIGKILL)
    return ended


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int, timeout: float) -> None:
    """Returns once something listens on `port` of 127.0.0.1; raises RuntimeError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not listen on port {port}")


def sessions_create(users: list) -> list[str]:
    """The keys of new sessions signed in as each of `users`, written directly: signing in hashes a
    password, slowly on purpose, which is not what the benchmarks measure."""
    keys = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def http_request(port: int, method: str, path: str, *, cookies: dict, body: str | None = None) -> tuple[int, str, SimpleCookie]:
    """One request to 127.0.0.1:`port` on a connection of its own: (status, page, cookies set)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "Host": "127.0.0.1"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return response.status, text, jar
    finally:
        connection.close()
