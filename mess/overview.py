"""Each mess's day in figures, and the admins' overview of every mess that reads them (with what each
mess's waste is worth, its progress against its goal and its missing records), selected and sorted
in the database, then summed and paged, so that it costs the same few queries for hundreds of
messes. DayTotals keeps a row per mess and finished day (kept by the refresh_day_totals job and by
every service that writes waste or feedback of a past day), and WeekTotals their sum over the
overview's six finished days, one row per mess, so that the overview joins a row per mess instead of
reading all their diners' feedback; today, and any day without a row, is summed from the records."""

import datetime
from collections import defaultdict
from collections.abc import Collection

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from mess.bulk import upsert
from mess.figures import KG_SUM, average, cents, grams_per_diner
from mess.meals import closed_days, days_ending, windows_read
from mess.missing_waste import GAP_DAYS
from mess.models import Alert, Closure, DailyReport, DayTotals, Feedback, Floor, Mess, WasteRecord, WeekTotals
from mess.scopes import in_groups
from mess.text import plural
from mess.waste_value import waste_baselines_refresh, waste_goals_of_week, waste_valued

KEPT_DAYS = 7  # the overview's six finished days, and one to spare
UNIQUE = ["date", "mess"]
DAY_FIGURES = ("waste_records", "waste_kg", "counted_kg", "diners", "feedback_count", "rating_sum")
WEEK_DAYS = 6  # the finished days of the overview's 7, which WeekTotals sums
WEEK_FIELDS = ("through", "days", "open_waste_records")


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
    read from the records. Called with neither (the refresh_day_totals job), it also stores the
    waste baselines that are missing or no longer hold (mess.waste_value.waste_baselines_refresh).
    One transaction, a constant number of queries."""
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
        week_totals_store(mess_ids=ids, today=today)
    refreshed = f"refreshed the totals of {plural(len(ids), 'mess', 'messes')} for {plural(len(dates), 'day')} ({dates[-1]} to {dates[0]})"
    if every_day and mess_ids is None:  # the hourly job: also the baselines still changing
        return f"{refreshed}; {waste_baselines_refresh()}"
    return refreshed


def week_totals_store(*, mess_ids: list[int], today: datetime.date) -> None:
    """Sums the DayTotals of the WEEK_DAYS finished days before `today` of the messes named into
    their WeekTotals, with the waste records of the days each was open. Three queries whatever the
    number of messes."""
    start, _ = days_ending(end=today, days=WEEK_DAYS + 1)
    last = today - datetime.timedelta(days=1)
    closed = closed_days(mess_ids=mess_ids, start=start, end=last)
    weeks = {mess_id: WeekTotals(mess_id=mess_id, through=last, **dict.fromkeys(DAY_FIGURES, 0)) for mess_id in mess_ids}
    for day in DayTotals.objects.filter(mess_id__in=mess_ids, date__gte=start, date__lte=last).order_by():
        week = weeks[day.mess_id]
        week.days += 1
        for name in DAY_FIGURES:
            setattr(week, name, getattr(week, name) + getattr(day, name))
        if (day.mess_id, day.date) not in closed:
            week.open_waste_records += day.waste_records
    upsert(WeekTotals, list(weeks.values()), unique_fields=["mess"], update_fields=[*DAY_FIGURES, *WEEK_FIELDS, "computed_at"])


# The overview: every mess's last 7 days, selected and sorted in the database.

PAGE_SIZE = 50  # messes to a page of the overview
# What `?sort=` may name (a "-" before it sorts descending), and the annotation it sorts by.
SORTS = {
    "name": "name",
    "waste": "grams_sort",
    "value": "inr_sort",
    "rating": "rating_sort",
    "alerts": "open_alerts",
    "missing": "missing_records",
}
DEFAULT_SORT = "-waste"  # the most waste per diner first


def sort_check(sort: str | None) -> str:
    """`sort` when it names a column of SORTS (with a "-" before it for descending), else DEFAULT_SORT."""
    return sort if sort and sort.removeprefix("-") in SORTS else DEFAULT_SORT


def _per_mess(rows, aggregate, *, by: str, output_field):
    """A subquery: `aggregate` over `rows` of the outer mess (`by` names their mess), 0 without any."""
    total = rows.filter(**{by: OuterRef("pk")}).order_by().values(by).annotate(total=aggregate).values("total")
    return Coalesce(Subquery(total, output_field=output_field), Value(0), output_field=output_field)


def _float(name: str) -> Cast:
    return Cast(name, FloatField())


def _kept(name: str, days: Subquery, *, today: datetime.date, partial: list[datetime.date], output_field):
    """The finished days' figure `name` of each mess: its WeekTotals's, joined, when they were
    summed for `today` from all six days' rows; its DayTotals' (`days`, a subquery) otherwise, and
    for every mess while some finished day is `partial`ly kept (a row may then have gone since)."""
    if partial:
        return days
    summed = Q(week_totals__through=today - datetime.timedelta(days=1), week_totals__days=WEEK_DAYS)
    return Case(When(summed, then=F(f"week_totals__{name}")), default=days, output_field=output_field)


def _missing_records(*, now: datetime.datetime, partial: list[datetime.date]):
    """Each mess's waste records missing from the GAP_DAYS days up to `now`, as the dashboard lists
    them (mess.missing_waste.waste_gaps): a floor and a meal that is over by the mess's own window
    (or the default), on a day the mess is open, with no record; none for an inactive mess. An
    expression; one query for the meal windows, whatever the number of messes with their own. The
    records of the finished days are counted by their DayTotals (or WeekTotals) rows, since every
    meal keeps a default window and a finished day's meals are therefore all of them at every mess;
    those of today, and of a day in `partial` without a row, from the records themselves."""
    today = timezone.localdate(now)
    time = timezone.localtime(now).time()
    start, _ = days_ending(end=today, days=GAP_DAYS)
    windows = windows_read()

    def meals(mess_id: int | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The mess's meals, and those of them over today by `now`."""
        of = windows.of(mess_id)
        return tuple(w.meal for w in of), tuple(w.meal for w in of if w.ends_at <= time)

    # The messes whose own windows make their meals differ from the defaults', by those meals (few groups).
    default = meals(None)
    groups = defaultdict(list)
    for mess_id in windows.own:
        if (shape := meals(mess_id)) != default:
            groups[shape].append(mess_id)
    apart = [mess_id for ids in groups.values() for mess_id in ids]
    slots = Q(pk__in=[])
    open_slots = Value(0)
    for n in range(GAP_DAYS):
        day = start + datetime.timedelta(days=n)
        index = 0 if day < today else 1
        live = day == today or day in partial  # the records counted from the records themselves
        day_meals = [(None, default[index]), *((ids, shape[index]) for shape, ids in groups.items())]
        if len({m for _, m in day_meals}) == 1:  # the same meals at every mess: the usual case
            if not default[index]:
                continue
            if live:
                slots |= Q(date=day, meal__in=default[index])
            count = Value(len(default[index]))
        else:
            for ids, ms in day_meals:
                if ms and live:
                    slots |= Q(date=day, meal__in=ms) & (~Q(floor__mess_id__in=apart) if ids is None else Q(floor__mess_id__in=ids))
            count = Case(*(When(pk__in=ids, then=Value(len(ms))) for ids, ms in day_meals[1:]), default=Value(len(default[index])))
        closed = Exists(Closure.objects.filter(mess=OuterRef("pk"), first_day__lte=day, last_day__gte=day))
        open_slots = open_slots + Case(When(closed, then=Value(0)), default=count)

    def open_on(mess_field: str):
        on = OuterRef("date")
        return ~Exists(Closure.objects.filter(mess=OuterRef(mess_field), first_day__lte=on, last_day__gte=on))

    recorded = WasteRecord.objects.filter(slots).filter(open_on("floor__mess_id"))
    if partial:  # a finished day's records only where the mess has no DayTotals row for it
        recorded = recorded.filter(~Exists(DayTotals.objects.filter(mess_id=OuterRef("floor__mess_id"), date=OuterRef("date"))))
    kept = DayTotals.objects.filter(date__gte=start, date__lt=today).filter(open_on("mess_id"))
    floors = _per_mess(Floor.objects.all(), Count("pk"), by="mess", output_field=IntegerField())
    expected = ExpressionWrapper(floors * open_slots, output_field=IntegerField())
    missing = (
        expected
        - _per_mess(recorded, Count("pk"), by="floor__mess", output_field=IntegerField())
        - _kept(
            "open_waste_records",
            _per_mess(kept, Sum("waste_records"), by="mess", output_field=IntegerField()),
            today=today,
            partial=partial,
            output_field=IntegerField(),
        )
    )
    return Case(When(is_active=True, then=missing), default=Value(0), output_field=IntegerField())


