"""Where a feedback save's time goes, measured inside the web server's workers: timers around each step
of the save, around the database's BEGIN (the wait for the write lock) and COMMIT, and around the
hand-over of the fresh alerts after the commit. Installed by benchmarks.crowd_gunicorn in each
gunicorn worker of the crowd benchmarks; each save appends one JSON line to `<directory>/<pid>.jsonl`:

    {"save": seconds, "parts": {"begin": s, "held": s, "commit": s, "triage": s, ...}}

A step called inside another is named by its path ("handover/begin": the hand-over's own wait for
the lock). "held" is how long the save held the write transaction: from the end of its BEGIN to the
end of its COMMIT. A step the code does not have (any more) is left out, so that the same timers
measure the code before and after a change."""

import functools
import importlib
import json
import os
import threading
import time
from pathlib import Path

from django.db import connections

# What is timed: (module, attribute, name). The save itself is the outermost; the rest are its steps.
SAVE = ("mess.views.students", "feedback_save", "save")
STEPS = [
    ("mess.feedback", "feedback_checked", "checks"),
    ("mess.feedback", "closures_by_day", "closures"),
    ("mess.feedback", "meals_of_today", "meals"),
    ("mess.feedback", "terms_load", "terms"),
    ("mess.feedback", "triage", "triage"),
    ("mess.feedback", "dish_votes_check", "dishes_check"),
    ("mess.feedback", "dish_votes_replace", "dish_votes"),
    ("mess.menus", "menu_of_day", "menu"),
    ("mess.feedback", "records_changed", "records_changed"),
    ("mess.derived", "day_totals_refresh", "totals"),
    ("mess.derived", "daily_reports_correct", "reports"),
    ("mess.derived", "job_soon", "job_soon"),
    ("scheduling.soon", "schedule_soon", "handover"),
    ("manageit.sqlite.base", "_wait_for", "queue_wait"),
]

_state = threading.local()


def _frames() -> list[dict]:
    if not hasattr(_state, "frames"):
        _state.frames = []
    return _state.frames


def _record(name: str, seconds: float) -> None:
    """Adds `seconds` to step `name` of the save being timed (nothing outside a save)."""
    frames = _frames()
    if not frames:
        return
    path = "/".join([*(f["name"] for f in frames[1:]), name])
    parts = frames[0]["parts"]
    parts[path] = parts.get(path, 0.0) + seconds


def _timed(func, name: str, *, out: Path | None = None):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        frames = _frames()
        if out is None and not frames:  # a step outside any save (a page's read): not timed
            return func(*args, **kwargs)
        frame = {"name": name, "parts": {} if out is not None else None}
        frames.append(frame)
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            seconds = time.perf_counter() - started
            frames.pop()
            if out is not None:
                with open(out, "a") as f:
                    f.write(json.dumps({"save": seconds, "parts": frame["parts"]}) + "\n")
            else:
                _record(name, seconds)

    return wrapper


def _database_timers(wrapper_class) -> None:
    """SQLite begins a transaction with BEGIN (IMMEDIATE: the wait for the write lock); MySQL by
    turning autocommit off, and waits for row locks inside."""
    commit = wrapper_class._commit
    if hasattr(wrapper_class, "_start_transaction_under_autocommit"):
        begin = wrapper_class._start_transaction_under_autocommit

        def timed_begin(self):
            started = time.perf_counter()
            try:
                return begin(self)
            finally:
                _state.began = time.perf_counter()
                _record("begin", _state.began - started)

        wrapper_class._start_transaction_under_autocommit = timed_begin
    else:
        set_autocommit = wrapper_class._set_autocommit

        def timed_set_autocommit(self, autocommit):
            result = set_autocommit(self, autocommit)
            if not autocommit:
                _state.began = time.perf_counter()
            return result

        wrapper_class._set_autocommit = timed_set_autocommit

    def timed_commit(self):
        started = time.perf_counter()
        try:
            return commit(self)
        finally:
            ended = time.perf_counter()
            _record("commit", ended - started)
            if getattr(_state, "began", None) is not None:
                _record("held", ended - _state.began)
                _state.began = None

    wrapper_class._commit = timed_commit


def timings_install(directory: Path) -> None:
    """Wraps the save, its steps and the database's BEGIN and COMMIT in timers, in this process."""
    directory.mkdir(parents=True, exist_ok=True)
    out = directory / f"{os.getpid()}.jsonl"
    for module_name, attribute, name in [SAVE, *STEPS]:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, attribute):
            setattr(module, attribute, _timed(getattr(module, attribute), name, out=out if name == "save" else None))
    _database_timers(type(connections["default"]))


def timings_read(directory: Path) -> list[dict]:
    """Every save the workers timed, as the JSON lines say."""
    return [json.loads(line) for path in sorted(directory.glob("*.jsonl")) for line in path.read_text().splitlines() if line]
