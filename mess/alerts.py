"""Alerts: a floor of an active mess wasting more than its mess's threshold per recorded day or per
diner, or a meal rated below it, over the mess's alert window (the `alert_window_days` days ending
on the day looked at). The rule and its reads (`alert_conditions`), the alerts as generate_alerts
stores them (`alerts_generate`) and as they are shown (`alerts_open`, `alerts_evaluate` for a past
day, stored nothing; `alerts_of_mess` and `alerts_history` for the pages; `alert_wording`), and an
official's acknowledgement (`alert_acknowledge`).

The rule, for each active mess over its window:
- high_waste, per floor: Σ kg > waste_threshold_kg × D, D the dates with at least one record of the
  floor whose last meal is over (the day looked at counts once its last meal's window has ended:
  before, its breakfast alone would count as a whole day), closed days (Closure) left out of both the
  sum and D; the value is Σ kg / D.
- high_waste_per_diner, per floor: over the records with a head count, 1000 × Σ kg >
  waste_threshold_g_per_diner × Σ diners (no alert when the mess's threshold is empty), each meal
  counted as it is recorded, the day looked at's too; the value is grams per diner.
- low_rating, per meal: n ≥ min_ratings and Σ rating < rating_threshold × n; the value is the average.
Comparisons are exact, in decimals; values are rounded half up to cents. `basis` is the D, Σ diners
or n the value rests on."""

import datetime
from collections import defaultdict
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy

from mess.figures import KG_SUM, cents
from mess.meals import closed_days, day_check, day_over, day_start, windows_read
from mess.models import Alert, AlertKind, Feedback, Floor, Meal, Mess, WasteRecord
from mess.text import plural, typed_text

HISTORY_DAYS = 90  # how far back a mess's alert history goes
MAX_ACKNOWLEDGEMENT = Alert._meta.get_field("acknowledgement").max_length


def mess_code_check(*, mess_code: str | None) -> None:
    """Raises ValueError when `mess_code` names no mess (None means every mess)."""
    if mess_code is not None and not Mess.objects.filter(code=mess_code).exists():
        raise ValueError(f"no mess with code {mess_code!r}")


def alerts_parts(kwargs: dict) -> list[tuple[str, str]]:
    """The parts of a generate_alerts run (see scheduling.parts): each active mess, and each inactive
    one with open alerts (its part resolves them), as (code, name). None for a run of one mess
    (`mess_code`), which runs whole. One query."""
    if kwargs.get("mess_code") is not None:
        return []
    messes = Mess.objects.filter(Q(is_active=True) | Exists(Alert.objects.filter(mess=OuterRef("pk"), is_open=True)))
    return list(messes.order_by("code").values_list("code", "name"))


def alert_conditions(
    *, as_of: datetime.date, mess_code: str | None = None, now: datetime.datetime | None = None
) -> tuple[list[Mess], list[dict]]:
    """The active messes (all, or the one named) and the alert conditions that hold for them over
    each mess's window ending `as_of`, as they stand at `now` (default: now; a day of `as_of` whose
    last meal is not over counts in the per-diner figures only): dicts with `mess` (a Mess), `kind`,
    `subject`, `value` and `threshold` (Decimals, the value rounded to cents), `basis` (an int),
    `window_start`, `window_end`.

    Five queries whatever the number of messes and floors (six for today: the meal windows). The aggregates read the waste and
    feedback tables' own columns, with no join: joined to the messes (for each mess's window) or to
    the floors (for their names), MariaDB reads each mess's whole history through the mess index, and
    SQLite groups through a temporary B-tree."""
    messes = Mess.objects.filter(is_active=True)
    if mess_code is not None:
        messes = messes.filter(code=mess_code)
    messes = list(messes)
    if not messes:
        return [], []
    now = now or timezone.now()
    # Today is over at each mess once its own last meal is (its own windows, or the defaults): one query, for today only.
    meal_windows = windows_read() if as_of == timezone.localdate(now) else None
    not_over = [m.pk for m in messes if not day_over(date=as_of, now=now, windows=meal_windows and meal_windows.of(m.pk))]
    windows = _Windows(messes=messes, as_of=as_of, one_mess=mess_code is not None, not_over=not_over)
    found = [*_waste_conditions(windows), *_rating_conditions(windows)]
    found.sort(key=lambda c: (c["mess"].code, c["kind"], c["subject"]))
    return messes, found


