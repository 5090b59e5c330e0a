"""Dishes that work and dishes that don't: what students liked and disliked of a mess's dishes over
the last 30 days, and the menu scorecard, which sets each weekday-and-meal slot's waste against its
rating over the last four weeks so the mess committee sees which menu slots waste most and please
least.

The scorecard's score is the "worst food" figure of the system ManageIt replaces, applied to menu
slots: grams of waste per diner × (6 − average rating). A slot that wastes 200 g a diner and is
rated 2 scores 800; one that wastes 50 g and is rated 4.5 scores 75.

Days are local (IST) dates, as everywhere in ManageIt:
- the dish counts look at the 30 days ending today, today included, like the dashboard's "last 30
  days": a dish voted on at lunch counts that afternoon;
- the scorecard looks at the 28 days ending yesterday: four of each weekday, and no day whose
  dinner has not been weighed yet.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from mess.figures import KG_SUM, average, cents, grams_per_diner
from mess.meals import days_ending
from mess.menu_rules import dishes_listed, rotation_week
from mess.models import DishVote, Feedback, Floor, Meal, Mess, RegularMenu, WasteRecord, Weekday

DISH_DAYS = 30
MIN_DISH_VOTES = 5  # a dish with fewer votes says more about a few students than about the dish
DISHES_LISTED = 10  # of the most liked, and of the most disliked
SCORECARD_DAYS = 28  # four of each weekday
WORST_RATING = 6  # one more than the best rating: a slot rated 5 still scores its waste


@dataclass(frozen=True)
class DishCount:
    dish: str
    likes: int
    dislikes: int

    @property
    def votes(self) -> int:
        return self.likes + self.dislikes

    @property
    def liked_share(self) -> Fraction:
        return Fraction(self.likes, self.votes)


@dataclass(frozen=True)
class DishCounts:
    start: datetime.date
    end: datetime.date
    liked: list[DishCount]  # liked by more than disliked them, the most likes first
    disliked: list[DishCount]  # disliked by more than liked them, the most dislikes first


def dish_counts(*, mess: Mess, today: datetime.date | None = None) -> DishCounts:
    """The dishes of `mess` that students liked and disliked over the DISH_DAYS days ending `today`
    (default: today's local date), counting only dishes with at least MIN_DISH_VOTES votes.

    `liked` holds the dishes more students liked than disliked, by their number of likes (then
    their share of likes, then name), the DISHES_LISTED first; `disliked` the same for dislikes (by
    number of dislikes, then share of dislikes, then name).
    A dish liked exactly as often as disliked is in neither. Dishes are told apart by their text as
    the students voted on it, whatever its case and surrounding spaces. One query (the dish-vote
    index covers it)."""
    today = today or timezone.localdate()
    start, end = days_ending(end=today, days=DISH_DAYS)
    rows = (
        DishVote.objects.filter(mess=mess, date__gte=start, date__lte=end)
        # "Poha" of one week's menu and "poha " of another's are one dish, on SQLite as on MariaDB
        # (whose collation already compares them equal).
        .annotate(name=Lower(Trim("dish")))
        .values("name")
        .annotate(
            spelled=Min("dish"),
            likes=Count("id", filter=Q(liked=True)),
            dislikes=Count("id", filter=Q(liked=False)),
            votes=Count("id"),
        )
        .filter(votes__gte=MIN_DISH_VOTES)
        .order_by()
    )
    counts = [DishCount(dish=r["spelled"].strip(), likes=r["likes"], dislikes=r["dislikes"]) for r in rows]
    # By how many students, not by share: 95 likes of 100 votes say more than 5 of 5.
    liked = sorted((c for c in counts if c.likes > c.dislikes), key=lambda c: (-c.likes, -c.liked_share, c.dish))
    disliked = sorted((c for c in counts if c.dislikes > c.likes), key=lambda c: (-c.dislikes, c.liked_share, c.dish))
    return DishCounts(start=start, end=end, liked=liked[:DISHES_LISTED], disliked=disliked[:DISHES_LISTED])


@dataclass(frozen=True)
class Slot:
    """One weekday-and-meal slot of the scorecard. The exact figures are Fractions (for ordering);
    what the page shows is rounded: grams per diner to whole grams, the average rating to cents and
    the score to a whole number, each half up."""

    weekday: int  # Weekday: 0 is Monday
    meal: str
    week: int | None  # the rotation week (1 or 2) of a mess that alternates two weekly menus, else None
    kg: Decimal | None  # of the records with a head count
    diners: int  # of those records
    ratings: int
    rating_sum: int
    # The slot's weekly menu as it is now, of each week it is served in (0 for every week, or 1 and 2
    # for a mess that alternates two weekly menus): what the committee would change.
    menus: tuple[tuple[int, tuple[str, ...]], ...] = ()
    # The score as a share of the worst slot's, in whole percent: what the number means on this page.
    share_of_worst: int | None = None

    @property
    def weekday_label(self) -> str:
        return Weekday(self.weekday).label

    @property
    def meal_label(self) -> str:
        return Meal(self.meal).label

    @property
    def exact_grams_per_diner(self) -> Fraction | None:
        return Fraction(self.kg) * 1000 / self.diners if self.diners else None

    @property
    def exact_average(self) -> Fraction | None:
        return Fraction(self.rating_sum, self.ratings) if self.ratings else None

    @property
    def exact_score(self) -> Fraction | None:
        grams, rating = self.exact_grams_per_diner, self.exact_average
        return None if grams is None or rating is None else grams * (WORST_RATING - rating)

    @property
    def grams_per_diner(self) -> int | None:
        return grams_per_diner(self.kg, self.diners)

    @property
    def average(self) -> Decimal | None:
        return average(self.rating_sum, self.ratings)

    @property
    def score(self) -> int | None:
        return _whole(self.exact_score)


def _whole(value: Fraction | None) -> int | None:
    """`value`, never negative, rounded half up to a whole number."""
    return None if value is None else int(value + Fraction(1, 2))


@dataclass(frozen=True)
class Scorecard:
    start: datetime.date
    end: datetime.date
    scored: list[Slot]  # the worst score first
    unscored: list[Slot]  # missing the waste per diner or the rating, in weekday and serving order


def scorecard(*, mess: Mess, today: datetime.date | None = None) -> Scorecard:
    """The menu scorecard of `mess` over the SCORECARD_DAYS days ending the day before `today`
    (default: today's local date): each of the 28 weekday-and-meal slots with its grams of waste
    per diner (1000 × Σ kg / Σ diners over the records with a head count), its average rating and
    its score = grams per diner × (6 − average rating).

    `scored` holds the slots with both figures, the worst (highest exact) score first, then by
    weekday and serving order; `unscored` every other slot, in weekday and serving order, with what
    it has. Each slot carries its weekly menu as it is now (the vegetarian one: non-veg items are
    priced extras), of every week it is served in. Computed exactly (the kilograms summed in the database are read back as cents).
    Three queries (the waste, the ratings, the weekly menu), whatever the number of floors, days and
    ratings."""
    today = today or timezone.localdate()
    start, end = days_ending(end=today - datetime.timedelta(days=1), days=SCORECARD_DAYS)
    # By day and meal in the database (at most 28 × 4 rows each), then by slot here: a slot of a mess
    # that alternates two weekly menus is its weekday, meal and rotation week, which SQL cannot tell.
    weeks = (1, 2) if mess.rotation_starts_on else (None,)

    def slot_of(date: datetime.date, meal: str) -> tuple:
        return date.weekday(), meal, rotation_week(mess=mess, date=date)

    waste = defaultdict(lambda: [Decimal(0), 0])
    for r in (
        WasteRecord.objects.filter(floor_id__in=Floor.objects.filter(mess=mess).values("pk"), date__gte=start, date__lte=end, diners__gt=0)
        .values("date", "meal")
        .annotate(kg=Sum("total_kg", output_field=KG_SUM), diners=Sum("diners"))
        .order_by()
    ):
        figures = waste[slot_of(r["date"], r["meal"])]
        figures[0] += cents(r["kg"])
        figures[1] += int(r["diners"])
    ratings = defaultdict(lambda: [0, 0])
    for r in (
        Feedback.objects.filter(mess=mess, date__gte=start, date__lte=end)
        .values("date", "meal")
        .annotate(total=Sum("rating"), n=Count("id"))
        .order_by()
    ):
        figures = ratings[slot_of(r["date"], r["meal"])]
        figures[0] += int(r["total"])
        figures[1] += r["n"]
    menus = defaultdict(list)
    for weekday, meal, week, dishes in (
        RegularMenu.objects.filter(mess=mess, is_veg=True).order_by("week").values_list("weekday", "meal", "week", "dishes")
    ):
        menus[weekday, meal].append((week, tuple(dishes_listed(dishes))))
    slots = []
    for weekday in Weekday.values:
        for week in weeks:
            for meal in Meal.values:
                key = (weekday, meal, week)
                w, r = waste.get(key), ratings.get(key)
                # a week's own menu where it has one, else the every-week menu it falls back to
                served = [m for m in menus[weekday, meal] if m[0] == week] or [m for m in menus[weekday, meal] if not m[0]]
                slots.append(
                    Slot(
                        weekday=weekday,
                        meal=meal,
                        week=week,
                        kg=w[0] if w else None,
                        diners=w[1] if w else 0,
                        ratings=r[1] if r else 0,
                        rating_sum=r[0] if r else 0,
                        menus=tuple(served) if week else tuple(menus[weekday, meal]),
                    )
                )
    # `slots` is in weekday and serving order, which sorted() keeps among equal scores.
    scored = sorted((s for s in slots if s.exact_score is not None), key=lambda s: -s.exact_score)
    if scored and scored[0].exact_score:
        worst = scored[0].exact_score
        scored = [replace(s, share_of_worst=_whole(100 * s.exact_score / worst)) for s in scored]
    unscored = [s for s in slots if s.exact_score is None]
    return Scorecard(start=start, end=end, scored=scored, unscored=unscored)
