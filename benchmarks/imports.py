"""Item 5: `import_waste` of 100,000 and of 1,000,000 rows, each as its own process: wall time and
peak resident memory (the kernel's high-water mark of the process, from wait4), and how long a
student's feedback POST waits meanwhile: one every 0.2 s, through Django's full stack in this process,
for as long as the import runs. The rows are dated before the generated history and deleted
afterwards, so the database is left as it was. Also: how long a header of 60,000 columns takes to be
rejected."""

import csv
import datetime
import io
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django.utils import timezone

from benchmarks.common import ROOT, WORK, child_env, day_after_data, summary
from mess.imports.reader import ImportRejected
from mess.imports.waste import waste_import
from mess.models import EARLIEST_DATE, Feedback, Floor, Meal, Role, WasteRecord

SIZES = (100_000, 1_000_000)


def waste_file_write(*, rows: int, before: datetime.date) -> tuple[str, datetime.date]:
    """Writes a waste CSV of `rows` rows, one per floor and meal of each day going back from the day
    before `before`, as an export from another system would list them (by date, then floor and meal).
    Returns its path and its earliest date."""
    floors = list(Floor.objects.select_related("mess").order_by("mess__code", "name"))
    per_day = len(floors) * len(Meal.values)
    days = -(-rows // per_day)
    first = before - datetime.timedelta(days=days)
    if first < EARLIEST_DATE:
        raise RuntimeError(f"{rows} rows before {before} would go back to {first}, before {EARLIEST_DATE}: use a larger scale")
    rng = random.Random(rows)
    path = WORK / f"waste-{rows}.csv"
    WORK.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["date", "mess", "floor", "meal", "total_kg", "diners"])
        written = 0
        for n in range(days):
            day = (first + datetime.timedelta(days=n)).isoformat()
            for floor in floors:
                for meal in Meal.values:
                    if written == rows:
                        break
                    writer.writerow([day, floor.mess.code, floor.name, meal, f"{rng.randint(100, 2000) / 100:.2f}", rng.randint(20, 100)])
                    written += 1
    return str(path), first


class FeedbackPosts(threading.Thread):
    """A student posting the feedback form every 0.2 s until stopped: how long each POST took, and
    the POSTs that failed (anything but the form's redirect)."""

    def __init__(self):
        super().__init__(name="feedback-posts")
        self.stopped = threading.Event()
        self.seconds: list[float] = []
        self.failed = 0

    def run(self):
        student = get_user_model().objects.filter(groups__name=Role.STUDENT, profile__mess__isnull=False).order_by("pk").first()
        client = Client()
        client.force_login(student)
        try:
            while not self.stopped.wait(0.2):
                started = time.perf_counter()
                try:
                    response = client.post("/feedback/", {"meal": "lunch", "rating": str(1 + len(self.seconds) % 5), "category": "food"})
                    ok = response.status_code == 302
                except Exception:  # "database is locked", for one: counted, and the posting goes on
                    ok = False
                self.seconds.append(time.perf_counter() - started)
                self.failed += not ok
        finally:
            Feedback.objects.filter(student=student, date=timezone.localdate()).delete()
            connections.close_all()

    def figures(self) -> dict:
        return {**summary(self.seconds), "failed": self.failed}


def import_run(path: str) -> dict:
    """Runs `manage.py import_waste PATH` and reports its wall time, peak memory and summary, and
    how long the feedback POSTs made meanwhile waited."""
    started = time.perf_counter()
    # Its output goes to files: a pipe nobody reads until it ends would stop it once full.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen([sys.executable, "manage.py", "import_waste", path], cwd=ROOT, env=child_env(), stdout=out, stderr=err)
        posts = FeedbackPosts()
        posts.start()
        # wait4 gives this child's own resource use (ru_maxrss: peak resident set, in KiB on Linux).
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        posts.stopped.set()
        posts.join()
        returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output, errors = out.read().decode(), err.read().decode()
    if returncode != 0:
        raise RuntimeError(f"import_waste failed ({returncode}): {errors[-2000:]}")
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "summary": output.strip(),
        "feedback_posts": posts.figures(),
    }


def header_rejected(*, columns: int = 60_000) -> dict:
    """How long a waste file whose header repeats `date` `columns` times takes to be rejected."""
    text = "date," * columns + "mess,floor,meal,total_kg\n"
    started = time.perf_counter()
    try:
        waste_import(file=io.StringIO(text))
    except ImportRejected as rejected:
        return {"columns": columns, "seconds": round(time.perf_counter() - started, 3), "error": rejected.errors[0][:120]}
    raise RuntimeError("a header repeating a column was accepted")


def measure(*, sizes: tuple[int, ...] = SIZES) -> dict:
    start_of_data = WasteRecord.objects.order_by("date").values_list("date", flat=True).first()
    results = {}
    with day_after_data(hour=15):  # lunch has started: the students may rate it
        for rows in sizes:
            results[str(rows)] = _one_size(rows, start_of_data)
    small, large = results[str(min(sizes))], results[str(max(sizes))]
    return {
        "header_60000_columns": header_rejected(),
        "runs": results,
        "memory_ratio": round(large["peak_rss_mib"] / small["peak_rss_mib"], 2),
        "time_ratio": round(large["seconds"] / small["seconds"], 2),
        "rows_per_second": round(max(sizes) / large["seconds"]),
    }


def _one_size(rows: int, start_of_data: datetime.date) -> dict:
    path, first = waste_file_write(rows=rows, before=start_of_data)
    try:
        result = {"file_mib": round(os.path.getsize(path) / 2**20, 1), **import_run(path)}
        imported = WasteRecord.objects.filter(date__gte=first, date__lt=start_of_data).count()
        if imported != rows:
            raise RuntimeError(f"{imported} rows in the database after importing {rows}")
        return result
    finally:
        WasteRecord.objects.filter(date__lt=start_of_data).delete()
        os.remove(path)
