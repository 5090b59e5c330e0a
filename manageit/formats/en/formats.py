"""English as ManageIt's users in India read it: Django's English formats, with ManageIt's date
styles and numbers grouped the Indian way (1,23,456: thousands, then lakhs and crores) where a
template groups them.

The date styles, the same names in every language (manageit/formats/<language>/formats.py); pages,
e-mails and Python-built messages use only these (`{{ day|date }}`,
`{{ day|date:"SHORT_DATE_FORMAT" }}`, `{{ moment|time }}`, `date_format(day, "SHORT_DATE_FORMAT")`),
and files (CSV, URLs, form values) ISO dates (2026-12-07). Times are India's (IST), on a 24-hour
clock; the zone is said once, in each page's footer and each e-mail's signature.
- DATE_FORMAT, a day: Mon 7 Dec 2026
- SHORT_DATE_FORMAT, a day whose year goes without saying (in a list, a table, a range, a
  subject): Mon 7 Dec
- TIME_FORMAT, a time: 13:30
- DATETIME_FORMAT, a moment: Mon 7 Dec 2026, 13:30
- SHORT_DATETIME_FORMAT, a recent moment: Mon 7 Dec, 13:30
"""

from django.conf.locale.en.formats import *  # noqa: F403 (Django's English formats, all but those below)

DATE_FORMAT = "D j M Y"
SHORT_DATE_FORMAT = "D j M"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "D j M Y, H:i"
SHORT_DATETIME_FORMAT = "D j M, H:i"
MONTH_DAY_FORMAT = "D j M"  # Django admin's date drill-down
YEAR_MONTH_FORMAT = "F Y"
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = (3, 2, 0)
