"""Numbers grouped the Indian way (1,23,456) and dates in each language's style (manageit/formats/)."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.dates import MONTHS

GROUPED = Template('{{ n|floatformat:"g" }} {{ x|floatformat:"2g" }} {{ small|floatformat:"g" }}')


@pytest.mark.parametrize("language", ["en", "hi"])
def test_grouped_numbers_are_grouped_in_thousands_then_lakhs_and_crores(language):
    with translation.override(language):
        shown = GROUPED.render(Context({"n": 123456, "x": 12345678.5, "small": 999}))
    assert shown == "1,23,456 1,23,45,678.50 999"


def test_numbers_a_template_does_not_group_stay_as_they_are():
    with translation.override("hi"):
        assert Template("{{ n }} {{ year }}").render(Context({"n": 123456, "year": 2026})) == "123456 2026"


def test_dates_follow_the_languages_style():
    day = datetime.date(2026, 12, 7)
    with translation.override("hi"):
        assert Template("{{ day|date }}").render(Context({"day": day})) == "सोम 7 दिसंबर 2026"  # Hindi day and month names
        assert MONTHS[12] != "December"
    with translation.override("en"):
        assert Template("{{ day|date }}").render(Context({"day": day})) == "Mon 7 Dec 2026"
