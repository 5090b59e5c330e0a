"""The menu before each meal: a little before each meal starts (the mess's `menu_minutes_before`,
30 by default, 0 for never), what it serves goes to the phones of its students who chose it
(mess/messages.py), the way students' own Telegram bots post the mess menu today. The job
`send_meal_menus` runs every minute; each meal's menu is stored once per mess and day (its key), so
the runs during the minutes before the meal store it once, and a run late by a few minutes (a cluster
that was down) still sends it before the meal starts, never after."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from mess.meals import windows_read
from mess.menus import menu_of_day
from mess.messages import messages_store, students_of
from mess.models import Meal, Mess, MessageKind
from mess.text import plural


def meal_menus_send(*, now: datetime.datetime | None = None) -> str:
    """Stores the menu of each meal of each active mess whose window starts within the mess's
    `menu_minutes_before` of `now` (default: the present), for its students who chose it, unless the
    mess is closed that day or the meal has no dishes; sending is send_messages' (handed over at
    once). Returns a summary. Two queries, and a few per meal about to start."""
    now = timezone.localtime(now or timezone.now())
    today, time = now.date(), now.time()
    windows = windows_read()
    stored = meals = 0
    for mess in Mess.objects.filter(is_active=True, menu_minutes_before__gt=0).order_by("code"):
        ahead = datetime.timedelta(minutes=mess.menu_minutes_before)
        soon = [w for w in windows.of(mess.pk) if datetime.timedelta(0) < _until(today, time, w.starts_at) <= ahead]
        if not soon:
            continue
        menu = menu_of_day(mess=mess, date=today)
        if menu.closed:
            continue
        for window in soon:
            dishes = menu.meal(window.meal).dishes
            if not dishes:
                continue
            meals += 1
            stored += messages_store(
                kind=MessageKind.MENU,
                key=f"{mess.pk}:{today}:{window.meal}",
                users=students_of(mess_ids=[mess.pk]),
                title=format_lazy(gettext_lazy("{meal} at {time}"), meal=Meal(window.meal).label, time=f"{window.starts_at:%H:%M}"),
                body=", ".join(dishes),
                url=reverse("mess:feedback"),
            )
    return f"{plural(meals, 'meal')} about to start, {plural(stored, 'message')} stored for students' phones"


def _until(today: datetime.date, time: datetime.time, starts_at: datetime.time) -> datetime.timedelta:
    return datetime.datetime.combine(today, starts_at) - datetime.datetime.combine(today, time)
