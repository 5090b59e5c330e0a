"""Before each meal, what students asked to hear on their phones (mess/messages.py): the meal's menu,
Mess.menu_message_minutes before it starts, and a reminder, REMINDER_LEAD minutes before the meal's
absence cut-off, that they are counted in and may still say they will not eat. Each is stored once
per student, day and meal, whichever run stores it (its key), on days the mess is open, for the
students of the mess that day who chose it; a student who already said they will not eat that meal
gets no reminder, and a meal with no dishes set sends no menu.

Each job runs for one meal, a part per mess whose time it is (the cluster runs them as tasks of
their own, so one mess's broken menu leaves the others told); its schedules sit at each distinct
time some mess needs (mess/jobs.py)."""

import datetime
from collections.abc import Callable

from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext

from mess.absences import absent_students, meal_cutoff
from mess.meals import closed_days, meal_check, windows_read
from mess.menus import menu_of_day
from mess.messages import messages_store, students_of
from mess.models import Meal, MealWindow, Mess, MessageKind
from mess.templatetags.money import rupees
from mess.text import plural

# How long before a meal's absence cut-off its reminder goes out: time enough to decide.
REMINDER_LEAD = 60  # minutes


def menu_due_date(*, mess: Mess, window: MealWindow, now: datetime.datetime) -> datetime.date | None:
    """The date whose `window` meal at `mess` starts within its menu message's minutes of `now`
    (today's, or tomorrow's for a message due before midnight), or None."""
    today = timezone.localdate(now)
    for date in (today, today + datetime.timedelta(days=1)):
        starts = timezone.make_aware(datetime.datetime.combine(date, window.starts_at))
        if starts - datetime.timedelta(minutes=mess.menu_message_minutes) <= now < starts:
            return date
    return None


def reminder_due_date(*, mess: Mess, window: MealWindow, now: datetime.datetime) -> datetime.date | None:
    """The date whose `window` meal at `mess` has its absence cut-off within REMINDER_LEAD minutes
    after `now` (today's, or one of the next two days' for a long cut-off), or None."""
    today = timezone.localdate(now)
    for date in (today, today + datetime.timedelta(days=1), today + datetime.timedelta(days=2)):
        cutoff = meal_cutoff(mess=mess, date=date, window=window)
        if cutoff - datetime.timedelta(minutes=REMINDER_LEAD) <= now < cutoff:
            return date
    return None


def _due(*, meal: str, now: datetime.datetime, due_date: Callable, mess: str | None = None) -> list[tuple[Mess, datetime.date, MealWindow]]:
    """The active messes (only `mess`, by code, when given) whose `due_date` of `meal` is now, with
    that date and window, by code; closed days left out. Three queries."""
    windows = windows_read()
    messes = Mess.objects.filter(is_active=True).order_by("code")
    if mess is not None:
        messes = messes.filter(code=mess)
    due = []
    for m in messes:
        window = windows.window(m.pk, meal)
        if window is not None and (date := due_date(mess=m, window=window, now=now)) is not None:
            due.append((m, date, window))
    if not due:
        return []
    dates = [date for _, date, _ in due]
    closed = closed_days(mess_ids=[m.pk for m, _, _ in due], start=min(dates), end=max(dates))
    return [(m, date, window) for m, date, window in due if (m.pk, date) not in closed]


def _parts(due_date: Callable) -> Callable[[dict], list[tuple[str, str]]]:
    def parts(kwargs: dict) -> list[tuple[str, str]]:
        """The parts of a run (see scheduling.parts): each active mess whose time it is for `meal`, as (code, name)."""
        return [(m.code, m.name) for m, _, _ in _due(meal=kwargs["meal"], now=timezone.now(), due_date=due_date)]

    return parts


def _in_their_language(make: Callable[[], str]):
    """Text made when it is read, so that messages_store makes it in each person's language."""
    return lazy(make, str)()


