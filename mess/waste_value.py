"""What waste costs, and the goal of wasting less: kilograms said in rupees (at the mess's food cost
per kilogram), in kilograms of CO2e and in meals (at its weight of a meal), as a share of what was
cooked where the mess records it, and grams per diner against a baseline and a goal.

The baseline is the mess's grams per diner over a period an admin sets, or by default over its
first BASELINE_DAYS days with a head count recorded; the goal is that less `waste_goal_percent`.
A week's progress is how far below the baseline its grams per diner are. Each mess's baseline is also
stored (WasteBaseline) once it stops changing, for the overview of hundreds of messes."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from mess.bulk import upsert
from mess.figures import KG_SUM, cents, grams_per_diner
from mess.models import CookedFood, Mess, WasteBaseline, WasteRecord
from mess.text import plural

BASELINE_DAYS = 28
CHART_WEEKS = 12  # weeks of grams per diner the dashboard draws


@dataclass(frozen=True)
class Valued:
    """Kilograms of waste, and what they are worth: rupees (None where the mess sets no food cost),
    kilograms of CO2e and meals."""

    kg: Decimal
    inr: Decimal | None
    co2e_kg: Decimal
    meals: int


def waste_valued(*, mess: Mess, kg) -> Valued:
    """`kg` of `mess`'s waste in rupees, CO2e and meals, at its current rates."""
    kg = cents(kg or 0)
    inr = cents(kg * mess.food_cost_per_kg) if mess.food_cost_per_kg is not None else None
    meals = int((kg / mess.kg_per_meal).quantize(Decimal(1), rounding=ROUND_HALF_UP)) if mess.kg_per_meal else 0
    return Valued(kg=kg, inr=inr, co2e_kg=cents(kg * mess.co2e_per_kg), meals=meals)


def valued_data(*, mess: Mess, kg) -> dict:
    """`kg` valued as a daily report keeps it in its JSON: rupees and CO2e as strings of cents."""
    valued = waste_valued(mess=mess, kg=kg)
    return {"inr": valued.inr and str(valued.inr), "co2e_kg": str(valued.co2e_kg), "meals": valued.meals}


def record_value(*, kg, food_cost_per_kg, co2e_per_kg) -> tuple[str, str]:
    """A waste record's rupees ("" where the mess sets no food cost) and kg CO2e, as the waste file writes them."""
    return ("" if food_cost_per_kg is None else str(cents(kg * food_cost_per_kg))), str(cents(kg * co2e_per_kg))


@dataclass(frozen=True)
class Period:
    """A mess's waste over some days: valued, and as a share of the food cooked for the meals whose
    cooked kilograms were recorded (None without any)."""

    days: int
    valued: Valued
    cooked_share: Decimal | None


def waste_periods(*, mess: Mess, today: datetime.date, periods: tuple[int, ...] = (7, 30)) -> dict[int, Period]:
    """The waste of `mess` over each of `periods` days ending `today`, valued. Two queries."""
    longest = max(periods)
    start = today - datetime.timedelta(days=longest - 1)
    starts = {days: today - datetime.timedelta(days=days - 1) for days in periods}
    sums = WasteRecord.objects.filter(floor__mess=mess, date__gte=start, date__lte=today).aggregate(
        **{f"kg{days}": Sum("total_kg", filter=Q(date__gte=starts[days]), output_field=KG_SUM) for days in periods}
    )
    # The share of what was cooked: the meals with both their cooked kilograms and their waste.
    cooked = defaultdict(Decimal)
    wasted = defaultdict(Decimal)
    cooked_meals = {
        (date, meal): kg
        for date, meal, kg in CookedFood.objects.filter(mess=mess, date__gte=start, date__lte=today).values_list("date", "meal", "kg")
    }
    if cooked_meals:
        rows = (
            WasteRecord.objects.filter(floor__mess=mess, date__gte=start, date__lte=today)
            .values("date", "meal")
            .annotate(kg=Sum("total_kg", output_field=KG_SUM))
            .order_by()
        )
        for row in rows:
            key = (row["date"], row["meal"])
            if key in cooked_meals:
                for days in periods:
                    if row["date"] >= starts[days]:
                        cooked[days] += cooked_meals[key]
                        wasted[days] += cents(row["kg"])
    return {
        days: Period(
            days=days,
            valued=waste_valued(mess=mess, kg=sums[f"kg{days}"]),
            cooked_share=(wasted[days] / cooked[days]).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP) if cooked[days] else None,
        )
        for days in periods
    }


