"""What people type: newlines and tabs are text; every other control character is refused."""

import re
from datetime import timedelta

import pytest

from mess.text import folded, plural, span_in_words, typed_text


def test_newlines_from_a_browser_become_plain_newlines_and_tabs_stay():
    assert typed_text("Cold idli.\r\nNo sambar.\tAgain.") == "Cold idli.\nNo sambar.\tAgain."


@pytest.mark.parametrize(
    ("text", "code"), [("a\rb", "U+000D"), ("\x1b[31mred", "U+001B"), ("nul\x00", "U+0000"), ("del\x7f", "U+007F"), ("c1\x85", "U+0085")]
)
def test_other_control_characters_are_refused_by_name(text, code):
    with pytest.raises(ValueError, match=re.escape(f"contains the control character {code}, which is not text")):
        typed_text(text)


def test_text_in_any_script_is_text():
    assert typed_text("खाना ठंडा था \u200d ok") == "खाना ठंडा था \u200d ok"


def test_plural():
    assert (plural(1, "menu"), plural(2, "menu"), plural(2, "mess", "messes")) == ("1 menu", "2 menus", "2 messes")


def test_a_duration_is_said_in_its_largest_whole_unit():
    assert (
        span_in_words(timedelta(days=3)),
        span_in_words(timedelta(hours=47)),
        span_in_words(timedelta(hours=1)),
        span_in_words(timedelta(seconds=30)),
    ) == (
        "3 days",
        "47 hours",
        "60 minutes",
        "1 minute",
    )


def test_folded_text_ignores_case_and_compatibility_forms():
    assert folded("ADA") == folded("Ada") == folded("ａｄａ") == "ada"
