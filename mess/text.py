"""Wording shared by the jobs' one-line summaries."""


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    """'1 menu', '2 menus'; `plural_word` where adding an s is wrong ('2 messes')."""
    return f"{n} {word if n == 1 else plural_word or word + 's'}"