class _Windows:
    """The messes' alert windows ending `as_of`, and how a query selects the rows inside them: each
    distinct window length (few) is an OR of its messes (their floors, for the waste) and its start;
    the usual case, one length for every mess, selects by the dates alone, through the indexes that
    begin with the date (the rows of inactive messes, few and old, are dropped afterwards)."""

    def __init__(self, *, messes: list[Mess], as_of: datetime.date, one_mess: bool, not_over: list[int]):
        self.as_of, self.by_id, self.not_over = as_of, {m.pk: m for m in messes}, not_over
        self.floors = {f.pk: f for f in Floor.objects.filter(mess_id__in=self.by_id).only("id", "mess_id", "name")}
        self.floors_of = defaultdict(list)
        for floor in self.floors.values():
            self.floors_of[floor.mess_id].append(floor.pk)
        self.by_length = defaultdict(list)
        for mess in messes:
            self.by_length[mess.alert_window_days].append(mess.pk)
        self.starts = {d: as_of - datetime.timedelta(days=d - 1) for d in self.by_length}
        self.earliest = min(self.starts.values())
        self.by_dates_alone = not one_mess and len(self.by_length) == 1

    def start(self, mess: Mess) -> datetime.date:
        return self.starts[mess.alert_window_days]

    def waste(self) -> Q:
        if self.by_dates_alone:
            return Q(date__gte=self.earliest, date__lte=self.as_of)
        floors = (
            Q(floor_id__in=[f for m in ids for f in self.floors_of[m]], date__gte=self.starts[d]) for d, ids in self.by_length.items()
        )
        return reduce(or_, floors) & Q(date__lte=self.as_of)

    def feedback(self) -> Q:
        if self.by_dates_alone:
            return Q(date__gte=self.earliest, date__lte=self.as_of)
        return reduce(or_, (Q(mess_id__in=ids, date__gte=self.starts[d]) for d, ids in self.by_length.items())) & Q(date__lte=self.as_of)

    def closed(self) -> Q | None:
        """The waste of the messes' closed days, which counts in no figure (one query)."""
        closed_dates = defaultdict(list)
        for mess_id, date in closed_days(mess_ids=list(self.by_id), start=self.earliest, end=self.as_of):
            closed_dates[mess_id].append(date)
        closed = [Q(floor_id__in=self.floors_of[m], date__in=sorted(dates)) for m, dates in closed_dates.items() if self.floors_of[m]]
        return reduce(or_, closed) if closed else None

    def condition(self, mess: Mess, kind: str, subject: str, value: Decimal, threshold: Decimal, basis: int) -> dict:
        return {
            "mess": mess,
            "kind": kind,
            "subject": subject,
            "value": cents(value),
            "threshold": threshold,
            "basis": basis,
            "window_start": self.start(mess),
            "window_end": self.as_of,
        }


def _waste_conditions(windows: _Windows) -> list[dict]:
    """High waste per recorded day and per diner, of each floor (see the module's docstring)."""
    waste = WasteRecord.objects.filter(windows.waste())
    if (closed := windows.closed()) is not None:
        waste = waste.exclude(closed)
    # The per-day figures count the day looked at once its last meal is over; the per-diner ones each meal.
    whole_days = ~Q(date=windows.as_of)  # no mess's day is over yet: the usual case, by the date alone
    if not windows.not_over:
        whole_days = Q()
    elif len(windows.not_over) < len(windows.by_id):
        whole_days = ~Q(date=windows.as_of, floor_id__in=[f for m in windows.not_over for f in windows.floors_of[m]])
    rows = (
        waste.values("floor_id")
        .annotate(
            kg=Sum("total_kg", filter=whole_days, output_field=KG_SUM),
            days=Count("date", filter=whole_days, distinct=True),
            counted_kg=Sum("total_kg", filter=Q(diners__gt=0), output_field=KG_SUM),
            diners=Sum("diners", filter=Q(diners__gt=0)),
        )
        .order_by()
    )
    found = []
    for row in rows:
        floor = windows.floors.get(row["floor_id"])
        if floor is None:  # a floor of an inactive mess
            continue
        mess = windows.by_id[floor.mess_id]
        # SQLite sums decimals as floats: every record is in cents and the float's error is far below
        # half a cent, so rounding to cents gives the exact decimal sum (0.10 + 0.20 is 0.30, not
        # 0.30000000000000004), and the comparisons below are in exact decimals.
        kg, days = cents(row["kg"]), row["days"]
        if days and kg > mess.waste_threshold_kg * days:
            found.append(windows.condition(mess, AlertKind.HIGH_WASTE, floor.name, kg / days, mess.waste_threshold_kg, days))
        per_diner = mess.waste_threshold_g_per_diner
        if per_diner is not None and row["diners"]:
            counted_kg, diners = cents(row["counted_kg"]), row["diners"]
            if 1000 * counted_kg > per_diner * diners:
                kind = AlertKind.HIGH_WASTE_PER_DINER
                found.append(windows.condition(mess, kind, floor.name, 1000 * counted_kg / diners, per_diner, diners))
    return found


