"""Reads of the mess domain that several features share."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.db.models import Count, DecimalField, Q, Sum

from mess.models import Alert, AlertKind, Feedback, FeedbackCategory, MealWindow, Mess, Role, WasteRecord

User = get_user_model()

CENTS = Decimal("0.01")

# Feedback the officials must hear about at once: a low rating that says why, or any food-safety
# complaint whatever its rating. Forms strip comments, so an empty string is "no comment".
CRITICAL_FEEDBACK = Q(category=FeedbackCategory.HYGIENE) | (Q(rating__lte=2) & ~Q(comment=""))


def meal_windows() -> list[MealWindow]:
    """The meals' service windows in serving order (by start time)."""
    return list(MealWindow.objects.order_by("starts_at"))


def mess_recipients(*, mess: Mess) -> list[str]:
    """E-mail addresses of everyone who hears about `mess`: its officials and the admins (staff),
    each once, in a stable order. Users without an address or not active are left out."""
    officials = User.objects.filter(groups__name=Role.OFFICIAL, profile__mess=mess)
    admins = User.objects.filter(is_staff=True)
    emails = (officials | admins).filter(is_active=True).exclude(email="").values_list("email", flat=True)
    return sorted(set(emails))


def messes_recipients(*, mess_ids: list[int]) -> dict[int, list[str]]:
    """`mess_recipients` for many messes in two queries: mess id -> addresses (every id present,
    possibly with the admins only)."""
    admins = set(User.objects.filter(is_staff=True, is_active=True).exclude(email="").values_list("email", flat=True))
    officials = (
        User.objects.filter(groups__name=Role.OFFICIAL, profile__mess_id__in=mess_ids, is_active=True)
        .exclude(email="")
        .values_list("profile__mess_id", "email")
    )
    emails = {mess_id: set(admins) for mess_id in mess_ids}
    for mess_id, email in officials:
        emails[mess_id].add(email)
    return {mess_id: sorted(addresses) for mess_id, addresses in emails.items()}


def mess_code_check(*, mess_code: str | None) -> None:
    """Raises ValueError when `mess_code` names no mess (None means every mess)."""
    if mess_code is not None and not Mess.objects.filter(code=mess_code).exists():
        raise ValueError(f"no mess with code {mess_code!r}")


def alert_conditions(*, as_of: datetime.date, mess_code: str | None = None) -> tuple[list[Mess], list[dict]]:
    """The active messes (all, or the one named) and the alert conditions that hold for them over
    each mess's window ending `as_of`: dicts with `mess` (a Mess), `kind`, `subject`, `value` and
    `threshold` (Decimals, the value rounded to cents), `window_start`, `window_end`.

    Three queries whatever the number of messes and floors. Each mess has its own window length:
    the windows are expressed per distinct length (few, usually one) as an OR of date conditions on
    the mess's `alert_window_days`, inside one date range the indexes serve."""
    messes = Mess.objects.filter(is_active=True)
    if mess_code is not None:
        messes = messes.filter(code=mess_code)
    messes = list(messes)
    if not messes:
        return [], []
    days = sorted({m.alert_window_days for m in messes})
    starts = {d: as_of - datetime.timedelta(days=d - 1) for d in days}

    def in_window(mess_path: str) -> Q:
        return reduce(or_, (Q(**{f"{mess_path}__alert_window_days": d, "date__gte": start}) for d, start in starts.items()))

    mess_ids = [m.pk for m in messes]
    waste = (
        WasteRecord.objects.filter(date__gte=min(starts.values()), date__lte=as_of, floor__mess_id__in=mess_ids)
        .filter(in_window("floor__mess"))
        .values("floor__mess_id", "floor__name")
        .annotate(kg=Sum("total_kg", output_field=DecimalField(max_digits=12, decimal_places=2)))
        .order_by()
    )
    ratings = (
        Feedback.objects.filter(date__gte=min(starts.values()), date__lte=as_of, mess_id__in=mess_ids)
        .filter(in_window("mess"))
        .values("mess_id", "meal")
        .annotate(total=Sum("rating"), n=Count("id"))
        .order_by()
    )
    by_id = {m.pk: m for m in messes}

    def condition(mess: Mess, kind: str, subject: str, value: Decimal, threshold: Decimal) -> dict:
        return {
            "mess": mess,
            "kind": kind,
            "subject": subject,
            "value": value.quantize(CENTS, rounding=ROUND_HALF_UP),
            "threshold": threshold,
            "window_start": starts[mess.alert_window_days],
            "window_end": as_of,
        }

    found = []
    for row in waste:
        mess = by_id[row["floor__mess_id"]]
        # SQLite sums decimals as floats; back to cents before comparing, so 50.00 stays 50.00.
        kg = Decimal(row["kg"]).quantize(CENTS, rounding=ROUND_HALF_UP)
        if kg > mess.waste_threshold_kg:
            found.append(condition(mess, AlertKind.HIGH_WASTE, row["floor__name"], kg, mess.waste_threshold_kg))
    for row in ratings:
        mess = by_id[row["mess_id"]]
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
        "value": float(Decimal(value).quantize(CENTS, rounding=ROUND_HALF_UP)),
        "threshold": float(Decimal(threshold).quantize(CENTS, rounding=ROUND_HALF_UP)),
        "window_start": window_start.isoformat(),
        "window_end": window_end.isoformat(),
    }


def alerts_evaluate(*, as_of: datetime.date, mess_code: str | None = None) -> list[dict]:
    """The alerts the window ending `as_of` raises, computed and not stored, as JSON-ready dicts
    (`mess`, `kind`, `subject`, `value`, `threshold`, `window_start`, `window_end`) sorted by mess,
    kind and subject. Raises ValueError for an unknown mess code."""
    mess_code_check(mess_code=mess_code)
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
