"""Every job of the mess, with its default schedules (times in TIME_ZONE). Each job's rule is in its
feature's module; its command, of the same name, is in mess/management/commands/."""

from mess.alerts import alerts_generate
from mess.meals import meal_windows
from mess.menus import menus_cleanup
from mess.notifications import notifications_send
from mess.reports import daily_reports_send
from mess.totals import day_totals_refresh
from scheduling.registry import DefaultSchedule, Job, cron, register


def after_each_meal(key: str) -> list[DefaultSchedule]:
    """One schedule per meal, when its service window ends (read from the admin-edited windows)."""
    return [
        DefaultSchedule(name=f"{key}:{w.meal}", cron=f"{w.ends_at.minute} {w.ends_at.hour} * * *", kwargs={"meal": w.meal})
        for w in meal_windows()
    ]


register(
    Job(
        key="cleanup_old_menu",
        func=menus_cleanup,
        description="Deletes temporary and non-veg menus of past days.",
        default_schedules=cron("0 0 * * *"),
    ),
    Job(
        key="generate_alerts",
        func=alerts_generate,
        description="Raises and resolves high-waste and low-rating alerts for every active mess.",
        default_schedules=cron("0 * * * *"),
    ),
    Job(
        key="send_admin_notifications",
        func=notifications_send,
        description="Notifies officials and admins of a meal's critical feedback (low ratings with comments, hygiene).",
        default_schedules=after_each_meal,
    ),
    Job(
        key="send_daily_report",
        func=daily_reports_send,
        description="Stores and e-mails each mess's report of the previous day (and of missed days).",
        default_schedules=cron("0 7 * * *"),
    ),
    Job(
        key="refresh_day_totals",
        func=day_totals_refresh,
        description="Recomputes each mess's totals of the last 7 finished days, which the overview reads.",
        default_schedules=cron("5 * * * *"),
    ),
)
