"""Hindi: Django's Hindi formats, with ManageIt's date styles (those of manageit/formats/en/, in
Hindi words: सोम 7 दिसंबर 2026, 13:30) and numbers grouped the Indian way (1,23,456) where a template
groups them. Months are Django's alternative Hindi names ("E": दिसंबर), which are spelt as a
student writes them, where Django's "F" and "M" give दिसमबर and दिस्."""

from django.conf.locale.hi.formats import *  # noqa: F403 (Django's Hindi formats, all but those below)

DATE_FORMAT = "D j E Y"
SHORT_DATE_FORMAT = "D j E"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "D j E Y, H:i"
SHORT_DATETIME_FORMAT = "D j E, H:i"
MONTH_DAY_FORMAT = "D j E"  # Django admin's date drill-down
YEAR_MONTH_FORMAT = "E Y"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = (3, 2, 0)
