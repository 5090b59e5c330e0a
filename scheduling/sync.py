"""Keeping the django-q2 schedules in step with the registry's default schedules without undoing
what admins changed."""

from dataclasses import dataclass, field

from django.db import transaction
from django_q.models import Schedule

from scheduling.registry import JOBS, DefaultSchedule
from scheduling.schedules import arguments_text, schedule_fields, schedule_job_key, schedule_next_runs


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __str__(self):
        text = f"created {len(self.created)} schedules, {len(self.unchanged)} already there"
        if self.removed:
            text += f", removed {len(self.removed)} no longer needed"
        if self.orphaned:
            text += f"; {len(self.orphaned)} run no known job: {', '.join(self.orphaned)}"
        return text


@transaction.atomic
def schedules_sync(*, names: set[str] | None = None) -> SyncResult:
    """Creates every default schedule of the registry that is missing (or those of them `names`
    names), matched by name. Never touches an existing schedule (admins may have changed its timing,
    arguments or paused it), so running it again changes nothing. Without `names`, deletes the
    schedules named as defaults of a job whose defaults come and go with the data
    (Job.defaults_come_and_go) that none of its defaults is any more. Reports schedules whose job is
    no longer in the registry."""
    result = SyncResult()
    existing = {s.name: s for s in Schedule.objects.all()}
    for job in JOBS.values():
        defaults = job.defaults()
        if names is None and job.defaults_come_and_go:
            wanted = {d.name for d in defaults}
            gone = [
                s
                for name, s in existing.items()
                if name.startswith(f"{job.key}:") and name not in wanted and schedule_job_key(s) == job.key
            ]
            Schedule.objects.filter(pk__in=[s.pk for s in gone]).delete()
            result.removed += sorted(s.name for s in gone)
        for default in defaults:
            if names is not None and default.name not in names:
                continue
            if default.name in existing:
                result.unchanged.append(default.name)
                continue
            Schedule.objects.create(
                name=default.name,
                **schedule_fields(key=job.key, kwargs=default.kwargs),
                schedule_type=Schedule.CRON,
                cron=default.cron,
                repeats=-1,
            )
            result.created.append(default.name)
    result.orphaned = sorted(str(s.name or s.pk) for s in existing.values() if schedule_job_key(s) is None)
    return result


def default_schedules() -> dict[str, DefaultSchedule]:
    """Each default schedule by name, as the registry derives them now."""
    return {d.name: d for job in JOBS.values() for d in job.defaults()}


@transaction.atomic
def schedules_follow_defaults(*, before: dict[str, DefaultSchedule]) -> list[str]:
    """After a change of the data that default schedules are computed from (`before`:
    default_schedules as they were), moves every schedule still at its old default time to its new
    time and arguments, creates the default schedules the change brought, and deletes those it took
    away that are still at their old default time; effective on the cluster's next pass. Schedules
    an admin has re-timed keep their own time and arguments, and stay. Returns the names of the
    schedules moved, created or deleted."""
    now = default_schedules()
    changed = []
    for name, default in now.items():
        old = before.get(name)
        if old is not None and (old.cron, old.kwargs) != (default.cron, default.kwargs):
            for schedule in Schedule.objects.filter(name=name, cron=old.cron):
                schedule.cron = default.cron
                schedule.kwargs = arguments_text(default.kwargs)
                schedule.next_run = schedule_next_runs(cron=default.cron, count=1)[0]
                schedule.save(update_fields=["cron", "kwargs", "next_run"])
                changed.append(name)
    if set(now) - set(before):
        changed += schedules_sync(names=set(now) - set(before)).created
    for name in sorted(set(before) - set(now)):
        deleted, _ = Schedule.objects.filter(name=name, cron=before[name].cron).delete()
        if deleted:
            changed.append(name)
    return changed
