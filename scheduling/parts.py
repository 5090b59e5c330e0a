"""Runs of a job whose work falls into parts (Job.parts: one per mess, say), as the cluster runs
them: the run is recorded, then each part is handed to the cluster as a task of its own, so that any
worker of any cluster takes it, and one part's failure leaves the others done. Each part's outcome
is a JobRunPart of the run; the run is finished, succeeded when every part did and failed when any
did, by whichever part finishes last, with one conditional UPDATE so that it is finished once.
Each part holds a lease of its own (Job.part_lease_key): two runs never do the same part at once (a
run whose part was skipped so is handed over again, as a whole run is), and a part whose worker
died is handed out again by django-q2 once its lease has expired."""

import traceback

from django.db import IntegrityError
from django.utils import timezone
from django_q.tasks import async_task

from scheduling.models import JobLease, JobRun, JobRunPart, Outcome, Trigger
from scheduling.registry import JobRefused, get_job
from scheduling.runs import LeaseKeeper, host_name, job_run, lease_release, lease_take
from scheduling.soon import SOON_AGAIN_SECONDS, job_soon
from scheduling.watchers import schedule_outcome_tell

SUMMARY_LENGTH = 1000


def job_fan_out(*, key: str, trigger: Trigger, kwargs: dict | None = None, schedule_id: int | None = None) -> JobRun:
    """Runs job `key` in parts: records the run, one JobRunPart per part, and queues a task per
    part (`job_part_run`); returns the run, still running. A job without parts, or whose parts
    are none now, runs whole as `job_run` runs it. Arguments its parameters refuse raise
    JobRefused before anything is recorded; a failure to list the parts is the run's failure."""
    job = get_job(key)
    kwargs = job.arguments(kwargs or {})
    if job.parts is None:
        return job_run(key=key, trigger=trigger, kwargs=kwargs, schedule_id=schedule_id)
    started_at = timezone.now()
    try:
        parts = job.parts(kwargs)
        error = None
    except Exception as e:
        parts, error = [], e
        failure = traceback.format_exc()
    if error is None and not parts:
        return job_run(key=key, trigger=trigger, kwargs=kwargs, schedule_id=schedule_id)
    run = JobRun.objects.create(
        job=key, trigger=trigger, arguments=kwargs, started_at=started_at, host=host_name(), schedule_id=schedule_id
    )
    if error is not None:
        run.outcome, run.traceback, run.finished_at = Outcome.FAILED, failure, timezone.now()
        run.summary = f"failed: could not list its parts: {type(error).__name__}: {error}"[:SUMMARY_LENGTH]
        run.save(update_fields=["outcome", "summary", "traceback", "finished_at"])
        schedule_outcome_tell(run=run)
        return run
    JobRunPart.objects.bulk_create([JobRunPart(run=run, key=part, label=label) for part, label in parts])
    for part, _ in parts:
        async_task("scheduling.tasks.run_job_part", run.pk, part, task_name=f"{key} {job.part_param}={part}"[:100])
    return run


def job_part_run(*, run_id: int, part: str) -> JobRunPart:
    """Runs one part of run `run_id` and records its outcome: succeeded with the job's summary,
    failed with the error and its traceback, or skipped because another run is doing the same part.
    A part already finished (its task handed out twice) is not run again. The last part to finish
    finishes the run. Never raises for a failure of the job; an interrupt is recorded and raised."""
    row = JobRunPart.objects.select_related("run").get(run_id=run_id, key=part)
    if row.outcome != Outcome.RUNNING:
        return row
    run, job = row.run, get_job(row.run.job)
    row.started_at, row.host = timezone.now(), host_name()
    row.save(update_fields=["started_at", "host"])
    try:
        kwargs = job.arguments(run.arguments)
    except JobRefused as e:
        return _part_finish(row, outcome=Outcome.FAILED, summary=f"failed: its arguments are refused now: {e}")
    lease = job.part_lease_key(kwargs, part)
    if not lease_take(job=lease, run=run, mark_dead_run=False):
        holder = JobLease.objects.filter(job=lease).values_list("run_id", flat=True).first()
        if holder == run.pk:  # this very part, in another worker now (its task handed out twice): it records the outcome
            return row
        return _part_finish(row, outcome=Outcome.SKIPPED, summary=f"skipped: {lease} is already running (run {holder})")
    interrupted, failure = None, ""
    try:
        with LeaseKeeper(job=lease, run=run):
            summary = job.run(**kwargs, **{job.part_param: part})
        outcome = Outcome.SUCCEEDED
    except BaseException as e:  # recorded in every case; an interrupt is raised again below
        outcome, summary, failure = Outcome.FAILED, f"failed: {type(e).__name__}: {e}", traceback.format_exc()
        if not isinstance(e, Exception):
            interrupted = e
    lease_release(job=lease, run=run)
    row = _part_finish(row, outcome=outcome, summary=summary, failure=failure)
    if interrupted is not None:
        raise interrupted
    return row


def _part_finish(row: JobRunPart, *, outcome: str, summary: str, failure: str = "") -> JobRunPart:
    row.outcome, row.summary, row.traceback, row.finished_at = outcome, summary[:SUMMARY_LENGTH], failure, timezone.now()
    row.save(update_fields=["outcome", "summary", "traceback", "finished_at"])
    _run_finish_if_done(row.run)
    return row


def _run_finish_if_done(run: JobRun) -> bool:
    """Finishes `run` when none of its parts is running any more, reading the parts from the
    database after this part's own outcome was written: of two parts finishing at once, at least the
    later sees none running, and the conditional UPDATE lets exactly one of them finish the run.
    Returns whether this call finished it."""
    if JobRunPart.objects.filter(run=run, outcome=Outcome.RUNNING).exists():
        return False
    parts = list(JobRunPart.objects.filter(run=run).order_by("pk"))
    failed = [p for p in parts if p.outcome == Outcome.FAILED]
    skipped = [p for p in parts if p.outcome == Outcome.SKIPPED]
    if failed:
        outcome = Outcome.FAILED
        summary = f"failed: {len(failed)} of {len(parts)} parts failed: "
        summary += "; ".join(f"{p.label}: {p.summary.removeprefix('failed: ')}" for p in failed)
    else:
        outcome = Outcome.SUCCEEDED
        summary = f"{len(parts)} parts" + (f", {len(skipped)} skipped (another run had them)" if skipped else "") + ": "
        summary += "; ".join(f"{p.label}: {p.summary}" for p in parts)
    tracebacks = "\n".join(f"--- {p.label} ({p.key})\n{p.traceback}" for p in failed)
    try:
        finished = JobRun.objects.filter(pk=run.pk, outcome=Outcome.RUNNING).update(
            outcome=outcome, summary=summary[:SUMMARY_LENGTH], traceback=tracebacks, finished_at=timezone.now()
        )
    except IntegrityError:  # pragma: no cover - the run was pruned meanwhile
        return False
    if finished:
        run.refresh_from_db()
        schedule_outcome_tell(run=run)
        if skipped:
            # As a whole run that finds its job running is (scheduling.tasks.run_job): handed over
            # again, so the skipped parts are done once the other run lets go of them. The parts done
            # already find their work done (the job's outputs are stored with their keys).
            job_soon(run.job, kwargs=run.arguments, within_seconds=SOON_AGAIN_SECONDS)
    return bool(finished)