def _days_partly_kept(*, start: datetime.date, today: datetime.date) -> list[datetime.date]:
    """The finished days from `start` to before `today` for which some mess has no DayTotals row
    (its figures are then summed from the records). One query."""
    days = [start + datetime.timedelta(days=n) for n in range((today - start).days)]
    counts = Mess.objects.aggregate(
        messes=Count("pk", distinct=True),
        **{f"kept_{n}": Count("day_totals", filter=Q(day_totals__date=day)) for n, day in enumerate(days)},
    )
    return [day for n, day in enumerate(days) if counts[f"kept_{n}"] < counts["messes"]]


def overview_messes(
    *,
    now: datetime.datetime,
    q: str = "",
    open_alerts: bool = False,
    sort: str = DEFAULT_SORT,
    group_id: int | None = None,
    mess_ids: Collection[int] | None = None,
) -> QuerySet:
    """The messes whose name or code holds `q` (any case), only those with open alerts when
    `open_alerts`, only those of the group `group_id` and its sub-groups when given, only those of
    `mess_ids` when given (a group admin's: theirs), sorted by `sort` (see SORTS; unknown: DEFAULT_SORT) and then by code, the messes
    without the figure last either way. Each is annotated with its figures of the 7 days ending
    today (DAY_FIGURES summed, `open_alerts`, `missing_records`, `last_report`), read from the
    DayTotals of a finished day where it has a row and from the records otherwise (today, always);
    the figures ManageIt shows are made by `overview_rows`. One query to list them, whatever their
    number and history, one for the meal windows now and one for the days whose totals are kept."""
    today = timezone.localdate(now)
    start, _ = days_ending(end=today, days=7)
    stored = DayTotals.objects.filter(date__gte=start, date__lt=today)
    partial = _days_partly_kept(start=start, today=today)

    def unstored(model, mess_field):
        # Today's records by the date alone: each mess's subquery then reads its (mess, date) index
        # for one date. A range of dates (or an IN) let MariaDB read each mess's whole history
        # through that index when its statistics underestimate a mess's rows (11 s at 200 messes).
        rows = Q(date=today)
        if partial:  # rare: a finished day before the hourly refresh_day_totals, or a new mess
            kept = DayTotals.objects.filter(mess_id=OuterRef(mess_field), date=OuterRef("date"))
            rows |= Q(date__in=partial) & ~Exists(kept)
        return model.objects.filter(rows)

    waste, feedback = unstored(WasteRecord, "floor__mess_id"), unstored(Feedback, "mess_id")
    counted = Q(diners__gt=0)
    kg, whole = KG_SUM, IntegerField()
    # Each figure: its sum of the finished days' totals, its records of the other days, their sum there.
    figures = {
        "waste_records": (Sum("waste_records"), waste, Count("pk"), whole),
        "waste_kg": (Sum("waste_kg"), waste, Sum("total_kg"), kg),
        "counted_kg": (Sum("counted_kg"), waste, Sum("total_kg", filter=counted), kg),
        "diners": (Sum("diners"), waste, Sum("diners", filter=counted), whole),
        "feedback_count": (Sum("feedback_count"), feedback, Count("pk"), whole),
        "rating_sum": (Sum("rating_sum"), feedback, Sum("rating"), whole),
    }
    annotations = {
        name: _kept(name, _per_mess(stored, from_totals, by="mess", output_field=field), today=today, partial=partial, output_field=field)
        + _per_mess(records, from_records, by="floor__mess" if records.model is WasteRecord else "mess", output_field=field)
        for name, (from_totals, records, from_records, field) in figures.items()
    }
    latest = DailyReport.objects.filter(mess=OuterRef("pk")).order_by("-date").values("date")[:1]
    messes = Mess.objects.annotate(
        **annotations,
        open_alerts=_per_mess(Alert.objects.filter(is_open=True), Count("pk"), by="mess", output_field=whole),
        missing_records=_missing_records(now=now, partial=partial),
        last_report=Subquery(latest),
    ).alias(
        # What the sorts compare: the shown figures before their rounding, None without any. Aliases,
        # not annotations: a row selects none of them (each would read the figures it is made of
        # again), and the query sorts by the one asked for. x / NULLIF(n, 0) rather than CASE WHEN
        # n > 0 THEN x / n: n, several subqueries, is then written out once.
        grams_sort=ExpressionWrapper(_float("counted_kg") * 1000 / NullIf("diners", 0), output_field=FloatField()),
        inr_sort=Case(
            When(Q(waste_records__gt=0, food_cost_per_kg__isnull=False), then=_float("waste_kg") * _float("food_cost_per_kg")),
            output_field=FloatField(),
        ),
        rating_sort=ExpressionWrapper(_float("rating_sum") / NullIf("feedback_count", 0), output_field=FloatField()),
    )
    if mess_ids is not None:
        messes = messes.filter(pk__in=mess_ids)
    if group_id is not None:
        messes = messes.filter(in_groups([group_id]))
    if q := q.strip():
        messes = messes.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if open_alerts:
        messes = messes.filter(Exists(Alert.objects.filter(mess=OuterRef("pk"), is_open=True)))
    sort = sort_check(sort)
    column = F(SORTS[sort.removeprefix("-")])
    return messes.order_by(column.desc(nulls_last=True) if sort.startswith("-") else column.asc(nulls_last=True), "code")


