"""Text: the wording ManageIt writes (the jobs' summaries), and the one rule for text people type
(comments, names): newlines and tabs are text, every other control character is refused, since it
could rewrite a terminal or forge lines in a plain-text e-mail."""

import unicodedata
from datetime import timedelta

from django.core.exceptions import ValidationError


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    """'1 menu', '2 menus'; `plural_word` where adding an s is wrong ('2 messes')."""
    return f"{n} {word if n == 1 else plural_word or word + 's'}"


def span_in_words(span: timedelta) -> str:
    """'3 days', '12 hours', '45 minutes': a span as people say it, rounded down to its largest unit."""
    seconds = int(span.total_seconds())
    if seconds >= 2 * 86400:
        return plural(seconds // 86400, "day")
    if seconds >= 2 * 3600:
        return plural(seconds // 3600, "hour")
    return plural(max(1, seconds // 60), "minute")


def folded(text: str) -> str:
    """`text` as compared without case or compatibility forms ('ADA', 'Ada' and 'ａｄａ' are 'ada')."""
    return unicodedata.normalize("NFKC", text).casefold()


def typed_text(value: str) -> str:
    """`value` with its newlines as \\n (browsers send a text box's as \\r\\n). Raises ValueError,
    naming the first one, when it holds a control character other than newline and tab (a carriage
    return alone, an escape, a NUL...)."""
    value = value.replace("\r\n", "\n")
    for char in value:
        if unicodedata.category(char) == "Cc" and char not in "\n\t":
            raise ValueError(f"contains the control character U+{ord(char):04X}, which is not text")
    return value


def validate_typed_text(value: str) -> None:
    """typed_text as a model field's validator, for what Django admin saves."""
    try:
        typed_text(value)
    except ValueError as error:
        raise ValidationError(f"The text {error}.") from None
