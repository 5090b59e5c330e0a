"""Shows each job, its schedules, their next run and the job's last run, as a table."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from scheduling.cron import cron_in_words
from scheduling.selectors import jobs_state
from scheduling.services import schedule_is_paused


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Lists every job with its schedules, next run and last outcome."

    def handle(self, *args, **options):
        rows = [("JOB", "SCHEDULE", "WHEN", "NEXT RUN", "LAST RUN", "OUTCOME", "TOOK")]
        for state in jobs_state():
            run = state.last_run
            last = (
                (_when(run.started_at), run.outcome, f"{run.duration.total_seconds():.1f}s" if run.duration else "-") if run else ("-",) * 3
            )
            for i, schedule in enumerate(state.schedules or [None]):
                if schedule is None:
                    sched = ("(none)", "-", "-")
                else:
                    paused = schedule_is_paused(schedule)
                    sched = (schedule.name, cron_in_words(schedule.cron), "paused" if paused else _when(schedule.next_run))
                rows.append((state.key if i == 0 else "", *sched, *(last if i == 0 else ("", "", ""))))
        widths = [max(len(str(row[c])) for row in rows) for c in range(len(rows[0]))]
        return "\n".join("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows)
