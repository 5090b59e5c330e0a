import datetime

import pytest

from mess.closures import closed_days
from mess.models import Closure, Mess

pytestmark = pytest.mark.django_db
D = datetime.date


def make_mess(code):
    return Mess.objects.create(code=code.lower(), name=code.title())


def test_closed_days_are_the_days_of_the_ranges_within_the_period_in_one_query(django_assert_num_queries):
    north, south, east = make_mess("NORTH"), make_mess("SOUTH"), make_mess("EAST")
    Closure.objects.create(mess=north, first_day=D(2026, 10, 30), last_day=D(2026, 11, 2), reason="Diwali")
    Closure.objects.create(mess=north, first_day=D(2026, 11, 20), last_day=D(2026, 11, 20))
    Closure.objects.create(mess=south, first_day=D(2026, 11, 1), last_day=D(2026, 11, 1))
    Closure.objects.create(mess=east, first_day=D(2026, 11, 1), last_day=D(2026, 11, 1))
    with django_assert_num_queries(1):
        days = closed_days(mess_ids=[north.id, south.id], start=D(2026, 11, 1), end=D(2026, 11, 20))
    assert days == {(north.id, D(2026, 11, 1)), (north.id, D(2026, 11, 2)), (north.id, D(2026, 11, 20)), (south.id, D(2026, 11, 1))}


def test_closed_days_of_every_mess_and_of_an_empty_period():
    north, south = make_mess("NORTH"), make_mess("SOUTH")
    Closure.objects.create(mess=north, first_day=D(2026, 11, 1), last_day=D(2026, 11, 1))
    Closure.objects.create(mess=south, first_day=D(2026, 11, 2), last_day=D(2026, 11, 3))
    assert closed_days(mess_ids=None, start=D(2026, 11, 1), end=D(2026, 11, 2)) == {(north.id, D(2026, 11, 1)), (south.id, D(2026, 11, 2))}
    assert closed_days(mess_ids=None, start=D(2026, 11, 4), end=D(2026, 11, 30)) == set()
    assert closed_days(mess_ids=[], start=D(2026, 11, 1), end=D(2026, 11, 3)) == set()
