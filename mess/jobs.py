"""Every job of the mess, with its default schedules (times in TIME_ZONE). Each job's rule is in its
feature's module; its command, of the same name, is in mess/management/commands/."""

import datetime

from django.conf import settings
from django.utils import timezone

from mess.alerts import alerts_generate, alerts_parts, mess_code_check
from mess.cook_sheets import cook_sheets_parts, cook_sheets_send
from mess.feedback_privacy import ANONYMISE_BATCH, feedback_anonymise
from mess.meal_reminders import REMINDER_LEAD, cutoff_reminders_parts, cutoff_reminders_send, menu_messages_parts, menu_messages_send
from mess.meals import day_check, day_over_check, meal_check, windows_read
from mess.menus import menus_cleanup
from mess.mess_changes import mess_changes_assign
from mess.messages import JOB as SEND_MESSAGES
from mess.messages import messages_send
from mess.missing_waste import waste_reminders_parts, waste_reminders_send
from mess.models import DEFAULT_CUTOFF, Meal, Mess
from mess.notifications import notifications_parts, notifications_send
from mess.overview import day_totals_refresh
from mess.password_resets import password_reset_send
from mess.people import admins_emails
from mess.reports import daily_reports_parts, daily_reports_send
from mess.telegram import telegram_updates
from scheduling.registry import DefaultSchedule, Job, Param, bool_value, cron, date_value, positive_int, register
from scheduling.watchers import watchers_register

# The meals a command's --meal takes (in any case), for its help.
MEALS = ", ".join(Meal.values)
ENDS_AT_HELP = "Only the messes whose window of the meal ends at this time (local); default: every mess."


def a_mess_code(value) -> str:
    code = str(value).strip()
    mess_code_check(mess_code=code)
    return code


def an_email_address(value) -> str:
    """An address as typed on the reset page (Django's form checked it): at most 254 characters."""
    address = str(value).strip()
    if not address or "@" not in address or len(address) > 254:
        raise ValueError(f"{address[:60]!r} is not an e-mail address")
    return address


def a_time_of_day(value) -> datetime.time:
    """A time of day to the minute (a datetime.time, or its text H:MM or HH:MM)."""
    if isinstance(value, datetime.time):
        return value.replace(second=0, microsecond=0)
    try:
        return datetime.time.fromisoformat(str(value).strip().zfill(5)[:5])
    except ValueError:
        raise ValueError(f"not a time of day in the form HH:MM: {value!r}") from None


def seconds_to_wait(value) -> int:
    """Seconds a telegram_updates run waits for messages: 0 to 55 (a run ends before the next begins)."""
    try:
        seconds = int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        seconds = None
    if seconds is None or not 0 <= seconds <= 55:
        raise ValueError(f"not a number of seconds from 0 to 55: {value!r}")
    return seconds


def a_day_that_has_been(value) -> datetime.date:
    return day_check(date_value(value))


def a_day_that_is_over(value) -> datetime.date:
    return day_over_check(date_value(value))


def a_day_to_cook_for(value) -> datetime.date:
    """A day that has been, or one of the next two (a cut-off reaches back at most two days)."""
    return day_check(date_value(value), latest=timezone.localdate() + datetime.timedelta(days=2))


def after_each_meal(key: str) -> list[DefaultSchedule]:
    """One schedule per meal and time its windows end (read from the admin-edited windows)."""
    return _meals_end(key, hours_after=0)


def an_hour_after_each_meal(key: str) -> list[DefaultSchedule]:
    """One schedule per meal and time its windows end, an hour later (the next day's early hours
    for a window that ends after 23:00)."""
    return _meals_end(key, hours_after=1)