def _meal_at(meal: str, window: MealWindow) -> str:
    return gettext("%(meal)s at %(time)s") % {"meal": Meal(meal).label, "time": f"{window.starts_at:%H:%M}"}


def _menu_text(meal_menu) -> str:
    lines = [", ".join(meal_menu.veg)] if meal_menu.veg else []
    nonveg = meal_menu.nonveg + [f"{offer.name} {rupees(offer.price)}" for offer in meal_menu.offers]
    if nonveg:
        lines.append(gettext("Non-veg: %(dishes)s") % {"dishes": ", ".join(nonveg)})
    return "\n".join(lines)


def menu_messages_send(*, meal: str, mess: str | None = None) -> str:
    """Stores the menu of `meal` for the students who chose it, at each active mess (only `mess`,
    by code) whose menu message of the meal is due now (see menu_due_date), and hands them to the
    send_messages job. A meal without dishes is not told. Returns a summary; raises ValueError for
    an unknown meal."""
    meal = meal_check(meal)
    told, stored = 0, 0
    for m, date, window in _due(meal=meal, now=timezone.now(), due_date=menu_due_date, mess=mess):
        meal_menu = next((x for x in menu_of_day(mess=m, date=date).meals if x.meal == meal), None)
        if meal_menu is None or not (meal_menu.veg or meal_menu.nonveg or meal_menu.offers):
            continue
        stored += messages_store(
            kind=MessageKind.MENU,
            key=f"{date}:{meal}:{m.pk}",
            users=students_of(mess_ids=[m.pk]),
            title=_in_their_language(lambda meal=meal, window=window: _meal_at(meal, window)),
            body=_in_their_language(lambda meal_menu=meal_menu: _menu_text(meal_menu)),
            url=reverse("mess:feedback"),
        )
        told += 1
    return f"the {meal} menu of {plural(told, 'mess', 'messes')} told: {plural(stored, 'message')} stored"


def cutoff_reminders_send(*, meal: str, mess: str | None = None) -> str:
    """Stores a reminder that they are counted in for `meal`, for the students who chose it and have
    not said they will not eat it, at each active mess (only `mess`, by code) whose cut-off of the
    meal is within REMINDER_LEAD minutes (see reminder_due_date), and hands them to the
    send_messages job. Returns a summary; raises ValueError for an unknown meal."""
    meal = meal_check(meal)
    told, stored = 0, 0
    for m, date, window in _due(meal=meal, now=timezone.now(), due_date=reminder_due_date, mess=mess):
        away = absent_students(mess_ids=[m.pk], start=date, end=date, meals=[meal]).get((m.pk, date, meal), set())
        cutoff = timezone.localtime(meal_cutoff(mess=m, date=date, window=window))
        stored += messages_store(
            kind=MessageKind.CUTOFF_REMINDER,
            key=f"{date}:{meal}:{m.pk}",
            users=students_of(mess_ids=[m.pk]).exclude(Q(pk__in=away)),
            title=_in_their_language(lambda meal=meal, window=window: _will_you_eat(meal, window)),
            body=_in_their_language(lambda cutoff=cutoff, date=date: _reminder_text(cutoff, date)),
            url=reverse("mess:feedback"),
        )
        told += 1
    return f"the {meal} reminders of {plural(told, 'mess', 'messes')}: {plural(stored, 'message')} stored"


def _will_you_eat(meal: str, window: MealWindow) -> str:
    return gettext("%(meal)s: will you eat?") % {"meal": _meal_at(meal, window)}


def _reminder_text(cutoff: datetime.datetime, date: datetime.date) -> str:
    when = f"{cutoff:%H:%M}"
    if cutoff.date() != date:
        when = gettext("%(time)s on %(day)s") % {"time": when, "day": formats.date_format(cutoff.date(), "MONTH_DAY_FORMAT")}
    return gettext("You are counted in. If you will not eat, say so before %(when)s: the kitchen cooks for those who come.") % {
        "when": when
    }


menu_messages_parts = _parts(menu_due_date)
cutoff_reminders_parts = _parts(reminder_due_date)
