"""Item 6: on time, and exactly once at scale. Three `qcluster` processes on one database:

- 20 single schedules of a real job (prune_job_runs, cheap), due one at a time, 3 s apart, at whole
  seconds as crons are: how long after its due time each run started;
- 500 schedules due at the same instant: when each was queued (from the clusters' logs), how many
  tasks ran (500, each schedule once), when each run started and when the last one finished;
- idle, on MySQL/MariaDB: the queries per second the clusters send (the server's `Questions`).

The clusters are stopped with SIGTERM, then SIGKILL; what the run added is deleted."""

import datetime
import re
import time

from django.db import connection
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from benchmarks.common import WORK, percentile, start, stop
from scheduling.models import JobRun, Outcome
from scheduling.schedules import RUNNER

CLUSTERS = 3
SCHEDULES = 500
SINGLES = 20
PREFIX = "bench-due-"
QUEUED = re.compile(r"^(\S+ \S+) INFO scheduling\.scheduler: queued schedule (" + PREFIX + r"\S+) ", re.M)


def _clean() -> None:
    Schedule.objects.filter(name__startswith=PREFIX).delete()
    Task.objects.filter(group__startswith=PREFIX).delete()
    OrmQ.objects.all().delete()


def _wait_for(logs: list, text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(text in log.read_text(errors="replace") for log in logs):
            return True
        time.sleep(0.5)
    return False


def _bench_schedules(names: list[str], due: datetime.datetime) -> None:
    Schedule.objects.bulk_create(
        Schedule(name=name, func=RUNNER, args="'prune_job_runs'", schedule_type=Schedule.CRON, cron="0 0 1 1 *", repeats=1, next_run=due)
        for name in names
    )


def _singles(count: int, last_run: int) -> dict:
    """Each schedule alone: due at a whole second 3 s after the one before; the delay to its run's start."""
    delays = []
    for i in range(count):
        due = (timezone.now() + datetime.timedelta(seconds=2)).replace(microsecond=0)
        _bench_schedules([f"{PREFIX}single-{i}"], due)
        deadline = time.monotonic() + 30
        run = None
        while run is None and time.monotonic() < deadline:
            time.sleep(0.2)
            run = JobRun.objects.filter(pk__gt=last_run, job="prune_job_runs", schedule__name=f"{PREFIX}single-{i}").first()
        delays.append((run.started_at - due).total_seconds() if run else float("inf"))
        time.sleep(1)
    return {
        "singles": count,
        "single_start_p50_s": round(percentile(delays, 50), 2),
        "single_start_p95_s": round(percentile(delays, 95), 2),
        "single_start_max_s": round(max(delays), 2),
    }


def _idle_queries_per_second(seconds: float = 30) -> float | None:
    """What the running clusters send to the server while nothing is due (MySQL/MariaDB only)."""
    if connection.vendor != "mysql":
        return None

    def questions() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SHOW GLOBAL STATUS LIKE 'Questions'")
            return int(cursor.fetchone()[1])

    before = questions()
    time.sleep(seconds)
    return round((questions() - before - 1) / seconds, 2)  # less this process's own first SHOW


def _queued_at(logs: list) -> dict[str, datetime.datetime]:
    queued = {}
    for log in logs:
        for stamp, name in QUEUED.findall(log.read_text(errors="replace")):
            local = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").astimezone()  # the machine's time
            queued[name] = min(queued.get(name, local), local)
    return queued


def measure(*, clusters: int = CLUSTERS, schedules: int = SCHEDULES, singles: int = SINGLES, timeout: float = 300) -> dict:
    _clean()
    last_run = first_run = JobRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    logs = [WORK / f"cluster-{i}.log" for i in range(clusters)]
    for log in logs:
        log.write_text("")
    processes = [start(["manage.py", "qcluster"], log=log, LOG_LEVEL="INFO") for log in logs]
    try:
        if not _wait_for(logs, "running.", timeout=90):
            raise RuntimeError(f"the clusters did not start; see {logs}")
        time.sleep(5)
        idle = {"idle_queries_per_s": _idle_queries_per_second(), "idle_clusters": clusters}
        single = _singles(singles, last_run)
        last_run = JobRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        due = (timezone.now() + timezone.timedelta(seconds=3)).replace(microsecond=0)
        _bench_schedules([f"{PREFIX}{i}" for i in range(schedules)], due)
        deadline = time.monotonic() + timeout
        done_at = None
        while time.monotonic() < deadline:
            finished = Task.objects.filter(group__startswith=PREFIX).exclude(group__startswith=f"{PREFIX}single-").count()
            if finished >= schedules and not OrmQ.objects.exists():
                done_at = done_at or time.monotonic()
                if time.monotonic() - done_at >= 10:  # and nothing more comes after it
                    break
            time.sleep(1)
    finally:
        ended = stop(processes, timeout=60)

    runs = list(JobRun.objects.filter(pk__gt=last_run, job="prune_job_runs").values_list("started_at", "finished_at", "outcome"))
    tasks = list(
        Task.objects.filter(group__startswith=PREFIX).exclude(group__startswith=f"{PREFIX}single-").values_list("group", "success")
    )
    per_schedule = {}
    for group, _ in tasks:
        per_schedule[group] = per_schedule.get(group, 0) + 1
    delays = [(started - due).total_seconds() for started, _, _ in runs]
    queued = [(at - due).total_seconds() for name, at in _queued_at(logs).items() if not name.startswith(f"{PREFIX}single-")]
    finished = [f for _, f, _ in runs if f is not None]
    errors = sum(log.read_text(errors="replace").count(" ERROR ") for log in logs)
    result = {
        **idle,
        **single,
        "queued": len(queued),
        "queued_p50_s": round(percentile(queued, 50), 2) if queued else None,
        "queued_p95_s": round(percentile(queued, 95), 2) if queued else None,
        "queued_max_s": round(max(queued), 2) if queued else None,
        "clusters": clusters,
        "schedules": schedules,
        "tasks": len(tasks),
        "tasks_failed": sum(1 for _, success in tasks if not success),
        "schedules_run_once": sum(1 for n in per_schedule.values() if n == 1),
        "schedules_run_twice_or_more": sum(1 for n in per_schedule.values() if n > 1),
        "schedules_not_run": schedules - len(per_schedule),
        "job_runs": len(runs),
        "job_runs_succeeded": sum(1 for *_, outcome in runs if outcome == Outcome.SUCCEEDED),
        "job_runs_skipped": sum(1 for *_, outcome in runs if outcome == Outcome.SKIPPED),
        "delay_p50_s": round(percentile(delays, 50), 1),
        "delay_p95_s": round(percentile(delays, 95), 1),
        "delay_max_s": round(max(delays), 1) if delays else None,
        "delay_min_s": round(min(delays), 1) if delays else None,
        "all_done_after_s": round((max(finished) - due).total_seconds(), 1) if finished else None,
        "log_errors": errors,
        "clusters_ended": ended,
    }
    JobRun.objects.filter(pk__gt=first_run).delete()
    _clean()
    return result