@dataclass(frozen=True)
class Goal:
    """How a mess does against its goal: grams per diner of the baseline period and of the last 7
    days, the goal (the baseline less waste_goal_percent), and the reduction so far (a fraction;
    negative when it wastes more). Figures are None where no head count was recorded."""

    baseline_start: datetime.date | None
    baseline_end: datetime.date | None
    baseline: int | None
    week: int | None
    goal_percent: Decimal
    target: int | None

    @property
    def reduction(self) -> Decimal | None:
        if not self.baseline or self.week is None:
            return None
        return (1 - Decimal(self.week) / self.baseline).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)

    @property
    def sentence(self) -> str:
        """ "this week 142 g per diner: 11 % below the baseline, goal 20 %", or why there is none."""
        goal = f"goal {_percent(self.goal_percent / 100)} %"
        if self.baseline is None:
            return f"no baseline yet: it needs head counts recorded ({goal})"
        if self.week is None:
            return f"no head count recorded this week (baseline {self.baseline} g per diner, {goal})"
        reduction = self.reduction
        if reduction > 0:
            where = f"{_percent(reduction)} % below the baseline"
        elif reduction < 0:
            where = f"{_percent(-reduction)} % above the baseline"
        else:
            where = "at the baseline"
        return f"this week {self.week} g per diner: {where}, {goal}"


