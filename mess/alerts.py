"""Alerts: a floor of an active mess wasting more than its mess's threshold, or a meal rated below
it, over the mess's alert window (the `alert_window_days` days ending on the day looked at). The
rule and its reads (`alert_conditions`), the alerts as generate_alerts stores them (`alerts_generate`)
and as they are shown (`alerts_open`, `alerts_evaluate` for a past day, stored nowhere)."""

import datetime
from collections import defaultdict
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from mess.figures import KG_SUM, cents
from mess.meals import day_check
from mess.models import Alert, AlertKind, Feedback, Floor, Mess, WasteRecord
from mess.text import plural


def mess_code_check(*, mess_code: str | None) -> None:
    """Raises ValueError when `mess_code` names no mess (None means every mess)."""
    if mess_code is not None and not Mess.objects.filter(code=mess_code).exists():
        raise ValueError(f"no mess with code {mess_code!r}")


def alert_conditions(*, as_of: datetime.date, mess_code: str | None = None) -> tuple[list[Mess], list[dict]]:
    """The active messes (all, or the one named) and the alert conditions that hold for them over
    each mess's window ending `as_of`: dicts with `mess` (a Mess), `kind`, `subject`, `value` and
    `threshold` (Decimals, the value rounded to cents), `window_start`, `window_end`.

    Four queries whatever the number of messes and floors. The aggregates read the waste and
    feedback tables' own columns, with no join: joined to the messes (for each mess's window) or to
    the floors (for their names), MariaDB reads each mess's whole history through the mess index, and
    SQLite groups through a temporary B-tree."""
    messes = Mess.objects.filter(is_active=True)
    if mess_code is not None:
        messes = messes.filter(code=mess_code)
    messes = list(messes)
    if not messes:
        return [], []
    by_id = {m.pk: m for m in messes}
    floors = {f.pk: f for f in Floor.objects.filter(mess_id__in=by_id).only("id", "mess_id", "name")}
    by_length = defaultdict(list)
    for m in messes:
        by_length[m.alert_window_days].append(m.pk)
    starts = {d: as_of - datetime.timedelta(days=d - 1) for d in by_length}

    if mess_code is None and len(by_length) == 1:
        # The usual case: every active mess has the same window, so the dates alone select it
        # (through the indexes that begin with the date); the rows of inactive messes, few and
        # old, are dropped below.
        start = next(iter(starts.values()))
        waste_window = feedback_window = Q(date__gte=start)
    else:
        # Each distinct length (few) as an OR of its messes' ids (their floors' for the waste) and
        # its start date.
        floors_of = defaultdict(list)
        for f in floors.values():
            floors_of[f.mess_id].append(f.pk)
        waste_window = reduce(
            or_, (Q(floor_id__in=[f for m in ids for f in floors_of[m]], date__gte=starts[d]) for d, ids in by_length.items())
        )
        feedback_window = reduce(or_, (Q(mess_id__in=ids, date__gte=starts[d]) for d, ids in by_length.items()))

    waste = (
        WasteRecord.objects.filter(waste_window, date__lte=as_of)
        .values("floor_id")
        .annotate(kg=Sum("total_kg", output_field=KG_SUM))
        .order_by()
    )
    ratings = (
        Feedback.objects.filter(feedback_window, date__lte=as_of)
        .values("mess_id", "meal")
        .annotate(total=Sum("rating"), n=Count("*"))
        .order_by()
    )

    def condition(mess: Mess, kind: str, subject: str, value: Decimal, threshold: Decimal) -> dict:
        return {
            "mess": mess,
            "kind": kind,
            "subject": subject,
            "value": cents(value),
            "threshold": threshold,
            "window_start": starts[mess.alert_window_days],
            "window_end": as_of,
        }

    found = []
    for row in waste:
        floor = floors.get(row["floor_id"])
        if floor is None:  # a floor of an inactive mess
            continue
        mess = by_id[floor.mess_id]
        # SQLite sums decimals as floats; back to cents before comparing, so 50.00 stays 50.00.
        kg = cents(row["kg"])
        if kg > mess.waste_threshold_kg:
            found.append(condition(mess, AlertKind.HIGH_WASTE, floor.name, kg, mess.waste_threshold_kg))
    for row in ratings:
        mess = by_id.get(row["mess_id"])
        if mess is None:  # an inactive mess
            continue
        # Exact: sum < threshold * count, so an average of exactly the threshold never raises.
        if row["total"] < mess.rating_threshold * row["n"]:
            found.append(condition(mess, AlertKind.LOW_RATING, row["meal"], Decimal(row["total"]) / row["n"], mess.rating_threshold))
    found.sort(key=lambda c: (c["mess"].code, c["kind"], c["subject"]))
    return messes, found


