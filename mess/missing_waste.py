"""Missing waste: the floors of a mess that recorded no waste for a meal. An hour after each meal
(the send_waste_reminders job) each open, active mess's officials who chose these reminders get one
e-mail listing its floors with no record, never lost and never twice (see mess.emails); the
dashboard lists the gaps of the last 7 days until they are filled."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import Case, DateField, Exists, FilteredRelation, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from mess.email_choices import EMAILS_MISSING_WASTE
from mess.emails import Email, earlier_text, emails_check, emails_deliver, emails_store, emails_unsent
from mess.meals import closed_days, day_check, days_ending, meal_check, meal_windows, messes_of_meal, windows_read
from mess.models import Floor, Meal, MealWindow, Mess, MessageKind, OutgoingEmail, WasteRecord, WasteReminder
from mess.people import messes_recipients
from mess.text import date_format_lazy, lower_lazy, plural

EMAIL = "waste-reminder"  # the e-mail's template, and its OutgoingEmail kind
GAP_DAYS = 7  # the dashboard lists the gaps of this many days, today included


def _last_day_over(*, window: MealWindow, now: datetime.datetime) -> datetime.date:
    """The latest day whose meal of `window` has ended by `now`: today, or yesterday before it ends
    (a schedule an hour after a window that ends late at night runs after midnight)."""
    today = timezone.localdate(now)
    return today if timezone.localtime(now).time() >= window.ends_at else today - datetime.timedelta(days=1)


def _meal_over_check(*, window: MealWindow, date: datetime.date, now: datetime.datetime, mess_code: str | None = None) -> None:
    if date == timezone.localdate(now) and timezone.localtime(now).time() < window.ends_at:
        at = f" at {mess_code}" if mess_code else ""
        raise ValueError(f"{window.meal} of {date} is not over yet{at}: it ends at {window.ends_at:%H:%M}")


def _reminder_days(
    *, meal: str, date: datetime.date | None, ends_at: datetime.time | None, now: datetime.datetime, mess: str | None = None
) -> dict[int, datetime.date]:
    """The day each active mess (only the one whose code is `mess`, when given) is to be reminded
    of for `meal` (only the messes whose window of it ends at `ends_at`, when given): `date`, or the
    latest day its own window of the meal is over. Raises ValueError when `date` is today and the
    meal is not over at a mess whose day it is. Two queries."""
    windows = windows_read()
    days = {}
    active = Mess.objects.filter(is_active=True) if mess is None else Mess.objects.filter(is_active=True, code=mess)
    for mess_id, code in active.order_by("code").values_list("pk", "code"):
        window = windows.window(mess_id, meal)
        if window is None or (ends_at is not None and window.ends_at != ends_at):
            continue
        if date is None:
            days[mess_id] = _last_day_over(window=window, now=now)
        else:
            _meal_over_check(window=window, date=date, now=now, mess_code=code if window.mess_id else None)
            days[mess_id] = date
    if date is not None and not days and ends_at is None and mess is None and (default := windows.window(None, meal)) is not None:
        _meal_over_check(window=default, date=date, now=now)  # no mess to remind: by default hours
    return days


def waste_reminders_parts(kwargs: dict) -> list[tuple[str, str]]:
    """The parts of a send_waste_reminders run (see scheduling.parts): each active mess whose `meal`
    window ends at `ends_at` when given (the run scheduled an hour after it), as (code, name)."""
    return messes_of_meal(meal=kwargs["meal"], ends_at=kwargs.get("ends_at"))


def waste_reminders_send(
    *, meal: str, date: datetime.date | None = None, ends_at: datetime.time | None = None, mess: str | None = None
) -> str:
    """For every active mess, or only the one whose code is `mess` (a part of a run the cluster fans
    out, see `waste_reminders_parts`), (only those whose window of `meal` ends at `ends_at`, when given: the
    run scheduled an hour after it) not closed on `date` (by default the latest day whose `meal` is
    over at that mess, by its own window or the default)
    that has floors with no waste record for that date and meal, stores one WasteReminder naming
    them, once per mess, date and meal, and e-mails it to the mess's active officials who chose
    missing-waste reminders, one e-mail per mess. A mess already reminded of that meal is left
    alone, so a second run stores and sends nothing; a mess without such officials is reminded
    on its dashboard alone (see `waste_gaps`).

    E-mails are never lost, and sent twice only as the same message (see mess.emails): each is
    stored, with its reminder linked, before it is sent, and the reminder is marked as e-mailed
    once the mail server has accepted it. A run first sends, as they were stored, the reminders
    earlier runs did not get out; an e-mail that fails does not stop the others, and the run raises
    EmailsFailed at its end, leaving it to the next run. A constant number of queries whatever the
    number of messes, besides a few per e-mail sent. Raises ValueError for an unknown meal, a date
    after today or before EARLIEST_DATE, or a meal of today that is not over yet."""
    meal = meal_check(meal)
    now = timezone.now()
    if date is not None:
        day_check(date, latest=timezone.localdate(now))
    days = _reminder_days(meal=meal, date=date, ends_at=ends_at, now=now, mess=mess)
    earlier = emails_deliver(emails=emails_unsent(kind=EMAIL), mark_sent=_reminders_mark_sent)
    what = f"{meal} of {_days_text(days)}" + (f" ending at {ends_at:%H:%M}" if ends_at is not None else "")
    if not days:
        emails_check(earlier)
        if ends_at:
            return f"{earlier_text(earlier)}no active mess's {meal} ends at {ends_at:%H:%M}"
        return f"{earlier_text(earlier)}{mess} is not an active mess" if mess else f"{earlier_text(earlier)}no active mess"

    # Each floor checked for its mess's day (today, or yesterday before its window ended): one query.
    unrecorded = (
        Floor.objects.filter(mess_id__in=list(days))
        .annotate(day=Case(*(When(mess_id=m, then=Value(d)) for m, d in days.items()), output_field=DateField()))
        .exclude(Exists(WasteRecord.objects.filter(floor=OuterRef("pk"), date=OuterRef("day"), meal=meal)))
        .exclude(Exists(WasteReminder.objects.filter(mess=OuterRef("mess"), date=OuterRef("day"), meal=meal)))
        .select_related("mess")
        .order_by("mess__code", "name")
    )
    closed = closed_days(mess_ids=list(days), start=min(days.values()), end=max(days.values()))
    missing: dict[int, list[Floor]] = defaultdict(list)
    for floor in unrecorded:
        if (floor.mess_id, days[floor.mess_id]) not in closed:
            missing[floor.mess_id].append(floor)
    if not missing:
        emails_check(earlier)
        return f"{earlier_text(earlier)}every floor of every open mess recorded waste for {what} or was reminded"

    reminders = {
        mess_id: WasteReminder(mess=floors[0].mess, date=days[mess_id], meal=meal, floors=[f.name for f in floors])
        for mess_id, floors in missing.items()
    }
    recipients = messes_recipients(mess_ids=list(missing), about=EMAILS_MISSING_WASTE, with_admins=False)
    outgoing = [
        (Email(EMAIL, _email_context(reminder), recipients[mess_id]), reminder)
        for mess_id, reminder in reminders.items()
        if recipients[mess_id]
    ]

    def store(stored: list[tuple[OutgoingEmail, WasteReminder]]) -> None:
        # The reminders are stored, each linked to its e-mail, in the write that stores the e-mails:
        # the unique (mess, date, meal) makes a second run that raced this one fail, not send twice.
        for email, reminder in stored:
            reminder.email = email
        WasteReminder.objects.bulk_create(list(reminders.values()))

    stored = emails_store(emails=outgoing, link=store, also_as=MessageKind.MISSING_WASTE)
    delivery = emails_deliver(emails=stored, mark_sent=_reminders_mark_sent)
    emails_check(earlier, delivery)
    floors = sum(len(floors) for floors in missing.values())
    return (
        f"{earlier_text(earlier)}{plural(len(reminders), 'mess', 'messes')} missing waste for {what} "
        f"({plural(floors, 'floor')}), {plural(len(delivery.sent), 'e-mail')} sent"
    )


def _days_text(days: dict[int, datetime.date]) -> str:
    return " and ".join(str(d) for d in sorted(set(days.values()))) or str(timezone.localdate())


def _reminders_mark_sent(email: OutgoingEmail, sent_at: datetime.datetime) -> None:
    WasteReminder.objects.filter(email=email).update(emailed_at=sent_at)


def _email_context(reminder: WasteReminder) -> dict:
    return {
        "mess": reminder.mess,
        "reminder": reminder,
        "meal": lower_lazy(Meal(reminder.meal).label),
        "day": date_format_lazy(reminder.date, "DATE_FORMAT"),
        "link": settings.SITE_URL + reverse("mess:waste", kwargs={"code": reminder.mess.code}),
    }


def waste_gaps(*, mess: Mess, now: datetime.datetime, windows: list[MealWindow] | None = None) -> list[dict]:
    """The meals of the GAP_DAYS days up to `now` for which floors of `mess` have no waste record:
    newest day first, meals in serving order, each with `date`, `meal` (its label), `key` (its value) and `floors` (the
    names of the floors without a record). Meals not over by `now` and days the mess is closed are
    left out, and an inactive mess has no gaps. Three queries (none for an inactive mess)."""
    if not mess.is_active:
        return []
    start, today = days_ending(end=timezone.localdate(now), days=GAP_DAYS)
    time = timezone.localtime(now).time()
    windows = meal_windows(mess=mess) if windows is None else windows
    # Each floor with each of its records of those days (none: a row of its own with no date).
    in_days = FilteredRelation("waste_records", condition=Q(waste_records__date__gte=start, waste_records__date__lte=today))
    rows = (
        Floor.objects.filter(mess=mess).annotate(record=in_days).order_by("name").values_list("pk", "name", "record__date", "record__meal")
    )
    floors, recorded = {}, set()
    for pk, name, date, meal in rows:
        floors[pk] = name
        recorded.add((pk, date, meal))
    if not floors:
        return []
    closed = closed_days(mess_ids=[mess.pk], start=start, end=today)
    gaps = []
    for back in range(GAP_DAYS):
        day = today - datetime.timedelta(days=back)
        if (mess.pk, day) in closed:
            continue
        for window in windows:
            if day == today and window.ends_at > time:
                continue
            missing = [name for pk, name in floors.items() if (pk, day, window.meal) not in recorded]
            if missing:
                gaps.append({"date": day, "meal": window.get_meal_display(), "key": window.meal, "floors": missing})
    return gaps
