"""Each mess's day in figures, and the admins' overview of every mess that reads them (with what each
mess's waste is worth, ranked by its progress against its goal). DayTotals
keeps a row per mess and finished day (kept by the refresh_day_totals job and by every service that
writes waste or feedback of a past day), so that the overview reads a few rows per mess instead of
all their diners' feedback; today, and any day without a row, is summed from the records."""

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from mess.bulk import upsert
from mess.figures import KG_SUM, average, cents, grams_per_diner
from mess.meals import days_ending
from mess.models import Alert, DailyReport, DayTotals, Feedback, Mess, WasteRecord
from mess.text import plural
from mess.waste_value import waste_goals, waste_valued

KEPT_DAYS = 7  # the overview's six finished days, and one to spare
UNIQUE = ["date", "mess"]
DAY_FIGURES = ("waste_records", "waste_kg", "counted_kg", "diners", "feedback_count", "rating_sum")


def day_figures(*, dates: list[datetime.date], mess_ids: list[int] | None = None) -> dict[tuple[int, datetime.date], dict]:
    """The figures DayTotals keeps (DAY_FIGURES), summed from the waste records and feedback of
    `dates` (of the messes named, or of all), by (mess id, date); pairs without any record are
    left out. Two queries."""
    waste = WasteRecord.objects.filter(date__in=dates)
    feedback = Feedback.objects.filter(date__in=dates)
    if mess_ids is not None:
        waste, feedback = waste.filter(floor__mess_id__in=mess_ids), feedback.filter(mess_id__in=mess_ids)
    figures = defaultdict(lambda: dict.fromkeys(DAY_FIGURES, 0))
    for r in (
        waste.values("floor__mess_id", "date")
        .annotate(
            n=Count("*"),
            kg=Sum("total_kg", output_field=KG_SUM),
            counted_kg=Sum("total_kg", filter=Q(diners__gt=0), output_field=KG_SUM),
            diners=Sum("diners", filter=Q(diners__gt=0)),
        )
        .order_by()
    ):
        figures[r["floor__mess_id"], r["date"]].update(
            waste_records=r["n"], waste_kg=cents(r["kg"]), counted_kg=cents(r["counted_kg"] or 0), diners=r["diners"] or 0
        )
    for r in feedback.values("mess_id", "date").annotate(n=Count("*"), total=Sum("rating")).order_by():
        figures[r["mess_id"], r["date"]].update(feedback_count=r["n"], rating_sum=r["total"])
    return dict(figures)


def day_totals_kept(*, today: datetime.date) -> list[datetime.date]:
    """The finished days DayTotals keeps: the KEPT_DAYS days before `today`, newest first."""
    return [today - datetime.timedelta(days=n) for n in range(1, KEPT_DAYS + 1)]


def day_totals_refresh(*, dates: list[datetime.date] | None = None, mess_ids: list[int] | None = None) -> str:
    """Recomputes the DayTotals of `dates` (default: every kept day) for the messes named (default:
    every mess, active or not) from their waste records and feedback, and deletes the rows of days
    no longer kept. Dates outside the kept days are ignored: today is not over, and older days are
    read from the records. One transaction, a constant number of queries."""
    today = timezone.localdate()
    kept = day_totals_kept(today=today)
    every_day = dates is None
    dates = kept if every_day else sorted(set(dates) & set(kept), reverse=True)
    if not dates:
        return "no kept day to refresh"
    with transaction.atomic():
        messes = Mess.objects.all() if mess_ids is None else Mess.objects.filter(pk__in=mess_ids)
        ids = list(messes.order_by("pk").values_list("pk", flat=True))
        rows = [(date, mess_id) for date in sorted(dates) for mess_id in ids]
        # The rows first, created or locked (in one order for every caller): only then the sums,
        # which thereby see every record committed by a writer that refreshed them before. Summed
        # first, a refresh could write figures that miss a record another refresh has just counted.
        placeholders = [DayTotals(date=date, mess_id=mess_id) for date, mess_id in rows]
        upsert(DayTotals, placeholders, unique_fields=UNIQUE, update_fields=["computed_at"])
        figures = day_figures(dates=dates, mess_ids=ids)
        if every_day:
            DayTotals.objects.exclude(date__in=kept).delete()
        zeros = dict.fromkeys(DAY_FIGURES, 0)
        upsert(
            DayTotals,
            [DayTotals(date=date, mess_id=mess_id, **figures.get((mess_id, date), zeros)) for date, mess_id in rows],
            unique_fields=UNIQUE,
            update_fields=[*DAY_FIGURES, "computed_at"],
        )
    return f"refreshed the totals of {plural(len(ids), 'mess', 'messes')} for {plural(len(dates), 'day')} ({dates[-1]} to {dates[0]})"


def messes_overview(*, today: datetime.date) -> list[dict]:
    """One row per mess: `mess`, the 7 days ending `today`'s `waste_kg`, what it is worth (`valued`,
    None without waste) and `grams_per_diner`, `feedback_count` and `average_rating`, the
    `open_alerts` count, the date of its `last_report` (None when none) and its `goal`
    (mess.waste_value.Goal). Ranked by progress: the largest reduction against its baseline first,
    then the messes whose progress cannot be measured (no baseline, or no head count this week), each
    group by code. Six queries whatever the number of messes.

    The finished days come from DayTotals where it has them (so the page does not grow with the
    number of messes times their diners), today and any finished day it lacks from the records."""
    start, _ = days_ending(end=today, days=7)
    # Each mess's latest report by its own index entry, not a MAX over every report ever stored.
    latest = DailyReport.objects.filter(mess=OuterRef("pk")).order_by("-date").values("date")[:1]
    messes = list(Mess.objects.annotate(last_report=Subquery(latest)).order_by("code"))
    finished = DayTotals.objects.filter(date__gte=start, date__lt=today)
    stored = {(t["mess_id"], t["date"]): t for t in finished.values("mess_id", "date", *DAY_FIGURES)}
    days = [start + datetime.timedelta(days=n) for n in range(7)]
    counted = [d for d in days[:-1] if all((m.pk, d) in stored for m in messes)]
    summed = day_figures(dates=[d for d in days if d not in counted])
    alerts = dict(Alert.objects.filter(is_open=True).values("mess_id").annotate(n=Count("id")).order_by().values_list("mess_id", "n"))
    goals = waste_goals(messes=messes, today=today)
    rows = []
    for mess in messes:
        week = dict.fromkeys(DAY_FIGURES, 0)
        for day in days:
            figures = stored.get((mess.pk, day)) or summed.get((mess.pk, day))
            if figures:
                for name in DAY_FIGURES:
                    week[name] += figures[name]
        rows.append(
            {
                "mess": mess,
                "waste_kg": cents(week["waste_kg"]) if week["waste_records"] else None,
                "valued": waste_valued(mess=mess, kg=week["waste_kg"]) if week["waste_records"] else None,
                "grams_per_diner": grams_per_diner(week["counted_kg"], week["diners"]),
                "feedback_count": week["feedback_count"],
                "average_rating": average(week["rating_sum"], week["feedback_count"]),
                "open_alerts": alerts.get(mess.pk, 0),
                "last_report": mess.last_report,
                "goal": goals[mess.pk],
            }
        )
    return sorted(rows, key=lambda row: (row["goal"].reduction is None, -(row["goal"].reduction or 0)))  # stable: by code within