def _percent(fraction: Decimal) -> Decimal:
    return (fraction * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def waste_goals(*, messes: list[Mess], today: datetime.date) -> dict[int, Goal]:
    """Each mess's Goal as of `today` (see waste_goals_on). One query."""
    return {mess_id: goal for (mess_id, _), goal in waste_goals_on(messes=messes, dates=[today]).items()}


def waste_goals_on(*, messes: list[Mess], dates: list[datetime.date]) -> dict[tuple[int, datetime.date], Goal]:
    """Each mess's Goal as of each of `dates`, by (mess id, date): its week is the 7 days ending the
    date, and a baseline by default the first BASELINE_DAYS days with a head count up to the date
    (fewer while the mess has fewer). One query whatever the number of messes and dates: each day's
    kilograms and diners of the records with a head count, up to the last date."""
    if not messes or not dates:
        return {}
    daily = _head_counts(messes=messes, until=max(dates))
    goals = {}
    for mess in messes:
        days = daily[mess.pk]
        for date in dates:
            start, end = _baseline_period(mess=mess, days=days, date=date)
            baseline = _grams_of(days, start, end) if start else None
            week = _grams_of(days, date - datetime.timedelta(days=6), date)
            goals[mess.pk, date] = _goal(mess=mess, start=start, end=end, baseline=baseline, week=week)
    return goals


def waste_goals_of_week(*, messes: list[Mess], today: datetime.date, weeks: dict[int, int | None]) -> dict[int, Goal]:
    """Each mess's Goal as of `today`, as waste_goals gives it, its week's grams per diner given
    (`weeks`, by mess id: what the overview has summed already): the baseline read from the mess's
    WasteBaseline while it holds (baseline_holds), from the records otherwise (waste_goals, for those
    messes alone). One query, two when some mess's stored baseline does not hold."""
    stored = {baseline.mess_id: baseline for baseline in WasteBaseline.objects.filter(mess__in=messes)}
    goals, unheld = {}, []
    for mess in messes:
        baseline = stored.get(mess.pk)
        if baseline is None or not baseline_holds(baseline=baseline, mess=mess):
            unheld.append(mess)
            continue
        grams = grams_per_diner(baseline.kg, baseline.diners) if baseline.diners else None
        goals[mess.pk] = _goal(mess=mess, start=baseline.start, end=baseline.end, baseline=grams, week=weeks[mess.pk])
    return goals | waste_goals(messes=unheld, today=today)


def baseline_holds(*, baseline: WasteBaseline, mess: Mess) -> bool:
    """Whether `baseline`, as stored, is still `mess`'s: it was computed after its last day (so a
    later change of its records went through waste_baselines_follow), and it is the period an admin
    set for the mess, or, without one, the first BASELINE_DAYS days with a head count, all of them
    there (the same ever since, but for a change of records before its end)."""
    if baseline.end is None or baseline.end >= baseline.computed_on:
        return False
    if mess.baseline_start:
        return baseline.chosen and (baseline.start, baseline.end) == (mess.baseline_start, mess.baseline_end)
    return not baseline.chosen and baseline.days == BASELINE_DAYS


def waste_baselines_store(*, messes: list[Mess], today: datetime.date) -> None:
    """Computes the baselines of `messes` as of `today` from their records and stores them
    (WasteBaseline). Two queries: their days with a head count, and the upsert."""
    daily = _head_counts(messes=messes, until=today)
    rows = []
    for mess in messes:
        days = daily[mess.pk]
        start, end = _baseline_period(mess=mess, days=days, date=today)
        period = [figures for date, figures in days.items() if start and start <= date <= end]
        rows.append(
            WasteBaseline(
                mess=mess,
                chosen=bool(mess.baseline_start),
                start=start,
                end=end,
                days=len(period),
                kg=sum((kg for kg, _ in period), Decimal(0)),
                diners=sum(diners for _, diners in period),
                computed_on=today,
            )
        )
    if rows:
        figures = ["chosen", "start", "end", "days", "kg", "diners", "computed_on", "computed_at"]
        upsert(WasteBaseline, rows, unique_fields=["mess"], update_fields=figures)


def waste_baselines_refresh() -> str:
    """Computes and stores the baseline of every mess whose stored one is missing or no longer
    holds (a young mess's, a period an admin has just set or that is not over): part of the
    refresh_day_totals job. Two queries, and two more when some baseline is recomputed."""
    messes = [
        mess
        for mess in Mess.objects.select_related("waste_baseline").order_by("pk")
        if not hasattr(mess, "waste_baseline") or not baseline_holds(baseline=mess.waste_baseline, mess=mess)
    ]
    waste_baselines_store(messes=messes, today=timezone.localdate())
    return f"recomputed the waste baselines of {plural(len(messes), 'mess', 'messes')}"


def waste_baselines_follow(*, dates: list[datetime.date], mess_ids: list[int] | None) -> None:
    """The waste of `dates` at the messes named (None: any mess) changed: the stored baselines that
    hold and that such a change may move (those ending on or after the earliest of `dates`; never
    today's, since a baseline holds only once its last day is over) are recomputed, in the caller's
    transaction. No query for today's changes (a crowd's feedback), one when no baseline moves."""
    today, earliest = timezone.localdate(), min(dates)
    if earliest >= today:
        return
    rows = WasteBaseline.objects.filter(end__gte=earliest).select_related("mess")
    if mess_ids is not None:
        rows = rows.filter(mess_id__in=mess_ids)
    messes = [row.mess for row in rows if baseline_holds(baseline=row, mess=row.mess)]
    if messes:
        waste_baselines_store(messes=messes, today=today)


def _head_counts(*, messes: list[Mess], until: datetime.date) -> dict[int, dict[datetime.date, tuple[Decimal, int]]]:
    """Each mess's days with a head count up to `until`: mess id -> date -> (kilograms, diners) of
    its records with one. One query."""
    daily = defaultdict(dict)
    rows = (
        WasteRecord.objects.filter(floor__mess__in=messes, date__lte=until, diners__gt=0)
        .values("floor__mess_id", "date")
        .annotate(kg=Sum("total_kg", output_field=KG_SUM), diners=Sum("diners"))
        .order_by()
    )
    for row in rows:
        daily[row["floor__mess_id"]][row["date"]] = (cents(row["kg"]), row["diners"])
    return daily


def _baseline_period(*, mess: Mess, days: dict, date: datetime.date) -> tuple[datetime.date | None, datetime.date | None]:
    """The first and last day of `mess`'s baseline as of `date`, its days with a head count being
    `days`: the period an admin set, or the first BASELINE_DAYS of `days` up to `date`; (None, None)
    without any."""
    if mess.baseline_start:
        return mess.baseline_start, mess.baseline_end
    first = sorted(d for d in days if d <= date)[:BASELINE_DAYS]
    return (first[0], first[-1]) if first else (None, None)


def _goal(*, mess: Mess, start, end, baseline: int | None, week: int | None) -> Goal:
    target = int((baseline * (1 - mess.waste_goal_percent / 100)).quantize(Decimal(1), rounding=ROUND_HALF_UP)) if baseline else None
    return Goal(start, end, baseline, week, mess.waste_goal_percent, target)


def _grams_of(days: dict[datetime.date, tuple[Decimal, int]], start: datetime.date, end: datetime.date) -> int | None:
    """Grams per diner of the days from `start` to `end` of `days` (date -> kilograms, diners)."""
    kg, diners = Decimal(0), 0
    for date, (day_kg, day_diners) in days.items():
        if start <= date <= end:
            kg, diners = kg + day_kg, diners + day_diners
    return grams_per_diner(kg, diners) if diners else None


def weekly_grams(*, mess: Mess, today: datetime.date, weeks: int = CHART_WEEKS) -> list[tuple[datetime.date, int | None]]:
    """Grams per diner of each of the `weeks` weeks of 7 days ending `today`, oldest first, each by
    its last day: None for a week without a head count. One query."""
    start = today - datetime.timedelta(days=7 * weeks - 1)
    rows = (
        WasteRecord.objects.filter(floor__mess=mess, date__gte=start, date__lte=today, diners__gt=0)
        .values("date")
        .annotate(kg=Sum("total_kg", output_field=KG_SUM), diners=Sum("diners"))
        .order_by()
    )
    sums = defaultdict(lambda: [Decimal(0), 0])
    for row in rows:
        week = (today - row["date"]).days // 7
        sums[week][0] += cents(row["kg"])
        sums[week][1] += row["diners"]
    return [
        (today - datetime.timedelta(days=7 * week), grams_per_diner(*sums[week]) if sums[week][1] else None)
        for week in range(weeks - 1, -1, -1)
    ]
