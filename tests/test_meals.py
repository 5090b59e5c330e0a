"""The mess's day: meals in the order admins' windows serve them, which have started, runs of days."""

import datetime as dt

import pytest
from django.utils import translation

from mess.meals import day_check, day_start, days_ending, meal_windows, meals_of_today, serving_order
from mess.models import Feedback, MealWindow

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def test_meal_windows_follow_the_hours_admins_set(db):
    MealWindow.objects.filter(meal="snacks").update(starts_at=dt.time(10, 0), ends_at=dt.time(11, 0))

    assert [w.meal for w in meal_windows()] == ["breakfast", "snacks", "lunch", "dinner"]


def test_a_meal_has_started_from_the_first_minute_of_its_window_in_local_time(db):
    started, upcoming = meals_of_today(now=dt.datetime(2026, 3, 9, 12, 0, tzinfo=IST), mess=None)

    assert [w.meal for w in started] == ["breakfast", "lunch"]
    assert [w.meal for w in upcoming] == ["snacks", "dinner"]
    assert [w.meal for w in meals_of_today(now=dt.datetime(2026, 3, 9, 1, 29, tzinfo=dt.UTC), mess=None)[0]] == []


def test_serving_order_sorts_rows_by_meal_not_by_name(student, mess1):
    for meal in ["snacks", "dinner", "breakfast", "lunch"]:
        Feedback.objects.create(student=student, mess=mess1, date=dt.date(2026, 3, 9), meal=meal, rating=4)

    assert list(Feedback.objects.order_by(serving_order()).values_list("meal", flat=True)) == ["breakfast", "lunch", "snacks", "dinner"]


def test_days_ending_and_day_start():
    assert days_ending(end=dt.date(2026, 3, 9), days=7) == (dt.date(2026, 3, 3), dt.date(2026, 3, 9))
    assert day_start(dt.date(2026, 3, 9)) == dt.datetime(2026, 3, 9, tzinfo=IST)


def test_a_day_out_of_bounds_is_refused_in_the_readers_language_with_the_dates_as_given():
    with translation.override("hi"), pytest.raises(ValueError, match="1999-12-31, 2000-01-01 से पहले की तारीख़ है"):
        day_check(dt.date(1999, 12, 31))
    with pytest.raises(ValueError, match="^2999-01-01 is in the future$"):
        day_check(dt.date(2999, 1, 1))
