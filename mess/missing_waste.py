"""Missing waste: the floors of a mess that recorded no waste for a meal. An hour after each meal
(the send_waste_reminders job) each open, active mess's officials who chose these reminders get one
e-mail listing its floors with no record, never lost and never twice (see mess.emails); the
dashboard lists the gaps of the last 7 days until they are filled."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import Exists, FilteredRelation, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from mess.email_choices import EMAILS_MISSING_WASTE
from mess.emails import Email, earlier_text, emails_check, emails_deliver, emails_store, emails_unsent
from mess.meals import closed_days, day_check, days_ending, meal_check, meal_windows
from mess.models import Floor, Meal, MealWindow, Mess, OutgoingEmail, WasteRecord, WasteReminder
from mess.people import messes_recipients
from mess.text import plural

EMAIL = "waste-reminder"  # the e-mail's template, and its OutgoingEmail kind
GAP_DAYS = 7  # the dashboard lists the gaps of this many days, today included


def _last_day_over(*, meal: str, now: datetime.datetime) -> datetime.date:
    """The latest day whose `meal` window has ended by `now`: today, or yesterday before it ends
    (a schedule an hour after a window that ends late at night runs after midnight)."""
    window = next(w for w in meal_windows() if w.meal == meal)
    today = timezone.localdate(now)
    return today if timezone.localtime(now).time() >= window.ends_at else today - datetime.timedelta(days=1)


def _meal_over_check(*, meal: str, date: datetime.date, now: datetime.datetime) -> None:
    window = next(w for w in meal_windows() if w.meal == meal)
    if date == timezone.localdate(now) and timezone.localtime(now).time() < window.ends_at:
        raise ValueError(f"{meal} of {date} is not over yet: it ends at {window.ends_at:%H:%M}")


def waste_reminders_send(*, meal: str, date: datetime.date | None = None) -> str:
    """For every active mess not closed on `date` (by default the latest day whose `meal` is over)
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
    if date is None:
        date = _last_day_over(meal=meal, now=now)
    else:
        day_check(date, latest=timezone.localdate(now))
        _meal_over_check(meal=meal, date=date, now=now)
    earlier = emails_deliver(emails=emails_unsent(kind=EMAIL), mark_sent=_reminders_mark_sent)

    unrecorded = (
        Floor.objects.filter(mess__is_active=True)
        .exclude(Exists(WasteRecord.objects.filter(floor=OuterRef("pk"), date=date, meal=meal)))
        .exclude(Exists(WasteReminder.objects.filter(mess=OuterRef("mess"), date=date, meal=meal)))
        .select_related("mess")
        .order_by("mess__code", "name")
    )
    closed = closed_days(mess_ids=None, start=date, end=date)
    missing: dict[int, list[Floor]] = defaultdict(list)
    for floor in unrecorded:
        if (floor.mess_id, date) not in closed:
            missing[floor.mess_id].append(floor)
    what = f"{meal} of {date}"
    if not missing:
        emails_check(earlier)
        return f"{earlier_text(earlier)}every floor of every open mess recorded waste for {what} or was reminded"

    reminders = {
        mess_id: WasteReminder(mess=floors[0].mess, date=date, meal=meal, floors=[f.name for f in floors])
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

    stored = emails_store(emails=outgoing, link=store)
    delivery = emails_deliver(emails=stored, mark_sent=_reminders_mark_sent)
    emails_check(earlier, delivery)
    floors = sum(len(floors) for floors in missing.values())
    return (
        f"{earlier_text(earlier)}{plural(len(reminders), 'mess', 'messes')} missing waste for {what} "
        f"({plural(floors, 'floor')}), {plural(len(delivery.sent), 'e-mail')} sent"
    )


def _reminders_mark_sent(email: OutgoingEmail, sent_at: datetime.datetime) -> None:
    WasteReminder.objects.filter(email=email).update(emailed_at=sent_at)


def _email_context(reminder: WasteReminder) -> dict:
    return {
        "mess": reminder.mess,
        "reminder": reminder,
        "meal": Meal(reminder.meal).label.lower(),
        "day": date_format(reminder.date, "l j F Y"),
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
    windows = meal_windows() if windows is None else windows
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
