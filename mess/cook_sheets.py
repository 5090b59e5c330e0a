"""The cook sheet: at each meal's cut-off, the kitchen of each mess is told how many will come
(mess/forecast.py), how many signed up and how many said they will not eat, and how much to cook:
the forecast and the mess's margin, in portions and, where the mess records what it cooks, in
kilograms. Stored once per mess, date and meal (CookSheet), and e-mailed to the mess's officials who
chose cook sheets and to its kitchen's address, through the e-mail path that never loses one
(mess/emails.py). A day the mess is closed has no sheet and tells nobody."""

import datetime
import math
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from mess.absences import meal_cutoff
from mess.email_choices import EMAILS_COOK_SHEET
from mess.emails import Email, earlier_text, emails_check, emails_deliver, emails_store, emails_unsent
from mess.forecast import SLOT_WEEKS, forecasts, head_counts
from mess.meals import closed_days, day_check, meal_check, meal_windows, windows_read
from mess.models import CookedFood, CookSheet, Meal, MealWindow, Mess, MessageKind, OutgoingEmail
from mess.people import messes_recipients
from mess.text import date_format_lazy, lower_lazy, plural

EMAIL = "cook-sheet"
MIN_COOKED_MEALS = 3  # meals with both cooked kilograms and a head count before a sheet says kilograms


def sheet_due_date(*, mess: Mess, window: MealWindow, now: datetime.datetime) -> datetime.date | None:
    """The date whose `window` meal at `mess` has passed its cut-off and not ended by `now`: today's,
    or tomorrow's or the day after's for a cut-off of many hours. None when no sheet of that meal is
    due now."""
    today = timezone.localdate(now)
    for date in (today, today + datetime.timedelta(days=1), today + datetime.timedelta(days=2)):
        ends = timezone.make_aware(datetime.datetime.combine(date, window.ends_at))
        if meal_cutoff(mess=mess, date=date, window=window) <= now < ends:
            return date
    return None


def _sheets_due(*, meal: str, date: datetime.date | None, now: datetime.datetime, mess: str | None = None) -> dict:
    """Which sheets of `meal` a run looks at: `messes`, the active messes serving it (only the one
    whose code is `mess`, when given), the date each is `due` (`date`, or see sheet_due_date; None:
    not due), the `dates` due, the `closed` (mess id, date) pairs among them, the sheets `stored`
    already by (mess id, date), and the messes `wanted`: due and open. Four queries."""
    windows = windows_read()  # each mess's own, or the default
    active = Mess.objects.filter(is_active=True) if mess is None else Mess.objects.filter(is_active=True, code=mess)
    messes = [m for m in active.order_by("code") if windows.window(m.pk, meal) is not None]
    due = {m.pk: date or sheet_due_date(mess=m, window=windows.window(m.pk, meal), now=now) for m in messes}
    dates = sorted({d for d in due.values() if d})
    closed = closed_days(mess_ids=[m.pk for m in messes], start=min(dates), end=max(dates)) if dates else set()
    stored = {(s.mess_id, s.date): s for s in CookSheet.objects.filter(mess__in=messes, date__in=dates, meal=meal)} if dates else {}
    wanted = [m for m in messes if due[m.pk] and (m.pk, due[m.pk]) not in closed]
    return {"messes": messes, "due": due, "dates": dates, "closed": closed, "stored": stored, "wanted": wanted}


def cook_sheets_parts(kwargs: dict) -> list[tuple[str, str]]:
    """The parts of a send_cook_sheet run (see scheduling.parts): each active mess whose sheet of
    `meal` is due and open, and not stored yet (unless `resend`), as (code, name). The runs at each
    cut-off of the day thereby hand out only the messes whose cut-off has come."""
    if kwargs.get("resend") and kwargs.get("date") is None:
        return []  # refused by cook_sheets_send: the run fails whole, once
    found = _sheets_due(meal=kwargs["meal"], date=kwargs.get("date"), now=timezone.now())
    return [(m.code, m.name) for m in found["wanted"] if kwargs.get("resend") or (m.pk, found["due"][m.pk]) not in found["stored"]]


