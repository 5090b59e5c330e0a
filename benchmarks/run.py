"""Runs the benchmarks on one or more databases and prints the figures of docs/benchmarks.md.

Usage: python -m benchmarks.run [--xl] [--items alerts,cleanup,...] [--regenerate] BASE_URL [BASE_URL ...]

Each BASE_URL names a database family: sqlite:////path/bench.sqlite3 stands for bench-S.sqlite3,
bench-M.sqlite3 and bench-L.sqlite3 next to it; mysql://root@127.0.0.1:3306/manageit_bench for the
databases manageit_bench_s, _m and _l on that server. With --xl, the hundreds-of-messes round runs
instead (XL_ITEMS: bench-XL.sqlite3, manageit_bench_xl, and S to compare with). They are created, migrated and filled with
`bench_data` as needed, and kept for the next run (their data is checked first; --regenerate starts
them afresh). Nothing else is touched. Each measurement runs in its own process (benchmarks.measure);
the results, with the machine's description, go to var/bench/results-<vendor>.json.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import environ

from benchmarks.common import ROOT, WORK

# Which scales each measurement runs on; the ratios between scales are computed here.
ITEMS = {
    "alerts": ["M", "L"],
    "cleanup": ["L"],
    "pages": ["S", "L"],
    "rush": ["L"],
    "imports": ["L"],
    "cluster": ["S"],  # reads none of the data
    "triage": ["S"],
    # what a save costs does not follow the history; S, whose students are as many as L's per mess
    "crowd_paced": ["S"],
    "crowd_saturating": ["S"],
    "forecast": ["M", "L"],
}
# The hundreds-of-messes round (issue 22 §5), `make bench-xl`: apart, since XL's data is heavy to
# generate and the fan-out takes minutes. Pages at XL against S, the alerts at XL against the
# hand-written queries, and the meal-end fan-out over three clusters on Redis (MariaDB only).
XL_ITEMS = {"pages": ["S", "XL"], "alerts": ["XL"], "fanout": ["XL"]}
SCALE_ORDER = ["S", "M", "L", "XL"]
# The items that render pages, which link the static files collectstatic writes.
SERVE_PAGES = {"pages", "rush", "crowd_paced", "crowd_saturating"}
ENV = {
    "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
    # Production-like: no query log in memory. The key only signs the benchmarks' own sessions.
    "DEBUG": "False",
    "SECRET_KEY": "benchmarks-only-not-a-secret",
    "SECURE_COOKIES": "False",  # plain HTTP on 127.0.0.1: no TLS proxy in front
    "SECURE_SSL_REDIRECT": "False",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "EMAIL_FILE_PATH": str(WORK / "mail"),
    "LOG_LEVEL": "WARNING",
}


def scale_url(base: str, scale: str) -> str:
    """The database URL of `scale` in the family `base` names."""
    config = environ.Env.db_url_config(base)
    if config["ENGINE"].endswith("sqlite3"):
        path = Path(config["NAME"])
        return f"sqlite:///{path.with_name(f'{path.stem}-{scale}{path.suffix}')}"
    head, _, name = base.rpartition("/")
    name, sep, query = name.partition("?")
    return f"{head}/{name}_{scale.lower()}{sep}{query}"


def database_create(url: str, *, fresh: bool) -> None:
    config = environ.Env.db_url_config(url)
    if config["ENGINE"].endswith("sqlite3"):
        if fresh:
            for suffix in ("", "-wal", "-shm", "-writers"):
                Path(config["NAME"] + suffix).unlink(missing_ok=True)
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        return
    import MySQLdb

    server = MySQLdb.connect(
        host=config["HOST"] or "127.0.0.1", port=int(config["PORT"] or 3306), user=config["USER"], password=config["PASSWORD"] or ""
    )
    try:
        cursor = server.cursor()
        if fresh:
            cursor.execute(f"DROP DATABASE IF EXISTS `{config['NAME']}`")
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{config['NAME']}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        server.close()


def run(args: list[str], url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **ENV, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=True)


def measure(item: str, url: str, **kwargs) -> dict:
    args = ["-m", "benchmarks.measure", item, *(f"{k}={json.dumps(v)}" for k, v in kwargs.items())]
    started = time.perf_counter()
    result = json.loads(run(args, url).stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - started, 1)
    return result


def prepare(url: str, scale: str, *, regenerate: bool) -> dict:
    database_create(url, fresh=regenerate)
    run(["manage.py", "migrate", "--noinput", "-v0"], url)
    result = measure("prepare", url, scale=scale)
    if result["status"] == "mismatch":
        print(f"  {url} holds other data: starting it afresh", file=sys.stderr)
        database_create(url, fresh=True)
        run(["manage.py", "migrate", "--noinput", "-v0"], url)
        result = measure("prepare", url, scale=scale)
    return result


def machine() -> dict:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), ""
    )
    memory = next(line.split(":", 1)[1].strip() for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def family_run(base: str, items: list[str], *, regenerate: bool, plan: dict[str, list[str]] = ITEMS) -> dict:
    vendor = "sqlite" if base.startswith("sqlite") else "mysql"
    items = [item for item in items if not (item == "fanout" and vendor == "sqlite")]  # Redis and MariaDB, several machines' layout
    scales = sorted({scale for item in items for scale in plan[item]}, key=SCALE_ORDER.index)
    urls = {scale: scale_url(base, scale) for scale in scales}
    results = {"base_url": base, "machine": machine(), "prepare": {}, "items": {}}
    for scale in scales:
        print(f"preparing {urls[scale]} (scale {scale})", file=sys.stderr)
        results["prepare"][scale] = prepare(urls[scale], scale, regenerate=regenerate)
        print(f"  {results['prepare'][scale]['status']} {results['prepare'][scale].get('seconds', '')}", file=sys.stderr)
    if served := [item for item in items if item in SERVE_PAGES]:
        # the pages run with DEBUG=False, as in production, and so link the static files by the
        # names collectstatic gives them
        run(["manage.py", "collectstatic", "--noinput", "-v0"], urls[plan[served[0]][0]])
    for item in items:
        for scale in plan[item]:
            print(f"measuring {item} at {scale}", file=sys.stderr)
            try:
                results["items"].setdefault(item, {})[scale] = measure(item, urls[scale])
            except subprocess.CalledProcessError as error:
                results["items"].setdefault(item, {})[scale] = {"error": f"exit {error.returncode}"}
    results["ratios"] = ratios(results["items"])
    return results


def ratios(items: dict) -> dict:
    """The figures compared across scales."""
    out = {}
    alerts = items.get("alerts", {})
    if "error" not in alerts.get("L", {"error": 1}) and "error" not in alerts.get("M", {"error": 1}):
        out["alerts_L_over_M"] = round(alerts["L"]["generate_alerts"]["p50_ms"] / alerts["M"]["generate_alerts"]["p50_ms"], 2)
        out["alerts_one_mess_L_over_M"] = round(alerts["L"]["one_mess"]["p50_ms"] / alerts["M"]["one_mess"]["p50_ms"], 2)
    pages = items.get("pages", {})
    for big in ("L", "XL"):
        if big in pages and "error" not in pages[big] and "error" not in pages.get("S", {"error": 1}):
            for page in pages[big]["pages"]:
                small, large = pages["S"]["pages"][page], pages[big]["pages"][page]
                out[f"{page}_p95_{big}_over_S"] = round(large["p95_ms"] / small["p95_ms"], 2)
                out[f"{page}_p50_{big}_over_S"] = round(large["p50_ms"] / small["p50_ms"], 2)
                out[f"{page}_queries_{big}_S"] = [large["queries"], small["queries"]]
    if "error" not in alerts.get("XL", {"error": 1}):
        out["alerts_XL_over_sql"] = alerts["XL"]["ratio_to_sql"]
    fanout = items.get("fanout", {}).get("XL", {})
    if "last_accepted_after_end_s" in fanout:
        out["fanout_last_accepted_after_end_s"] = fanout["last_accepted_after_end_s"]
        out["fanout_accepted_distinct_of_messes"] = [fanout["messages_accepted"], fanout["messages_distinct"], fanout["messes"]]
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="Runs ManageIt's benchmarks; see docs/benchmarks.md.")
    parser.add_argument("base_urls", nargs="+", metavar="BASE_URL")
    parser.add_argument("--items", help=f"comma-separated, of: {', '.join(ITEMS)} (with --xl: {', '.join(XL_ITEMS)})")
    parser.add_argument("--regenerate", action="store_true", help="start the benchmark databases afresh")
    parser.add_argument("--xl", action="store_true", help="the hundreds-of-messes round (XL_ITEMS) instead")
    options = parser.parse_args(argv)
    plan = XL_ITEMS if options.xl else ITEMS
    items = [item for item in (options.items or ",".join(plan)).split(",") if item]
    if unknown := [item for item in items if item not in plan]:
        parser.error(f"unknown items {unknown}")
    WORK.mkdir(parents=True, exist_ok=True)
    for base in options.base_urls:
        results = family_run(base, items, regenerate=options.regenerate, plan=plan)
        vendor = "sqlite" if base.startswith("sqlite") else "mysql"
        path = WORK / f"results-{vendor}{'-xl' if options.xl else ''}.json"
        path.write_text(json.dumps(results, indent=2))
        print(json.dumps({"base_url": base, "ratios": results["ratios"], "results": str(path)}, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