def overview_rows(*, messes: list[Mess], today: datetime.date) -> list[dict]:
    """One row per mess of `messes` (as overview_messes annotates them), in their order: `mess`,
    the 7 days ending `today`'s `waste_kg`, what it is worth (`valued`, None without waste) and
    `grams_per_diner`, `feedback_count` and `average_rating`, the `open_alerts` count, the
    `missing_records`, the date of its `last_report` (None when none) and its `goal`
    (mess.waste_value.Goal, its baseline stored: mess.waste_value.waste_goals_of_week). One query
    whatever the number of messes, and one more for the messes whose stored baseline does not hold."""
    weeks = {mess.pk: grams_per_diner(cents(mess.counted_kg), mess.diners) for mess in messes}
    goals = waste_goals_of_week(messes=messes, today=today, weeks=weeks)
    return [
        {
            "mess": mess,
            "waste_kg": cents(mess.waste_kg) if mess.waste_records else None,
            "valued": waste_valued(mess=mess, kg=mess.waste_kg) if mess.waste_records else None,
            "grams_per_diner": grams_per_diner(cents(mess.counted_kg), mess.diners),
            "feedback_count": mess.feedback_count,
            "average_rating": average(mess.rating_sum, mess.feedback_count),
            "open_alerts": mess.open_alerts,
            "missing_records": mess.missing_records,
            "last_report": mess.last_report,
            "goal": goals[mess.pk],
        }
        for mess in messes
    ]