def cook_sheets_send(*, meal: str, date: datetime.date | None = None, resend: bool = False, mess: str | None = None) -> str:
    """For every active mess (or only the one whose code is `mess`: a part of a run the cluster fans
    out, see `cook_sheets_parts`) whose cut-off for `meal` has passed and whose meal has not ended (see
    sheet_due_date), or with `date` for that date, stores the meal's CookSheet, unless the mess is
    closed that day or has one already, and e-mails it. With `resend`, the stored sheets of `date` are
    e-mailed again (as stored: the figures the kitchen had). A run first sends the sheets earlier runs
    stored and did not get out; an e-mail that fails does not stop the others, and the run raises
    EmailsFailed at its end. A fixed number of queries whatever the number of messes, besides a few
    per e-mail sent. Raises ValueError for an unknown meal, a date before EARLIEST_DATE, or `resend`
    without a date."""
    meal = meal_check(meal)
    if resend and date is None:
        raise ValueError("--resend needs the --date of the sheets to send again")
    if date is not None:
        day_check(date, latest=timezone.localdate() + datetime.timedelta(days=2))
    now = timezone.now()
    earlier = emails_deliver(emails=emails_unsent(kind=EMAIL), mark_sent=_sheets_mark_sent)
    found = _sheets_due(meal=meal, date=date, now=now, mess=mess)
    messes, due, dates, closed, stored, wanted = (found[k] for k in ("messes", "due", "dates", "closed", "stored", "wanted"))
    new = [m for m in wanted if (m.pk, due[m.pk]) not in stored]
    sheets = cook_sheets_make(due=[(m, due[m.pk]) for m in new], meal=meal)
    to_send = sheets + ([stored[m.pk, due[m.pk]] for m in wanted if (m.pk, due[m.pk]) in stored] if resend else [])
    delivery = _sheets_email(sheets=to_send, new=sheets)
    emails_check(earlier, delivery)
    closed_text = f", {plural(sum((m.pk, due[m.pk]) in closed for m in messes if due[m.pk]), 'mess', 'messes')} closed" if closed else ""
    return (
        f"{earlier_text(earlier)}{plural(len(sheets), 'cook sheet')} of {meal} ({', '.join(map(str, dates)) or 'none due'}), "
        f"{plural(len(delivery.sent), 'e-mail')} sent{closed_text}"
    )


def cook_sheets_make(*, due: list[tuple[Mess, datetime.date]], meal: str) -> list[CookSheet]:
    """The sheets (unsaved) of `meal` at each mess on its date in `due`, from its forecast as known
    now: for a date whose cut-off has passed, what was known at the cut-off (the forecast reads the
    absences known by then and the head counts of the days before, and the kilograms per diner are
    those cooked before the date), unless absences or head counts of then were changed since. A fixed
    number of queries whatever the number of messes, and two more for each date."""
    if not due:
        return []
    messes = list({mess.pk: mess for mess, _ in due}.values())
    dates = sorted({date for _, date in due})
    found = forecasts(messes=messes, meals=[(date, meal) for date in dates])
    per_diner = {date: _cooked_per_diner(messes=[m for m, d in due if d == date], meal=meal, before=date) for date in dates}
    sheets = []
    for mess, date in due:
        forecast = found[mess.pk, date, meal]
        to_cook = math.ceil(forecast.expected * (1 + mess.cook_margin_percent / 100))
        kg = per_diner[date].get(mess.pk)
        sheets.append(
            CookSheet(
                mess=mess,
                date=forecast.date,
                meal=meal,
                students=forecast.students,
                absent=forecast.absent,
                forecast=forecast.expected,
                explanation=forecast.explanation[:255],
                to_cook=to_cook,
                cook_kg=(kg * to_cook).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if kg is not None else None,
            )
        )
    return sheets


