"""Rupees as people in India write them: `{{ amount|rupees }}` gives ₹1,23,456 (lakhs grouped in
twos after the first thousand) and leaves out empty paise (₹120, not ₹120.00; ₹35.50 stays)."""

from decimal import Decimal

from django import template
from django.utils import numberformat

register = template.Library()

INDIAN_GROUPING = (3, 2, 0)  # 1,23,45,678: three digits, then twos


@register.filter
def rupees(amount) -> str:
    """`amount` (a number, or text of one) as rupees; "–" for none."""
    if amount is None or amount == "":
        return "–"
    value = Decimal(str(amount))
    paise = 0 if value == value.to_integral_value() else 2
    figure = numberformat.format(value, ".", decimal_pos=paise, grouping=INDIAN_GROUPING, thousand_sep=",", force_grouping=True)
    return f"₹{figure}"
