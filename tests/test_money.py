"""Rupees on every page in one style: Indian grouping, no empty paise."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from mess.templatetags.money import rupees


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("120.00"), "₹120"),
        (Decimal("35.50"), "₹35.50"),
        (Decimal("35.5"), "₹35.50"),
        (Decimal("1234.00"), "₹1,234"),
        (Decimal("123456.78"), "₹1,23,456.78"),
        (Decimal("12345678"), "₹1,23,45,678"),
        (0, "₹0"),
        ("80", "₹80"),
        (None, "–"),
    ],
)
def test_rupees_are_grouped_as_in_india_and_lose_empty_paise(amount, shown):
    assert rupees(amount) == shown


def test_templates_use_it_by_name():
    html = Template("{% load money %}{{ price|rupees }}").render(Context({"price": Decimal("150.00")}))
    assert html == "₹150"