def at_each_cutoff(key: str) -> list[DefaultSchedule]:
    """One schedule per meal and absence cut-off of the active messes, when that cut-off passes
    before the default window starts (the day before, for a cut-off that reaches back past midnight),
    and one more at each other time a mess's own window and its cut-off bring. Each run sends the
    sheets of the messes whose cut-off has passed and that have none yet, so a cut-off moved between
    two schedules is sent by the next one."""
    active = dict(Mess.objects.filter(is_active=True).values_list("pk", "absence_cutoff_minutes"))
    cutoffs = sorted(set(active.values())) or [DEFAULT_CUTOFF]
    windows = windows_read()
    schedules, times = [], set()
    for window in windows.of(None):
        for cutoff in cutoffs:
            at = _minutes_before(window.starts_at, cutoff)
            times.add((window.meal, at))
            schedules.append(
                DefaultSchedule(name=f"{key}:{window.meal}:{cutoff}m", cron=f"{at % 60} {at // 60} * * *", kwargs={"meal": window.meal})
            )
    for mess_id, own in sorted(windows.own.items()):
        for window in own.values():
            if mess_id in active and (window.meal, at := _minutes_before(window.starts_at, active[mess_id])) not in times:
                times.add((window.meal, at))
                schedules.append(
                    DefaultSchedule(
                        name=f"{key}:{window.meal}:{active[mess_id]}m@{window.starts_at:%H:%M}",
                        cron=f"{at % 60} {at // 60} * * *",
                        kwargs={"meal": window.meal},
                    )
                )
    return schedules


def before_each_menu(key: str) -> list[DefaultSchedule]:
    """One schedule per meal and time some active mess's menu message of it is due (its window's
    start less Mess.menu_message_minutes)."""
    return _before_each_start(key, dict(Mess.objects.filter(is_active=True).values_list("pk", "menu_message_minutes")))


def before_each_cutoff(key: str) -> list[DefaultSchedule]:
    """One schedule per meal and time some active mess's reminders of it are due (REMINDER_LEAD
    minutes before its absence cut-off)."""
    rows = Mess.objects.filter(is_active=True).values_list("pk", "absence_cutoff_minutes")
    return _before_each_start(key, {pk: cutoff + REMINDER_LEAD for pk, cutoff in rows})


def _before_each_start(key: str, minutes: dict[int, int]) -> list[DefaultSchedule]:
    """For each meal, one schedule at each distinct time `minutes[mess]` before the meal's window
    starts at an active mess (its own window, or the default): `key:meal@HH:MM`, running `meal`; each
    run does the messes whose time it is. None while no mess is active."""
    windows = windows_read()
    times = sorted(
        {(window.meal, _minutes_before(window.starts_at, before)) for mess_id, before in minutes.items() for window in windows.of(mess_id)},
        key=lambda meal_at: (Meal.values.index(meal_at[0]), meal_at[1]),
    )
    return [
        DefaultSchedule(name=f"{key}:{meal}@{at // 60:02}:{at % 60:02}", cron=f"{at % 60} {at // 60} * * *", kwargs={"meal": meal})
        for meal, at in times
    ]


def _minutes_before(time: datetime.time, minutes: int) -> int:
    """The minute of the day `minutes` before `time` (of the day before, past midnight)."""
    return (time.hour * 60 + time.minute - minutes) % (24 * 60)


def each_minute_while_there_is_a_bot(key: str) -> list[DefaultSchedule]:
    """Every minute (cron's finest step) while TELEGRAM_BOT_TOKEN is set, and no schedule without a
    bot, so that the run log holds no runs that do nothing: sync_schedules adds it once a token is
    set, and removes it when the token goes."""
    return [DefaultSchedule(name=f"{key}:each_minute", cron="* * * * *")] if settings.TELEGRAM_BOT_TOKEN else []


def when_handed_over(key: str) -> list[DefaultSchedule]:
    """No schedule: a page or an earlier run hands each run over (scheduling.soon.job_soon)."""
    return []


