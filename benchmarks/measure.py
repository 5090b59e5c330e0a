"""Runs one measurement in this process, on the database DATABASE_URL names, and prints its result
as JSON on the last line of standard output (benchmarks.run starts one such process per measurement
and database, since Django's settings name one database per process).

Usage: python -m benchmarks.measure ITEM [NAME=JSON ...], ITEM one of: prepare, alerts, cleanup,
pages, rush, imports, cluster, triage, crowd_paced, crowd_saturating, fanout; NAME=JSON pairs are keyword arguments of the item's `measure`.
"""

import dataclasses
import importlib
import json
import os
import platform
import sys

ITEMS = {
    "alerts": "alerts",
    "cleanup": "cleanup",
    "pages": "pages",
    "rush": "rush",
    "imports": "imports",
    "cluster": "cluster",
    "triage": "triage",
    "crowd_paced": "crowd:measure_paced",
    "crowd_saturating": "crowd:measure_saturating",
    "forecast": "forecast",
    "fanout": "fanout",
}


def prepare(*, scale: str) -> dict:
    """Leaves the database holding scale `scale`'s data: keeps what is there when it has the scale's
    messes and feedback rows, generates into an empty database, and answers "mismatch" (for the
    caller to start from a fresh database) otherwise."""
    from django.db import connection

    from benchmarks.data import SCALES, bench_data_generate, bench_database_empty
    from mess.models import Absence, Feedback, Mess

    wanted = SCALES[scale]
    info = {"scale": scale, **dataclasses.asdict(wanted), "vendor": connection.vendor, "database_version": _database_version()}
    if bench_database_empty():
        import datetime

        from django.utils import timezone

        data = bench_data_generate(scale=wanted, until=timezone.localdate() - datetime.timedelta(days=1), progress=_progress(wanted))
        return {**info, "status": "generated", "seconds": round(data.seconds, 1), "rows": data.rows, "digest": data.digest}
    # (a database generated before bench_data wrote absences is generated afresh)
    if Mess.objects.count() == wanted.messes and Feedback.objects.count() == wanted.feedback_rows() and Absence.objects.exists():
        return {**info, "status": "reused"}
    return {**info, "status": "mismatch"}


def _progress(scale):
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=scale.feedback_rows() + scale.waste_rows(), unit=" rows", unit_scale=True, file=sys.stderr)
    return bar.update


def _database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("SELECT VERSION(), @@innodb_buffer_pool_size")
        version, pool = cursor.fetchone()
        return f"{version} (innodb_buffer_pool_size {int(pool) // 2**20} MiB)"


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    item, *pairs = argv
    kwargs = {name: json.loads(value) for name, _, value in (pair.partition("=") for pair in pairs)}
    if item == "prepare":
        result = prepare(**kwargs)
    elif item in ITEMS:
        module, _, function = ITEMS[item].partition(":")
        result = getattr(importlib.import_module(f"benchmarks.{module}"), function or "measure")(**kwargs)
        result = {"database_version": _database_version(), "python": platform.python_version(), **result}
    else:
        raise SystemExit(f"unknown item {item!r}; one of: prepare, {', '.join(ITEMS)}")
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