def overview_totals(*, messes: list[Mess]) -> dict:
    """The figures of every mess of `messes` (as overview_messes annotates them) together: `messes`
    (how many), `waste_kg` (None without waste), `inr` (of the messes that set a food cost; None
    without), `co2e_kg`, `grams_per_diner`, `feedback_count`, `average_rating`, `open_alerts` and
    `missing_records`; rupees and CO2e the sums of each mess's as its row says them (waste_valued).
    No query."""

    def total(name: str):
        return sum((getattr(mess, name) or 0 for mess in messes), 0)

    valued = [waste_valued(mess=mess, kg=mess.waste_kg) for mess in messes if mess.waste_records]
    priced = [v.inr for v in valued if v.inr is not None]
    feedback_count = total("feedback_count")
    return {
        "messes": len(messes),
        "waste_kg": cents(total("waste_kg")) if valued else None,
        "inr": cents(sum(priced)) if priced else None,
        "co2e_kg": cents(sum(v.co2e_kg for v in valued)) if valued else None,
        "grams_per_diner": grams_per_diner(cents(total("counted_kg")), total("diners")),
        "feedback_count": feedback_count,
        "average_rating": average(total("rating_sum"), feedback_count),
        "open_alerts": total("open_alerts"),
        "missing_records": total("missing_records"),
    }


def overview_page(*, now: datetime.datetime, number, **selection) -> tuple[Page, dict]:
    """The page `number` (as typed: out of range gives the last page, not a number the first, as
    Paginator.get_page) of the messes overview_messes selects, PAGE_SIZE to a page, its
    `object_list` made rows (overview_rows), and the totals of the whole selection
    (overview_totals). `selection` is overview_messes's. The selection is read whole, in one
    query: the database works out every mess's figures to sort them anyway, and summing them again
    for the totals took it as long. Four queries whatever the number of messes and their history."""
    messes = list(overview_messes(now=now, **selection))
    page = Paginator(messes, PAGE_SIZE).get_page(number)
    page.object_list = overview_rows(messes=list(page.object_list), today=timezone.localdate(now))
    return page, overview_totals(messes=messes)


def messes_overview(*, now: datetime.datetime | None = None, **selection) -> list[dict]:
    """Every mess overview_messes selects (`selection` is its), as rows (overview_rows): the
    overview's CSV file. Four queries whatever the number of messes."""
    now = now or timezone.now()
    return overview_rows(messes=list(overview_messes(now=now, **selection)), today=timezone.localdate(now))
