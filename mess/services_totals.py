"""The refresh_day_totals job: keeps each mess's figures of the last finished days (DayTotals), so
that the overview of every mess reads a few rows per mess instead of all their diners' feedback."""

import datetime

from django.db import transaction
from django.utils import timezone

from mess.bulk import upsert
from mess.models import DayTotals, Mess
from mess.selectors import DAY_FIGURES, day_figures
from mess.text import plural

KEPT_DAYS = 7  # the overview's six finished days, and one to spare
UNIQUE = ["date", "mess"]


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
