"""English as ManageIt's users in India read it: Django's English formats, with numbers grouped the
Indian way (1,23,456: thousands, then lakhs and crores) where a template groups them."""

from django.conf.locale.en.formats import *  # noqa: F403 (Django's English formats, all but the grouping)

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = (3, 2, 0)
