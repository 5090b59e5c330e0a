"""Item 5: `import_waste` of 100,000 and of 1,000,000 rows, each as its own process: wall time and
peak resident memory (the kernel's high-water mark of the process, from wait4). The rows are dated
before the generated history and deleted afterwards, so the database is left as it was."""

import csv
import datetime
import os
import random
import subprocess
import sys
import time

from benchmarks.common import ROOT, WORK, child_env
from mess.models import Floor, Meal, WasteRecord

SIZES = (100_000, 1_000_000)


def waste_file_write(*, rows: int, before: datetime.date) -> tuple[str, datetime.date]:
    """Writes a waste CSV of `rows` rows, one per floor and meal of each day going back from the day
    before `before`, as an export from another system would list them (by date, then floor and meal).
    Returns its path and its earliest date."""
    floors = list(Floor.objects.select_related("mess").order_by("mess__code", "name"))
    per_day = len(floors) * len(Meal.values)
    days = -(-rows // per_day)
    first = before - datetime.timedelta(days=days)
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


def import_run(path: str) -> dict:
    """Runs `manage.py import_waste PATH` and reports its wall time, peak memory and summary."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_waste", path], cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    # wait4 gives this child's own resource use (ru_maxrss: peak resident set, in KiB on Linux).
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    out, err = process.stdout.read().decode(), process.stderr.read().decode()
    process.stdout.close()
    process.stderr.close()
    if process.returncode != 0:
        raise RuntimeError(f"import_waste failed ({process.returncode}): {err[-2000:]}")
    return {"seconds": round(seconds, 1), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "summary": out.strip()}


def measure(*, sizes: tuple[int, ...] = SIZES) -> dict:
    start_of_data = WasteRecord.objects.order_by("date").values_list("date", flat=True).first()
    results = {}
    for rows in sizes:
        path, first = waste_file_write(rows=rows, before=start_of_data)
        try:
            results[str(rows)] = {"file_mib": round(os.path.getsize(path) / 2**20, 1), **import_run(path)}
            imported = WasteRecord.objects.filter(date__gte=first, date__lt=start_of_data).count()
            if imported != rows:
                raise RuntimeError(f"{imported} rows in the database after importing {rows}")
        finally:
            WasteRecord.objects.filter(date__lt=start_of_data).delete()
            os.remove(path)
    small, large = results[str(min(sizes))], results[str(max(sizes))]
    return {
        "runs": results,
        "memory_ratio": round(large["peak_rss_mib"] / small["peak_rss_mib"], 2),
        "time_ratio": round(large["seconds"] / small["seconds"], 2),
        "rows_per_second": round(max(sizes) / large["seconds"]),
    }
