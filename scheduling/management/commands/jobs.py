"""Shows each schedule with its job, next run and own last outcome, as a table; with --check,
only what is wrong, and an exit status for system cron and monitoring."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from scheduling.cron import cron_in_words
from scheduling.selectors import clusters_running, jobs_health

EXIT_PROBLEMS = 1


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def _all_well(health) -> str:
    """What --check says when nothing is wrong: only what is true (a schedule that never ran did not succeed)."""
    count = len(health.schedules)
    never = sum(1 for s in health.schedules if s.last_started_at is None)
    if never == count:
        runs = "none has run yet" if count else "there are none"
    elif never:
        runs = f"the last runs of {count - never} succeeded and {never} {'has' if never == 1 else 'have'} not run yet"
    else:
        runs = "their last runs succeeded"
    return f"all {count} schedules on time and {runs}; a cluster was seen {_when(health.heartbeat_at)}{_clusters_text(health)}"


def _clusters_text(health) -> str:
    """The clusters running, by machine and process: each machine's, when they are several."""
    names = [c.cluster for c in clusters_running(now=health.now)]
    return f" ({len(names)} running: {', '.join(names)})" if names else ""


class Command(BaseCommand):
    help = "Lists every schedule with its job, next run and last outcome; --check exits non-zero when anything is wrong."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Print one line per problem (no cluster, a broken, late or failing schedule) and exit 1 if there is any.",
        )

    def handle(self, *args, **options):
        health = jobs_health()
        if options["check"]:
            if health.problem_details:
                raise CommandError("\n".join(health.problem_details), returncode=EXIT_PROBLEMS)
            return _all_well(health)
        rows = [("SCHEDULE", "JOB", "WHEN", "NEXT RUN", "LAST RUN", "OUTCOME", "TOOK")]
        for s in health.schedules:
            if s.broken:
                next_run = "BROKEN"
            elif s.paused:
                next_run = "paused"
            else:
                next_run = _when(s.next_run) + (" LATE" if s.late else "")
            took = f"{s.last_duration.total_seconds():.1f}s" if s.last_duration else "-"
            rows.append(
                (s.name, s.job, cron_in_words(s.schedule.cron), next_run, _when(s.last_started_at), s.last_outcome or "never", took)
            )
        widths = [max(len(str(row[c])) for row in rows) for c in range(len(rows[0]))]
        table = "\n".join("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows)
        running = ", ".join(c.cluster for c in clusters_running(now=health.now)) or "none"
        return "\n".join([table, f"clusters running: {running}", *(f"! {line}" for line in health.problem_details)])
