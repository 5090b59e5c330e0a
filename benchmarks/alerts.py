"""Item 1: generate_alerts (the service the job runs) against the two hand-written aggregate queries
that compute the same alerts on the same database, the floor no implementation can beat; and one
mess's alerts, whose window holds the same rows at every scale, to show the cost follows the window
and not the history."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from benchmarks.common import day_after_data, summary, timed
from mess.alerts import alert_conditions, alerts_generate
from mess.models import Closure, Feedback, Floor, Mess, WasteRecord

RUNS = 15
CENTS = Decimal("0.01")


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


def alerts_by_sql(*, start: datetime.date, end: datetime.date) -> set[tuple]:
    """The alert conditions over `start`..`end` for every active mess, in two aggregate queries
    written by hand, as (floor id, kind, value, basis) and (mess id, kind, meal, value, basis).
    Assumes every mess has the same window (the generated ones all have 7 days). The thresholds are
    compared in HAVING, through a subquery per group: joined to the aggregate instead, MariaDB may
    compute the aggregate mess by mess through the mess index (its "split materialized" plan), over
    all history. Every comparison is between whole numbers of cents (SQLite's sums are floats, and
    0.7 * 3 is below 2.1 there), so they are exact on both databases."""
    floor_mess = f"{_quoted(Floor)} f JOIN {_quoted(Mess)} m ON m.id = f.mess_id WHERE f.id = w.floor_id AND m.is_active"
    waste_sql = (
        "SELECT w.floor_id, ROUND(SUM(w.total_kg) * 100) AS kg, COUNT(DISTINCT w.date) AS days,"
        " ROUND(COALESCE(SUM(CASE WHEN w.diners > 0 THEN w.total_kg END), 0) * 100) AS counted,"
        " COALESCE(SUM(CASE WHEN w.diners > 0 THEN w.diners END), 0) AS diners,"
        f" (SELECT ROUND(m.waste_threshold_kg * 100) FROM {floor_mess}) AS kg_limit,"
        f" (SELECT ROUND(m.waste_threshold_g_per_diner * 100) FROM {floor_mess}) AS g_limit"
        f" FROM {_quoted(WasteRecord)} w WHERE w.date BETWEEN %s AND %s"
        # closed days count in no D and no sum
        f" AND NOT EXISTS (SELECT 1 FROM {_quoted(Closure)} c JOIN {_quoted(Floor)} cf ON cf.mess_id = c.mess_id"
        " WHERE cf.id = w.floor_id AND w.date BETWEEN c.first_day AND c.last_day)"
        " GROUP BY w.floor_id HAVING kg > kg_limit * days OR 1000 * counted > g_limit * diners"
    )
    ratings_sql = (
        f"SELECT r.mess_id, r.meal, SUM(r.rating), COUNT(*) FROM {_quoted(Feedback)} r WHERE r.date BETWEEN %s AND %s"
        f" GROUP BY r.mess_id, r.meal"
        f" HAVING SUM(r.rating) * 100 < (SELECT ROUND(m.rating_threshold * 100) FROM {_quoted(Mess)} m"
        " WHERE m.id = r.mess_id AND m.is_active) * COUNT(*)"
        f" AND COUNT(*) >= (SELECT m.min_ratings FROM {_quoted(Mess)} m WHERE m.id = r.mess_id)"
    )
    dates = [start.isoformat(), end.isoformat()]
    found = set()
    with connection.cursor() as cursor:
        cursor.execute(waste_sql, dates)
        for floor_id, kg, days, counted, diners, kg_limit, g_limit in cursor.fetchall():
            kg, counted, diners = int(kg), int(counted), int(diners)
            if kg > int(kg_limit) * days:
                found.add((floor_id, "high_waste", _cents(Decimal(kg) / 100 / days), days))
            if g_limit is not None and diners and 1000 * counted > int(g_limit) * diners:
                found.add((floor_id, "high_waste_per_diner", _cents(Decimal(counted) * 10 / diners), diners))
        cursor.execute(ratings_sql, dates)
        found |= {(mess_id, "low_rating", meal, _cents(Decimal(total) / n), n) for mess_id, meal, total, n in cursor.fetchall()}
    return found


def conditions_as_sql_rows(conditions: list[dict]) -> set[tuple]:
    """alert_conditions' conditions in the form alerts_by_sql gives them, to compare the two."""
    floors = {(f.mess_id, f.name): f.pk for f in Floor.objects.all()}
    return {
        (c["mess"].pk, c["kind"], c["subject"], c["value"], c["basis"])
        if c["kind"] == "low_rating"
        else (floors[c["mess"].pk, c["subject"]], c["kind"], c["value"], c["basis"])
        for c in conditions
    }


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
        expected = conditions_as_sql_rows(conditions)
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