def _rating_conditions(windows: _Windows) -> list[dict]:
    """Low ratings of each meal, once the meal has min_ratings ratings in the window."""
    rows = Feedback.objects.filter(windows.feedback()).values("mess_id", "meal").annotate(total=Sum("rating"), n=Count("*")).order_by()
    found = []
    for row in rows:
        mess = windows.by_id.get(row["mess_id"])
        if mess is None:  # an inactive mess
            continue
        # Exact: sum < threshold * count, so an average of exactly the threshold never raises.
        if row["n"] >= mess.min_ratings and row["total"] < mess.rating_threshold * row["n"]:
            average = Decimal(row["total"]) / row["n"]
            found.append(windows.condition(mess, AlertKind.LOW_RATING, row["meal"], average, mess.rating_threshold, row["n"]))
    return found


def _alert_json(*, mess_code: str, kind: str, subject: str, value, threshold, basis: int, window_start, window_end) -> dict:
    return {
        "mess": mess_code,
        "kind": str(kind),
        "subject": subject,
        "value": float(cents(value)),
        "threshold": float(cents(threshold)),
        "basis": basis,
        "window_start": window_start.isoformat(),
        "window_end": window_end.isoformat(),
    }


def alerts_evaluate(*, as_of: datetime.date, mess_code: str | None = None) -> list[dict]:
    """The alerts the window ending `as_of` raises, computed and not stored, as JSON-ready dicts
    (`mess`, `kind`, `subject`, `value`, `threshold`, `basis`, `window_start`, `window_end`) sorted
    by mess, kind and subject. Raises ValueError for an unknown mess code, or a day before
    EARLIEST_DATE or after today."""
    mess_code_check(mess_code=mess_code)
    day_check(as_of)
    _, found = alert_conditions(as_of=as_of, mess_code=mess_code)
    return [_alert_json(mess_code=c["mess"].code, **{k: v for k, v in c.items() if k != "mess"}) for c in found]


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
            basis=a.basis,
            window_start=a.window_start,
            window_end=a.window_end,
        )
        for a in alerts
    ]


# What an open alert says, rewritten when its condition is seen again with other figures.
FIGURES = ["value", "threshold", "basis", "window_start", "window_end"]


@transaction.atomic
def alerts_generate(*, mess_code: str | None = None, now: datetime.datetime | None = None) -> str:
    """Brings the stored alerts of every mess (or of the one named) in line with its window ending
    today, the day of `now` (default: the current time): a condition that holds keeps exactly one
    open alert, created the first time and updated (value, threshold, basis, window, last seen)
    afterwards; an open alert whose condition no longer holds, or whose mess is inactive, is resolved.
    A condition that holds again on the local day its alert was resolved reopens that alert (first
    seen and acknowledgement kept: today's partial day can make a figure dip and rise); on a later day
    it opens a new one. Running twice in a row creates, reopens and resolves nothing the second time.
    A constant number of queries whatever the number of messes and floors. Raises ValueError for an
    unknown mess code."""
    mess_code_check(mess_code=mess_code)
    now = now or timezone.now()
    today = timezone.localdate(now)
    messes, found = alert_conditions(as_of=today, mess_code=mess_code)

    # The open alerts, and those resolved today that may reopen, in one locked read.
    alerts = Alert.objects.filter(Q(is_open=True) | Q(resolved_at__gte=day_start(today)))
    if mess_code is not None:
        alerts = alerts.filter(mess__code=mess_code)
    existing, resolved_today = {}, {}
    for a in alerts.select_for_update().order_by("resolved_at"):
        (existing if a.is_open else resolved_today)[a.mess_id, a.kind, a.subject] = a  # the last resolved wins

    new, changed, unchanged, reopened = [], [], [], []
    for c in found:
        fields = {name: c[name] for name in FIGURES}
        key = (c["mess"].pk, c["kind"], c["subject"])
        alert = existing.pop(key, None)
        if alert is None and key in resolved_today:
            alert = resolved_today[key]
            for name, value in fields.items():
                setattr(alert, name, value)
            alert.last_seen_at, alert.resolved_at, alert.is_open = now, None, True
            reopened.append(alert)
        elif alert is None:
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
    if reopened:
        Alert.objects.bulk_update(reopened, FIGURES + ["last_seen_at", "resolved_at", "is_open"])
    if new:
        # A concurrent run (the schedule and an admin's "run now") may have opened the same alert
        # a moment ago: the unique constraint keeps one, and this run leaves it be.
        Alert.objects.bulk_create(new, ignore_conflicts=True)
    resolved = 0
    if existing:
        resolved = Alert.objects.filter(pk__in=[a.pk for a in existing.values()], is_open=True).update(resolved_at=now, is_open=None)
    again = f", {len(reopened)} reopened" if reopened else ""
    return f"{plural(len(found), 'active alert')} ({len(new)} new, {resolved} resolved{again}) in {plural(len(messes), 'mess', 'messes')}"


