"""The one rounding rule: cents and whole grams, half up, from whatever the databases return."""

from decimal import Decimal

from mess.figures import average, cents, grams_per_diner


def test_cents_round_half_up_not_to_even():
    assert cents(Decimal("2.345")) == Decimal("2.35")
    assert cents(Decimal("2.355")) == Decimal("2.36")
    assert cents(Decimal("-0.005")) == Decimal("-0.01")


def test_cents_take_sqlites_float_sums_back_to_exact_cents():
    assert cents(0.1 + 0.2) == Decimal("0.30")
    assert str(cents(50)) == "50.00"
    assert cents(None) is None


def test_an_average_is_in_cents_and_none_without_anything_to_average():
    assert average(11, 3) == Decimal("3.67")
    assert average(0, 0) is None


def test_grams_per_diner_are_whole_grams_half_up_and_none_without_diners():
    assert grams_per_diner(Decimal("12.25"), 98) == 125
    assert grams_per_diner(Decimal("0.0025"), 1) == 3
    assert grams_per_diner(Decimal("12.25"), 0) is None
    assert grams_per_diner(Decimal("12.25"), None) is None
