"""Hindi: Django's Hindi formats (dates like 7 दिसंबर 2026, times like 2:30 PM), with numbers
grouped the Indian way (1,23,456) where a template groups them."""

from django.conf.locale.hi.formats import *  # noqa: F403 (Django's Hindi formats, all but those below)

DATETIME_FORMAT = "j F Y, g:i A"
YEAR_MONTH_FORMAT = "F Y"
SHORT_DATETIME_FORMAT = "d-m-Y g:i A"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = (3, 2, 0)
