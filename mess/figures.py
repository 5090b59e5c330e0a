"""ManageIt's figures and their one rounding rule: kilograms and ratings in cents, rounded half up;
grams per diner in whole grams, rounded half up. SQLite sums decimals as floats, so every sum read
from the database goes through `cents` before it is shown, compared or stored."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField

CENTS = Decimal("0.01")
# What a sum of kilograms is read as: wide enough for years of a mess's waste.
KG_SUM = DecimalField(max_digits=12, decimal_places=2)


def cents(value) -> Decimal | None:
    """`value` (a Decimal, a float from SQLite's sums, an int or a numeric string) rounded half up
    to cents; None stays None."""
    return None if value is None else Decimal(value).quantize(CENTS, rounding=ROUND_HALF_UP)


def average(total, n: int) -> Decimal | None:
    """`total` / `n` in cents (an average rating, say); None when `n` is 0."""
    return cents(Decimal(total) / n) if n else None


def grams_per_diner(kg, diners: int | None) -> int | None:
    """`kg` shared among `diners`, in whole grams; None without diners."""
    return int((Decimal(kg) * 1000 / diners).quantize(Decimal(1), rounding=ROUND_HALF_UP)) if diners else None