def _cooked_per_diner(*, messes: list[Mess], meal: str, before: datetime.date) -> dict[int, Decimal]:
    """Kilograms cooked per diner of `meal` at each mess that records what it cooks, over the
    SLOT_WEEKS weeks before `before`: the cooked kilograms of the meals with a head count, over
    those head counts. Two queries."""
    start = before - datetime.timedelta(weeks=SLOT_WEEKS)
    cooked = CookedFood.objects.filter(mess__in=messes, meal=meal, date__gte=start, date__lt=before)
    rows = list(cooked.values_list("mess_id", "date", "kg"))
    if not rows:
        return {}
    counts = head_counts(mess_ids=[m.pk for m in messes], start=start, end=before - datetime.timedelta(days=1))
    sums: dict[int, list] = {}
    for mess_id, date, kg in rows:
        count = counts.get((mess_id, date, meal))
        if count:
            total = sums.setdefault(mess_id, [0, Decimal(0), 0])
            total[0], total[1], total[2] = total[0] + 1, total[1] + kg, total[2] + count
    return {mess_id: kg / diners for mess_id, (meals, kg, diners) in sums.items() if meals >= MIN_COOKED_MEALS}


def _sheets_email(*, sheets: list[CookSheet], new: list[CookSheet]):
    """Stores the `new` sheets and the e-mails of all `sheets` (each linked to its sheet) in one write,
    then sends them."""
    mess_ids = sorted({s.mess_id for s in sheets})
    recipients = messes_recipients(mess_ids=mess_ids, about=EMAILS_COOK_SHEET, with_admins=False) if sheets else {}
    outgoing = []
    for sheet in sheets:
        to = sorted({*recipients[sheet.mess_id], *([sheet.mess.kitchen_email] if sheet.mess.kitchen_email else [])})
        if to:
            outgoing.append((Email(EMAIL, _email_context(sheet), to), sheet))

    def store(stored: list[tuple[OutgoingEmail, CookSheet]]) -> None:
        # The new sheets are stored, each linked to its e-mail, in the write that stores the e-mails:
        # the unique (mess, date, meal) makes a second run that raced this one fail, not send twice.
        for email, sheet in stored:
            sheet.email = email
        CookSheet.objects.bulk_create(new)
        CookSheet.objects.bulk_update([s for _, s in stored if s not in new], ["email"])

    stored = emails_store(emails=outgoing, link=store, also_as=MessageKind.COOK_SHEET)
    return emails_deliver(emails=stored, mark_sent=_sheets_mark_sent)


def _sheets_mark_sent(email: OutgoingEmail, sent_at: datetime.datetime) -> None:
    CookSheet.objects.filter(email=email).update(emailed_at=sent_at)


def _email_context(sheet: CookSheet) -> dict:
    return {
        "mess": sheet.mess,
        "sheet": sheet,
        "meal": lower_lazy(Meal(sheet.meal).label),
        "day": date_format_lazy(sheet.date, "DATE_FORMAT"),
        "link": settings.SITE_URL + reverse("mess:dashboard", kwargs={"code": sheet.mess.code}),
    }


def cook_sheet_next(*, mess: Mess, now: datetime.datetime) -> CookSheet | None:
    """The sheet of the next meal of `mess` once its cut-off has passed (the meal being cooked), or
    None before. One query (two for the windows)."""
    for window in meal_windows(mess=mess):
        date = sheet_due_date(mess=mess, window=window, now=now)
        if date is not None:
            return CookSheet.objects.filter(mess=mess, date=date, meal=window.meal).first()
    return None


def cook_sheets_recent(*, mess: Mess, today: datetime.date, days: int = 7) -> list[dict]:
    """The sheets of the `days` days up to `today`, oldest first, each with the head count recorded
    afterwards (None until every floor recorded one): `sheet`, `came`, `error` (came − forecast).
    Three queries."""
    start = today - datetime.timedelta(days=days - 1)
    sheets = list(CookSheet.objects.filter(mess=mess, date__gte=start, date__lte=today).order_by("date", "meal"))
    counts = head_counts(mess_ids=[mess.pk], start=start, end=today) if sheets else {}
    order = {meal: i for i, meal in enumerate(Meal.values)}
    rows = []
    for sheet in sorted(sheets, key=lambda s: (s.date, order[s.meal])):
        came = counts.get((mess.pk, sheet.date, sheet.meal))
        rows.append({"sheet": sheet, "came": came, "error": None if came is None else came - sheet.forecast})
    return rows


def cooked_total(*, mess: Mess, start: datetime.date, end: datetime.date) -> Decimal | None:
    """The kilograms `mess` recorded cooking from `start` to `end`, None when it recorded none. One query."""
    return CookedFood.objects.filter(mess=mess, date__gte=start, date__lte=end).aggregate(kg=Sum("kg"))["kg"]
