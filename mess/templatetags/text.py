"""Filters for the plain-text e-mails."""

from django import template

register = template.Library()


@register.filter
def continued(text: str, indent: str = "    ") -> str:
    """`text` with every line after the first indented, so that a comment's own lines stay inside its
    item of a plain-text list and can never pass for an item of their own."""
    return str(text).replace("\n", "\n" + indent)
