"""What follows when recorded waste or feedback changes (recorded, corrected, deleted, imported): every
figure computed from those days is brought up to date. Each write of waste or feedback ends by
calling `records_changed`, in its transaction."""

import datetime

from django.utils import timezone

from mess.models import Mess
from mess.overview import day_totals_refresh
from mess.reports import daily_reports_correct
from mess.waste_value import waste_baselines_follow
from scheduling.soon import job_soon

# How soon the alerts follow a change: soon enough for the dashboard an official opens next, late
# enough that a floor-by-floor round of saves (or an import) is evaluated once.
ALERTS_WITHIN_SECONDS = 15


def records_changed(*, dates: list[datetime.date], mess_ids: list[int] | None = None) -> None:
    """The waste or feedback of `dates` at the messes named (None: any mess) changed: their kept
    day (and week) totals, the stored waste baselines those days are in, and their stored daily
    reports are recomputed now, in the caller's transaction (a report that changes is marked
    corrected, and not e-mailed again), and their alerts are re-evaluated by the cluster within
    ALERTS_WITHIN_SECONDS of the commit, several changes in a row once. A constant number of queries
    whatever the number of dates, and a few for each mess named (its alerts' hand-over); None hands
    every mess's alerts over as one run."""
    if not dates:
        return
    day_totals_refresh(dates=dates, mess_ids=mess_ids)
    waste_baselines_follow(dates=dates, mess_ids=mess_ids)
    # A day not over has no stored report (daily_reports_send refuses it): today's feedback, saved in
    # a crowd, reads none inside its transaction.
    over = [date for date in dates if date < timezone.localdate()]
    if over:
        daily_reports_correct(dates=over, mess_ids=mess_ids)
    if mess_ids is None:
        job_soon("generate_alerts", within_seconds=ALERTS_WITHIN_SECONDS)
        return
    for code in Mess.objects.filter(pk__in=mess_ids).order_by("code").values_list("code", flat=True):
        job_soon("generate_alerts", kwargs={"mess_code": code}, within_seconds=ALERTS_WITHIN_SECONDS)