def _meals_end(key: str, *, hours_after: int) -> list[DefaultSchedule]:
    """For each meal, one schedule at each distinct time its windows end (the default's, then each
    other one a mess's own window brings), `hours_after` later, running the messes whose window of
    the meal ends then: `key:meal` follows the default window, `key:meal@HH:MM` is there while some
    mess's own window ends at HH:MM."""
    windows = windows_read()
    schedules = []
    for default in windows.of(None):
        ends = {default.ends_at} | {own[default.meal].ends_at for own in windows.own.values() if default.meal in own}
        for at in [default.ends_at, *sorted(ends - {default.ends_at})]:
            schedules.append(
                DefaultSchedule(
                    name=f"{key}:{default.meal}" if at == default.ends_at else f"{key}:{default.meal}@{at:%H:%M}",
                    cron=f"{at.minute} {(at.hour + hours_after) % 24} * * *",
                    kwargs={"meal": default.meal, "ends_at": f"{at:%H:%M}"},
                )
            )
    return schedules


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
        lease_by=("mess_code",),  # one mess's run (after a change there) does not wait for another's
        # Run by the cluster, a task per mess, each holding the lease a run of that mess alone holds.
        parts=alerts_parts,
        part_param="mess_code",
    ),
    Job(
        key="send_admin_notifications",
        func=notifications_send,
        description="Notifies officials and admins of a meal's critical feedback (low ratings with comments, hygiene).",
        default_schedules=after_each_meal,
        defaults_come_and_go=True,  # one schedule per time some window needs
        params=(
            Param("meal", meal_check, required=True, metavar="MEAL", help=f"The meal whose feedback to check: {MEALS}."),
            Param("date", a_day_that_has_been, help="The day (YYYY-MM-DD); default today."),
            Param("ends_at", a_time_of_day, metavar="HH:MM", help=ENDS_AT_HELP),
            Param(
                "served_now",
                bool_value,
                flag="--now",
                help="Also a meal still being served: its comments written after this run then go out in a second "
                "e-mail, with the meal's own run when it ends.",
            ),
        ),
        # One run at a time for every meal (no lease_by): a run also makes up the meals before its own,
        # which another meal's run may cover too, and each critical entry goes in one e-mail.
        # Run by the cluster, a task per mess whose window it is, each holding its mess's lease.
        parts=notifications_parts,
        part_param="mess",
    ),
    Job(
        key="send_waste_reminders",
        func=waste_reminders_send,
        description="Reminds each mess's officials of the floors that recorded no waste for a meal.",
        default_schedules=an_hour_after_each_meal,
        defaults_come_and_go=True,  # one schedule per time some window needs
        params=(
            Param("meal", meal_check, required=True, metavar="MEAL", help=f"The meal whose waste to check: {MEALS}."),
            Param("date", a_day_that_has_been, help="The day (YYYY-MM-DD); default the latest day the meal is over."),
            Param("ends_at", a_time_of_day, metavar="HH:MM", help=ENDS_AT_HELP),
        ),
        lease_by=("meal", "ends_at"),  # each meal's reminders are their own (unique by mess, date and meal)
        # Run by the cluster, a task per mess whose window it is: one mess's broken data leaves the others reminded.
        parts=waste_reminders_parts,
        part_param="mess",
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
        # Run by the cluster, a task per active mess: one mess's broken data leaves the others' reports sent.
        parts=daily_reports_parts,
        part_param="mess",
    ),
    Job(
        key="send_cook_sheet",
        func=cook_sheets_send,
        description="Sends each mess's kitchen the meal's forecast head count and what to cook, at the meal's absence cut-off.",
        default_schedules=at_each_cutoff,
        defaults_come_and_go=True,  # one schedule per time some window needs
        params=(
            Param("meal", meal_check, required=True, metavar="MEAL", help=f"The meal to cook for: {MEALS}."),
            Param("date", a_day_to_cook_for, help="The day (YYYY-MM-DD); default the one whose cut-off has passed and meal not ended."),
            Param("resend", bool_value, help="E-mail the stored sheets of --date again, as they were sent."),
        ),
        lease_by=("meal",),  # each meal's sheets are their own (unique by mess, date and meal)
        # Run by the cluster, a task per mess whose sheet is due: one kitchen's broken forecast leaves the others' sent.
        parts=cook_sheets_parts,
        part_param="mess",
    ),
    Job(
        key="send_menu_messages",
        func=menu_messages_send,
        description="Sends the meal's menu to the students who asked for it, at the time before the meal each mess sets.",
        default_schedules=before_each_menu,
        defaults_come_and_go=True,  # one schedule per time some mess needs
        params=(Param("meal", meal_check, required=True, metavar="MEAL", help=f"The meal whose menu to send: {MEALS}."),),
        lease_by=("meal",),  # each meal's messages are their own (one per student, day and meal)
        # Run by the cluster, a task per mess whose time it is.
        parts=menu_messages_parts,
        part_param="mess",
    ),
    Job(
        key="send_cutoff_reminders",
        func=cutoff_reminders_send,
        description="Reminds the students who asked for it that they are counted in for a meal, an hour before they can no longer "
        "say they will skip it.",
        default_schedules=before_each_cutoff,
        defaults_come_and_go=True,  # one schedule per time some mess needs
        params=(Param("meal", meal_check, required=True, metavar="MEAL", help=f"The meal whose cut-off is coming: {MEALS}."),),
        lease_by=("meal",),
        parts=cutoff_reminders_parts,
        part_param="mess",
    ),
    Job(
        key="send_password_reset",
        func=password_reset_send,
        description=(
            "E-mails a link to set a new password to each user of the address asked about on the reset page, which hands it over; "
            "first sends the reset e-mails earlier runs did not get out."
        ),
        default_schedules=when_handed_over,
        params=(Param("email", an_email_address),),
    ),
    Job(
        key="anonymise_feedback",
        func=feedback_anonymise,
        description="Cuts the link between feedback older than FEEDBACK_RETENTION_DAYS and its student, keeping its rating and comment.",
        default_schedules=cron("45 0 * * *"),
        params=(Param("batch_size", positive_int, metavar="N", help=f"Unlink N entries per UPDATE; default {ANONYMISE_BATCH}."),),
    ),
    Job(
        key="assign_mess_changes",
        func=mess_changes_assign,
        # Daily just after midnight: the first run after a window's last day assigns its requests, and
        # the first run of a move day refuses what still waits and moves the students.
        description="Assigns the mess change requests of closed windows while capacity lasts, tells each student, and moves "
        "those assigned when their move day comes.",
        default_schedules=cron("15 0 * * *"),
        params=(Param("today", date_value, help="Act as on this day (YYYY-MM-DD); default today."),),
    ),
    Job(
        key="telegram_updates",
        func=telegram_updates,
        # Every minute, the floor of cron; each run long-polls for most of its minute (TELEGRAM_POLL_SECONDS),
        # so the bot answers a code within a second or two. Without TELEGRAM_BOT_TOKEN a run does nothing.
        description="Reads the messages people send to the Telegram bot (codes that link their chat, stop) and answers them.",
        default_schedules=each_minute_while_there_is_a_bot,
        defaults_come_and_go=True,  # there while there is a bot
        params=(
            Param("wait", seconds_to_wait, metavar="SECONDS", help="Wait this long for messages (0 to 55); default TELEGRAM_POLL_SECONDS."),
        ),
    ),
    Job(
        key=SEND_MESSAGES,
        func=messages_send,
        description="Sends the messages to phones (Web Push, Telegram) not sent yet: those just stored, and those a failure left.",
        # Each message is also handed over the moment it is stored; this catches what failed.
        default_schedules=cron("* * * * *"),
    ),
    Job(
        key="refresh_day_totals",
        func=day_totals_refresh,
        description="Recomputes each mess's totals of its last 7 finished days and its waste baseline, which the overview reads.",
        default_schedules=cron("5 * * * *"),
    ),
)

# The admins hear when a schedule starts failing, recovers, or is late.
watchers_register(admins_emails)