def _alert_json(*, mess_code: str, kind: str, subject: str, value, threshold, window_start, window_end) -> dict:
    return {
        "mess": mess_code,
        "kind": str(kind),
        "subject": subject,
        "value": float(cents(value)),
        "threshold": float(cents(threshold)),
        "window_start": window_start.isoformat(),
        "window_end": window_end.isoformat(),
    }


def alerts_evaluate(*, as_of: datetime.date, mess_code: str | None = None) -> list[dict]:
    """The alerts the window ending `as_of` raises, computed and not stored, as JSON-ready dicts
    (`mess`, `kind`, `subject`, `value`, `threshold`, `window_start`, `window_end`) sorted by mess,
    kind and subject. Raises ValueError for an unknown mess code, or a day before EARLIEST_DATE or
    after today."""
    mess_code_check(mess_code=mess_code)
    day_check(as_of)
    _, found = alert_conditions(as_of=as_of, mess_code=mess_code)
    return [
        _alert_json(
            mess_code=c["mess"].code,
            kind=c["kind"],
            subject=c["subject"],
            value=c["value"],
            threshold=c["threshold"],
            window_start=c["window_start"],
            window_end=c["window_end"],
        )
        for c in found
    ]


def alerts_open(*, mess_code: str | None = None) -> list[dict]:
    """The stored open alerts, in the same form and order as `alerts_evaluate`. Raises ValueError
    for an unknown mess code."""
    mess_code_check(mess_code=mess_code)
    alerts = Alert.objects.filter(is_open=True).select_related("mess").order_by("mess__code", "kind", "subject")
    if mess_code is not None:
        alerts = alerts.filter(mess__code=mess_code)
    return [
        _alert_json(
            mess_code=a.mess.code,
            kind=a.kind,
            subject=a.subject,
            value=a.value,
            threshold=a.threshold,
            window_start=a.window_start,
            window_end=a.window_end,
        )
        for a in alerts
    ]


# What an open alert says, rewritten when its condition is seen again with other figures.
FIGURES = ["value", "threshold", "window_start", "window_end"]


@transaction.atomic
def alerts_generate(*, mess_code: str | None = None) -> str:
    """Brings the stored alerts of every mess (or of the one named) in line with its window ending
    today: a condition that holds keeps exactly one open alert, created the first time and updated
    (value, threshold, window, last seen) afterwards; an open alert whose condition no longer holds,
    or whose mess is inactive, is resolved. Running twice in a row creates and resolves nothing the
    second time. A constant number of queries whatever the number of messes and floors.
    Raises ValueError for an unknown mess code."""
    mess_code_check(mess_code=mess_code)
    now = timezone.now()
    messes, found = alert_conditions(as_of=timezone.localdate(now), mess_code=mess_code)

    open_alerts = Alert.objects.filter(is_open=True)
    if mess_code is not None:
        open_alerts = open_alerts.filter(mess__code=mess_code)
    existing = {(a.mess_id, a.kind, a.subject): a for a in open_alerts.select_for_update()}

    new, changed, unchanged = [], [], []
    for c in found:
        fields = {name: c[name] for name in FIGURES}
        alert = existing.pop((c["mess"].pk, c["kind"], c["subject"]), None)
        if alert is None:
            new.append(Alert(mess=c["mess"], kind=c["kind"], subject=c["subject"], first_seen_at=now, last_seen_at=now, **fields))
        elif all(getattr(alert, name) == value for name, value in fields.items()):
            unchanged.append(alert.pk)
        else:
            for name, value in fields.items():
                setattr(alert, name, value)
            alert.last_seen_at = now
            changed.append(alert)
    # Most hourly runs find most alerts as they were: one UPDATE marks them seen, and only the
    # ones whose figures moved are rewritten (bulk_update writes a CASE per field per row).
    if unchanged:
        Alert.objects.filter(pk__in=unchanged).update(last_seen_at=now)
    if changed:
        Alert.objects.bulk_update(changed, FIGURES + ["last_seen_at"])
    if new:
        # A concurrent run (the schedule and an admin's "run now") may have opened the same alert
        # a moment ago: the unique constraint keeps one, and this run leaves it be.
        Alert.objects.bulk_create(new, ignore_conflicts=True)
    resolved = 0
    if existing:
        resolved = Alert.objects.filter(pk__in=[a.pk for a in existing.values()], is_open=True).update(resolved_at=now, is_open=None)
    active = len(found)
    return f"{plural(active, 'active alert')} ({len(new)} new, {resolved} resolved) in {plural(len(messes), 'mess', 'messes')}"
