"""Every job of the mess, with its default schedules (times in TIME_ZONE). Each job's rule is in its
feature's module; its command, of the same name, is in mess/management/commands/."""

import datetime

from mess.alerts import alerts_generate, mess_code_check
from mess.meals import day_check, day_over_check, meal_check, meal_windows
from mess.menus import menus_cleanup
from mess.missing_waste import waste_reminders_send
from mess.models import Meal
from mess.notifications import notifications_send
from mess.overview import day_totals_refresh
from mess.people import admins_emails
from mess.reports import daily_reports_send
from scheduling.registry import DefaultSchedule, Job, Param, bool_value, cron, date_value, positive_int, register
from scheduling.watchers import watchers_register

# The meals a command's --meal takes (in any case), for its help.
MEALS = ", ".join(Meal.values)


def a_mess_code(value) -> str:
    code = str(value).strip()
    mess_code_check(mess_code=code)
    return code


def a_day_that_has_been(value) -> datetime.date:
    return day_check(date_value(value))


def a_day_that_is_over(value) -> datetime.date:
    return day_over_check(date_value(value))


def after_each_meal(key: str) -> list[DefaultSchedule]:
    """One schedule per meal, when its service window ends (read from the admin-edited windows)."""
    return _meals_end(key, hours_after=0)


def an_hour_after_each_meal(key: str) -> list[DefaultSchedule]:
    """One schedule per meal, an hour after its service window ends (the next day's early hours for
    a window that ends after 23:00)."""
    return _meals_end(key, hours_after=1)


def _meals_end(key: str, *, hours_after: int) -> list[DefaultSchedule]:
    return [
        DefaultSchedule(
            name=f"{key}:{w.meal}", cron=f"{w.ends_at.minute} {(w.ends_at.hour + hours_after) % 24} * * *", kwargs={"meal": w.meal}
        )
        for w in meal_windows()
    ]


register(
    Job(
        key="cleanup_old_menu",
        func=menus_cleanup,
        description="Deletes temporary and non-veg menus of past days.",
        default_schedules=cron("0 0 * * *"),
        params=(
            Param("dry_run", bool_value, help="Only say what would be deleted."),
            Param(
                "batch_size",
                positive_int,
                metavar="N",
                help="Delete the expired menus' ids N at a time; default: ranges of about a second each.",
            ),
        ),
    ),
    Job(
        key="generate_alerts",
        func=alerts_generate,
        description="Raises and resolves the alerts of every active mess: high waste per day and per diner, low ratings.",
        default_schedules=cron("0 * * * *"),
        params=(Param("mess_code", a_mess_code, flag="--mess", metavar="CODE", help="Only this mess."),),
    ),
    Job(
        key="send_admin_notifications",
        func=notifications_send,
        description="Notifies officials and admins of a meal's critical feedback (low ratings with comments, hygiene).",
        default_schedules=after_each_meal,
        params=(
            Param("meal", meal_check, required=True, metavar="MEAL", help=f"The meal whose feedback to check: {MEALS}."),
            Param("date", a_day_that_has_been, help="The day (YYYY-MM-DD); default today."),
        ),
    ),
    Job(
        key="send_waste_reminders",
        func=waste_reminders_send,
        description="Reminds each mess's officials of the floors that recorded no waste for a meal.",
        default_schedules=an_hour_after_each_meal,
        params=(
            Param("meal", meal_check, required=True, metavar="MEAL", help=f"The meal whose waste to check: {MEALS}."),
            Param("date", a_day_that_has_been, help="The day (YYYY-MM-DD); default the latest day the meal is over."),
        ),
    ),
    Job(
        key="send_daily_report",
        func=daily_reports_send,
        description="Stores and e-mails each mess's report of the previous day (and of missed days).",
        default_schedules=cron("0 7 * * *"),
        params=(
            Param(
                "date",
                a_day_that_is_over,
                help="Report only this day (YYYY-MM-DD). Default: yesterday, and any of the 7 days before without a report.",
            ),
            Param("resend", bool_value, help="E-mail the report again even if it was sent before."),
        ),
    ),
    Job(
        key="refresh_day_totals",
        func=day_totals_refresh,
        description="Recomputes each mess's totals of the last 7 finished days, which the overview reads.",
        default_schedules=cron("5 * * * *"),
    ),
)

# The admins hear when a schedule starts failing, recovers, or is late.
watchers_register(admins_emails)
