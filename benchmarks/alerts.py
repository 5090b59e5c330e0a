"""Item 1: generate_alerts (the service the job runs) against the two hand-written aggregate queries
that compute the same alerts on the same database, the floor no implementation can beat; and one
mess's alerts, whose window holds the same rows at every scale, to show the cost follows the window
and not the history."""

import datetime
from decimal import Decimal

from django.db import connection

from benchmarks.common import day_after_data, summary, timed
from mess.alerts import alert_conditions, alerts_generate
from mess.models import Feedback, Floor, Mess, WasteRecord

RUNS = 15
CENTS = Decimal("0.01")


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def alerts_by_sql(*, start: datetime.date, end: datetime.date) -> set[tuple]:
    """The alert conditions over `start`..`end` for every active mess, in two aggregate queries
    written by hand, as (floor id or mess id, kind, floor id or meal, value). Assumes every mess has
    the same window (the generated ones all have 7 days). The thresholds are compared in HAVING,
    through a subquery per group: joined to the aggregate instead, MariaDB may compute the
    aggregate mess by mess through the mess index (its "split materialized" plan), over all history."""
    waste_sql = (
        f"SELECT w.floor_id, SUM(w.total_kg) FROM {_quoted(WasteRecord)} w WHERE w.date BETWEEN %s AND %s GROUP BY w.floor_id"
        f" HAVING SUM(w.total_kg) > (SELECT m.waste_threshold_kg FROM {_quoted(Floor)} f JOIN {_quoted(Mess)} m ON m.id = f.mess_id"
        f" WHERE f.id = w.floor_id AND m.is_active)"
    )
    ratings_sql = (
        f"SELECT r.mess_id, r.meal, SUM(r.rating), COUNT(*) FROM {_quoted(Feedback)} r WHERE r.date BETWEEN %s AND %s"
        f" GROUP BY r.mess_id, r.meal"
        f" HAVING SUM(r.rating) < (SELECT m.rating_threshold FROM {_quoted(Mess)} m WHERE m.id = r.mess_id AND m.is_active) * COUNT(*)"
    )
    dates = [start.isoformat(), end.isoformat()]
    with connection.cursor() as cursor:
        cursor.execute(waste_sql, dates)
        found = {(floor_id, "high_waste", Decimal(str(kg)).quantize(CENTS)) for floor_id, kg in cursor.fetchall()}
        cursor.execute(ratings_sql, dates)
        found |= {(mess_id, "low_rating", meal, (Decimal(total) / n).quantize(CENTS)) for mess_id, meal, total, n in cursor.fetchall()}
    return found


def measure(*, runs: int = RUNS) -> dict:
    with day_after_data() as today:
        messes = list(Mess.objects.filter(is_active=True))
        days = {m.alert_window_days for m in messes}
        if len(days) != 1:
            raise RuntimeError(f"the hand-written queries assume one window length; the messes have {sorted(days)}")
        start = today - datetime.timedelta(days=days.pop() - 1)
        one_mess = messes[0].code

        # The first runs open the alerts; the measured ones find them open and update them, as
        # every hourly run but the first does.
        alerts_generate()
        alerts_generate()
        _, conditions = alert_conditions(as_of=today)
        floors = {(f.mess_id, f.name): f.pk for f in Floor.objects.all()}
        expected = {
            (floors[c["mess"].pk, c["subject"]], c["kind"], c["value"])
            if c["kind"] == "high_waste"
            else (c["mess"].pk, c["kind"], c["subject"], c["value"])
            for c in conditions
        }
        by_sql = alerts_by_sql(start=start, end=today)
        if by_sql != expected:
            raise RuntimeError(f"the hand-written queries disagree with generate_alerts: {sorted(by_sql ^ expected)[:10]}")

        service, sql, mess_only = [], [], []
        # Interleaved, so that a burst of other work on the machine hits both sides alike.
        for _ in range(runs):
            service.append(timed(alerts_generate)[0])
            sql.append(timed(alerts_by_sql, start=start, end=today)[0])
            mess_only.append(timed(alerts_generate, mess_code=one_mess)[0])

    window_feedback = Feedback.objects.filter(date__range=(start, today)).count()
    result = {
        "alerts": len(expected),
        "window_feedback_rows": window_feedback,
        "generate_alerts": summary(service),
        "hand_written_sql": summary(sql),
        "one_mess": {"mess": one_mess, **summary(mess_only)},
    }
    result["ratio_to_sql"] = round(result["generate_alerts"]["p50_ms"] / result["hand_written_sql"]["p50_ms"], 2)
    return result
