"""What the others think: for a mess's students (and, when the mess allows it, anyone reading its
public menu), this month's average rating of each meal and the dishes liked and disliked most over
the last 30 days, counted as the officials' scorecard counts them (mess/scorecard.py).

Only figures leave this module: no comment, no name, no single student's rating. Two queries,
whatever the number of ratings and votes."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from mess.figures import average
from mess.models import Feedback, Meal, Mess
from mess.scorecard import DishCounts, dish_counts


@dataclass(frozen=True)
class MealRating:
    meal: str
    ratings: int
    average: Decimal | None  # in cents; None without ratings

    @property
    def meal_label(self) -> str:
        return Meal(self.meal).label


@dataclass(frozen=True)
class Opinions:
    month_start: datetime.date  # the first day of this month
    end: datetime.date  # today
    meals: list[MealRating]  # every meal, in serving order
    dishes: DishCounts

    @property
    def rated(self) -> bool:
        return any(m.ratings for m in self.meals)


def opinions(*, mess: Mess, today: datetime.date | None = None) -> Opinions:
    """What `mess`'s students think: each meal's average rating from the first of `today`'s month
    (default: today's local date) to `today`, both included, and the dish counts of
    mess.scorecard.dish_counts (its 30 days, its minimum of votes). Two queries."""
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    rows = {
        r["meal"]: r
        for r in Feedback.objects.filter(mess=mess, date__gte=month_start, date__lte=today)
        .values("meal")
        .annotate(total=Sum("rating"), n=Count("id"))
        .order_by()
    }
    meals = []
    for meal in Meal.values:
        total, n = (rows[meal]["total"], rows[meal]["n"]) if meal in rows else (0, 0)
        meals.append(MealRating(meal=meal, ratings=n, average=average(total, n)))
    return Opinions(month_start=month_start, end=today, meals=meals, dishes=dish_counts(mess=mess, today=today))
