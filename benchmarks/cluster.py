"""Item 6: exactly once at scale. Three `qcluster` processes on one database, 500 schedules of a
real job (prune_job_runs, cheap) due at the same instant: how many tasks ran (500, each schedule
once), and how long after the due time each run started (the scheduler passes every 30 s in each
cluster). The clusters are stopped with SIGTERM, then SIGKILL; what the run added is deleted."""

import time

from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from benchmarks.common import WORK, percentile, start, stop
from scheduling.models import JobRun, Outcome
from scheduling.services import RUNNER

CLUSTERS = 3
SCHEDULES = 500
PREFIX = "bench-due-"


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


def measure(*, clusters: int = CLUSTERS, schedules: int = SCHEDULES, timeout: float = 300) -> dict:
    _clean()
    last_run = JobRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    logs = [WORK / f"cluster-{i}.log" for i in range(clusters)]
    for log in logs:
        log.write_text("")
    processes = [start(["manage.py", "qcluster"], log=log, LOG_LEVEL="INFO") for log in logs]
    try:
        if not _wait_for(logs, "running.", timeout=90):
            raise RuntimeError(f"the clusters did not start; see {logs}")
        due = timezone.now() + timezone.timedelta(seconds=2)
        Schedule.objects.bulk_create(
            Schedule(
                name=f"{PREFIX}{i}",
                func=RUNNER,
                args="'prune_job_runs'",
                schedule_type=Schedule.CRON,
                cron="0 0 1 1 *",
                repeats=1,
                next_run=due,
            )
            for i in range(schedules)
        )
        deadline = time.monotonic() + timeout
        done_at = None
        while time.monotonic() < deadline:
            finished = Task.objects.filter(group__startswith=PREFIX).count()
            if finished >= schedules and not OrmQ.objects.exists():
                done_at = done_at or time.monotonic()
                if time.monotonic() - done_at >= 10:  # and nothing more comes after it
                    break
            time.sleep(1)
    finally:
        ended = stop(processes, timeout=60)

    runs = list(JobRun.objects.filter(pk__gt=last_run, job="prune_job_runs").values_list("started_at", "finished_at", "outcome"))
    tasks = list(Task.objects.filter(group__startswith=PREFIX).values_list("group", "success"))
    per_schedule = {}
    for group, _ in tasks:
        per_schedule[group] = per_schedule.get(group, 0) + 1
    delays = [(started - due).total_seconds() for started, _, _ in runs]
    finished = [f for _, f, _ in runs if f is not None]
    errors = sum(log.read_text(errors="replace").count(" ERROR ") for log in logs)
    result = {
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
    JobRun.objects.filter(pk__gt=last_run).delete()
    _clean()
    return result
