"""Every job ManageIt runs by itself, declared once.

A job is a service function that returns a one-line summary. From its entry here come its default
django-q2 schedules (`sync_schedules`), its management command's help, the admin's job choices and
the `jobs` table. Adding a job is one entry plus its function (and a command module that names it).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class DefaultSchedule:
    """A schedule `sync_schedules` creates when it is missing. `name` identifies it for good: an admin
    may change its timing or arguments and the next sync leaves them alone."""

    name: str
    cron: str  # in TIME_ZONE
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    key: str
    func: str  # dotted path of the service function
    description: str
    default_schedules: Callable[[str], list[DefaultSchedule]]  # given the job's key

    def run(self, **kwargs) -> str:
        return import_string(self.func)(**kwargs)

    def defaults(self) -> list[DefaultSchedule]:
        return self.default_schedules(self.key)


def _cron(expression: str) -> Callable[[str], list[DefaultSchedule]]:
    """One schedule, named after the job."""
    return lambda key: [DefaultSchedule(name=key, cron=expression)]


def _after_each_meal(key: str) -> list[DefaultSchedule]:
    """One schedule per meal, when its service window ends (read from the admin-edited windows)."""
    from mess.selectors import meal_windows

    return [
        DefaultSchedule(
            name=f"{key}:{w.meal}",
            cron=f"{w.ends_at.minute} {w.ends_at.hour} * * *",
            kwargs={"meal": w.meal},
        )
        for w in meal_windows()
    ]


JOBS: dict[str, Job] = {
    job.key: job
    for job in [
        Job(
            key="cleanup_old_menu",
            func="mess.services_menus.menus_cleanup",
            description="Deletes temporary and non-veg menus of past days.",
            default_schedules=_cron("0 0 * * *"),
        ),
        Job(
            key="generate_alerts",
            func="mess.services_alerts.alerts_generate",
            description="Raises and resolves high-waste and low-rating alerts for every active mess.",
            default_schedules=_cron("0 * * * *"),
        ),
        Job(
            key="send_admin_notifications",
            func="mess.services_notifications.notifications_send",
            description="Notifies officials and admins of a meal's critical feedback (low ratings with comments, hygiene).",
            default_schedules=_after_each_meal,
        ),
        Job(
            key="send_daily_report",
            func="mess.services_reports.daily_reports_send",
            description="Stores and e-mails each mess's report of the previous day (and of missed days).",
            default_schedules=_cron("0 7 * * *"),
        ),
        Job(
            key="refresh_day_totals",
            func="mess.services_totals.day_totals_refresh",
            description="Recomputes each mess's totals of the last 7 finished days, which the overview reads.",
            default_schedules=_cron("5 * * * *"),
        ),
        Job(
            key="prune_job_runs",
            func="scheduling.services.job_runs_prune",
            description="Deletes run-log entries older than 90 days.",
            default_schedules=_cron("30 0 * * *"),
        ),
    ]
}


def get_job(key: str) -> Job:
    try:
        return JOBS[key]
    except KeyError:
        raise LookupError(f"unknown job {key!r}; the jobs are: {', '.join(JOBS)}") from None
