"""Text: the wording ManageIt writes (the jobs' summaries), and the one rule for text people type
(comments, names): newlines and tabs are text, every other control character is refused, since it
could rewrite a terminal or forge lines in a plain-text e-mail."""

import unicodedata


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    """'1 menu', '2 menus'; `plural_word` where adding an s is wrong ('2 messes')."""
    return f"{n} {word if n == 1 else plural_word or word + 's'}"


def typed_text(value: str) -> str:
    """`value` with its newlines as \\n (browsers send a text box's as \\r\\n). Raises ValueError,
    naming the first one, when it holds a control character other than newline and tab (a carriage
    return alone, an escape, a NUL...)."""
    value = value.replace("\r\n", "\n")
    for char in value:
        if unicodedata.category(char) == "Cc" and char not in "\n\t":
            raise ValueError(f"contains the control character U+{ord(char):04X}, which is not text")
    return value
