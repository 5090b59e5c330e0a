"""Filters for text: the plain-text e-mails' indents, and the words ManageIt stored with a row (a
critical comment's why, a cook sheet's explanation) in the reader's language."""

from django import template

from mess.forecast import explanation_in_words
from mess.models import Meal
from mess.triage import why_in_words

register = template.Library()


@register.filter
def continued(text: str, indent: str = "    ") -> str:
    """`text` with every line after the first indented, so that a comment's own lines stay inside its
    item of a plain-text list and can never pass for an item of their own."""
    return str(text).replace("\n", "\n" + indent)


register.filter("why_in_words", why_in_words)
register.filter("explanation_in_words", explanation_in_words)


@register.filter
def meal_label(meal: str) -> str:
    """A meal's label ("Lunch") from its key, in the reader's language: a stored report keeps the key."""
    return Meal(meal).label if meal in Meal.values else meal