# How each kind's figures read, in the reader's language: its title, a value or threshold in its
# unit, and what the basis counts (chosen by "n", shown grouped as "count").
WORDING = {
    AlertKind.HIGH_WASTE.value: (
        gettext_lazy("High waste"),
        gettext_lazy("%(value)s kg/day"),
        ngettext_lazy("over %(count)s recorded day", "over %(count)s recorded days", "n"),
    ),
    AlertKind.HIGH_WASTE_PER_DINER.value: (
        gettext_lazy("High waste per diner"),
        gettext_lazy("%(value)s g/diner"),
        ngettext_lazy("from %(count)s diner", "from %(count)s diners", "n"),
    ),
    AlertKind.LOW_RATING.value: (
        gettext_lazy("Low rating"),
        gettext_lazy("average %(value)s"),
        ngettext_lazy("from %(count)s rating", "from %(count)s ratings", "n"),
    ),
}


def alert_wording(*, kind: str, subject: str, value, threshold, basis: int | None) -> dict:
    """What an alert says in words, the same on every page, e-mail and admin list: `title`
    ("High waste: Ground", "Low rating: Lunch"), `value` ("62.40 kg/day", "182.50 g/diner",
    "average 2.67"), `threshold` (in the same unit) and `basis` ("over 5 recorded days", "from 1,234
    diners", "from 42 ratings"; empty when unknown, as for alerts stored before it was kept)."""
    label, unit, counted = WORDING[str(kind)]
    if kind == AlertKind.LOW_RATING:
        subject, threshold_text = (Meal(subject).label if subject in Meal.values else subject.capitalize()), str(cents(threshold))
    else:
        threshold_text = unit % {"value": cents(threshold)}
    return {
        "title": f"{label}: {subject}",
        "value": unit % {"value": cents(value)},
        "threshold": threshold_text,
        "basis": counted % {"n": basis, "count": f"{basis:,}"} if basis else "",
    }


def alerts_of_mess(*, mess: Mess) -> list[Alert]:
    """The open alerts of `mess` by kind and subject, with who acknowledged them. One query."""
    return list(Alert.objects.filter(mess=mess, is_open=True).select_related("acknowledged_by").order_by("kind", "subject"))


def alerts_history(*, mess: Mess, days: int = HISTORY_DAYS) -> list[Alert]:
    """The alerts of `mess` first seen in the `days` days ending today, and any still open from
    before, newest first, with who acknowledged them. One query."""
    since = day_start(timezone.localdate() - datetime.timedelta(days=days - 1))
    alerts = Alert.objects.filter(Q(first_seen_at__gte=since) | Q(is_open=True), mess=mess).select_related("acknowledged_by")
    return list(alerts.order_by("-first_seen_at", "-id"))


def alert_acknowledge(*, mess: Mess, alert_id: int, note: str, by) -> Alert:
    """Records that `by` (an official of `mess` or an admin) has seen the open alert and what they
    did about it: who, when and the note (stripped, 1 to 200 characters), replacing an earlier
    acknowledgement. The alert stays open until its condition clears. Raises Alert.DoesNotExist for
    an alert not of `mess`, and ValueError, changing nothing, for an empty, too long or control-
    character note, or an alert resolved since."""
    alert = Alert.objects.get(pk=alert_id, mess=mess)
    try:
        note = typed_text(note).strip()
    except ValueError as error:
        raise ValueError(gettext("The note %(problem)s.") % {"problem": error}) from None
    if not note:
        raise ValueError(gettext("Say what was done about it."))
    if len(note) > MAX_ACKNOWLEDGEMENT:
        raise ValueError(
            gettext("At most %(most)s characters (this note has %(length)s).") % {"most": MAX_ACKNOWLEDGEMENT, "length": len(note)}
        )
    now = timezone.now()
    # Only while open: an alert resolved a moment ago is not acknowledged after the fact.
    if not Alert.objects.filter(pk=alert.pk, is_open=True).update(acknowledged_by=by, acknowledged_at=now, acknowledgement=note):
        raise ValueError(gettext("This alert has been resolved since: its condition no longer holds."))
    alert.acknowledged_by, alert.acknowledged_at, alert.acknowledgement = by, now, note
    return alert
