"""Text: the wording ManageIt writes (the jobs' summaries), and the one rule for text people type
(comments, replies, notes, dish and item names, every name): newlines and tabs are text; every other
control character is refused, since it could rewrite a terminal or forge lines in a plain-text
e-mail, and so is every invisible format character (Unicode category Cf: right-to-left overrides,
zero-width spaces, soft hyphens), which can make text read otherwise than it is stored, but the
zero-width non-joiner and joiner (U+200C, U+200D) that Hindi, Bengali, Malayalam and other scripts
(and emoji) need."""

import unicodedata
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext


def lazy_format(message, /, **values):
    """A translatable `message` whose %(name)s placeholders take `values` when it is shown, in the
    reader's language (a help text or an error message of a form class, written once at import)."""
    return lazy(lambda: str(message) % values, str)()


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    """'1 menu', '2 menus'; `plural_word` where adding an s is wrong ('2 messes')."""
    return f"{n} {word if n == 1 else plural_word or word + 's'}"


def span_in_words(span: timedelta) -> str:
    """'3 days', '12 hours', '45 minutes': a span as people say it, rounded down to its largest unit,
    in the active language."""
    seconds = int(span.total_seconds())
    if seconds >= 2 * 86400:
        n = seconds // 86400
        return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}
    if seconds >= 2 * 3600:
        n = seconds // 3600
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    n = max(1, seconds // 60)
    return ngettext("%(n)d minute", "%(n)d minutes", n) % {"n": n}


# Words for an e-mail's context, made when it is shown rather than now: in each recipient's language.
span_in_words_lazy = lazy(span_in_words, str)
date_format_lazy = lazy(date_format, str)
lower_lazy = lazy(lambda text: str(text).lower(), str)  # a lazy translation (a meal's label) in lower case


def folded(text: str) -> str:
    """`text` as compared without case or compatibility forms ('ADA', 'Ada' and 'ａｄａ' are 'ada')."""
    return unicodedata.normalize("NFKC", text).casefold()


# The format characters that are text: the joiners that shape the letters of Indian scripts.
JOINERS = "\u200c\u200d"


def not_text(char: str) -> bool:
    """Whether `char` is a control or format character that typed text may not hold: any of Unicode
    categories Cc and Cf but newline, tab and the JOINERS."""
    return unicodedata.category(char) in ("Cc", "Cf") and char not in "\n\t" and char not in JOINERS


def typed_text(value: str) -> str:
    """`value` with its newlines as \\n (browsers send a text box's as \\r\\n). Raises ValueError,
    naming the first one, when it holds a character that is `not_text`: a control character other
    than newline and tab (a carriage return alone, an escape, a NUL...) or a format character other
    than the JOINERS (a right-to-left override, a zero-width space...)."""
    value = value.replace("\r\n", "\n")
    for char in value:
        if not_text(char):
            raise ValueError(gettext("contains the control character U+%(code)s, which is not text") % {"code": f"{ord(char):04X}"})
    return value


def validate_typed_text(value: str) -> None:
    """typed_text as a model field's validator, for what Django admin saves."""
    try:
        typed_text(value)
    except ValueError as error:
        raise ValidationError(gettext("The text %(problem)s.") % {"problem": error}) from None
