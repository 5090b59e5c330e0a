"""Absences (mess/absences.py): students say before a meal's cut-off that they will not eat; the
cut-off's edges (in IST, across midnight, with a moved window), leaves and taking one meal back,
overlaps that count once, closed days, and the file that goes out and back in."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from mess.absences import (
    LEAVE_AHEAD,
    absence_leave,
    absence_skip,
    absence_take_back,
    absent_meals,
    absent_students,
    students_by_day,
)
from mess.imports.absences import absences_import
from mess.imports.reader import ImportRejected
from mess.models import Absence, Closure, MealWindow, Profile, Role
from mess.refusals import Refused
from tests.helpers import create_person

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
TODAY = datetime.date(2026, 3, 10)  # a Tuesday
TOMORROW = TODAY + datetime.timedelta(days=1)


def at(hour: int, minute: int = 0, second: int = 0, day: datetime.date = TODAY) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=IST)


def away(student, start=TODAY, end=TODAY + datetime.timedelta(days=7)) -> list[tuple[str, str]]:
    return sorted((f"{d:%a}", m) for d, m in absent_meals(student=student, start=start, end=end))


# The cut-off, three hours before a meal starts by default: lunch (12:00) closes at 09:00 IST.


def test_a_student_skips_a_meal_until_its_cut_off_and_not_a_second_after(student):
    assert absence_skip(student=student, date=TODAY, meal="lunch", now=at(8, 59, 59)) is True
    with pytest.raises(ValueError, match="Dinner of Tue 10 Mar can no longer be changed: the kitchen planned it at 16:00"):
        absence_skip(student=student, date=TODAY, meal="dinner", now=at(16))  # dinner (19:00) closed at 16:00 sharp
    with pytest.raises(ValueError, match="Lunch of Tue 10 Mar can no longer be changed: the kitchen planned it at 09:00"):
        absence_take_back(student=student, date=TODAY, meal="lunch", now=at(9))

    assert away(student) == [("Tue", "lunch")]


def test_skipping_a_meal_twice_adds_it_once_and_taking_it_back_removes_it(student):
    assert absence_skip(student=student, date=TOMORROW, meal="dinner", now=at(10)) is True
    assert absence_skip(student=student, date=TOMORROW, meal="dinner", now=at(10)) is False
    assert Absence.objects.count() == 1

    assert absence_take_back(student=student, date=TOMORROW, meal="dinner", now=at(11)) is True
    assert absence_take_back(student=student, date=TOMORROW, meal="dinner", now=at(11)) is False
    assert not Absence.objects.exists()


def test_a_cut_off_that_reaches_back_past_midnight_closes_breakfast_the_evening_before(student, mess1):
    mess1.absence_cutoff_minutes = 10 * 60  # breakfast at 07:00 closes at 21:00 the day before
    mess1.save()

    assert absence_skip(student=student, date=TOMORROW, meal="breakfast", now=at(20, 59, 59)) is True
    with pytest.raises(ValueError, match="the kitchen planned it at 21:00 on Tue 10 Mar"):
        absence_take_back(student=student, date=TOMORROW, meal="breakfast", now=at(21))


def test_the_cut_off_follows_a_meal_window_an_admin_moved(student):
    MealWindow.objects.filter(meal="lunch").update(starts_at=datetime.time(13, 30))  # now closes at 10:30

    assert absence_skip(student=student, date=TODAY, meal="lunch", now=at(10, 29)) is True
    with pytest.raises(ValueError, match="planned it at 10:30"):
        absence_take_back(student=student, date=TODAY, meal="lunch", now=at(10, 30))


def test_a_student_without_a_mess_or_a_meal_that_is_not_one_is_refused(db, django_user_model):
    nobody = django_user_model.objects.create_user(username="nobody")
    with pytest.raises(ValueError, match="eats at no mess"):
        absence_skip(student=nobody, date=TOMORROW, meal="lunch", now=at(8))


def test_a_skip_more_than_sixty_days_ahead_is_refused(student):
    with pytest.raises(ValueError, match=f"more than {LEAVE_AHEAD} days ahead"):
        absence_skip(student=student, date=TODAY + datetime.timedelta(days=LEAVE_AHEAD + 1), meal="lunch", now=at(8))


# Leaves


def test_a_leave_covers_every_meal_of_its_days_and_those_of_today_still_open(student):
    leave = absence_leave(student=student, first_day=TODAY, last_day=TOMORROW, now=at(10))  # lunch closed at 09:00

    assert leave.missed == ["breakfast", "lunch"]
    assert away(student) == [
        ("Tue", "dinner"),
        ("Tue", "snacks"),
        ("Wed", "breakfast"),
        ("Wed", "dinner"),
        ("Wed", "lunch"),
        ("Wed", "snacks"),
    ]


@pytest.mark.parametrize(
    ("first", "last", "field", "message"),
    [
        (1, 0, "last_day", "The last day is before the first day."),
        (1, 31, "last_day", "A leave lasts at most 30 days; this one lasts 31."),
        (40, 61, "last_day", "more than 60 days ahead"),
        (-1, 2, "first_day", "has passed: a leave starts today or later."),
    ],
)
def test_a_leave_refused_says_why_beside_its_field_and_stores_nothing(student, first, last, field, message):
    with pytest.raises(Refused) as refused:
        absence_leave(
            student=student, first_day=TODAY + datetime.timedelta(days=first), last_day=TODAY + datetime.timedelta(days=last), now=at(6)
        )
    assert message in refused.value.errors[field]
    assert not Absence.objects.exists()


def test_a_leave_of_today_alone_after_its_last_cut_off_is_refused(student):
    with pytest.raises(Refused, match="Every meal of Tue 10 Mar is planned already"):
        absence_leave(student=student, first_day=TODAY, last_day=TODAY, now=at(17))


def test_taking_back_one_meal_of_a_leave_keeps_the_rest_of_it(student):
    friday, sunday = datetime.date(2026, 3, 13), datetime.date(2026, 3, 15)
    absence_leave(student=student, first_day=friday, last_day=sunday, now=at(8))

    absence_take_back(student=student, date=datetime.date(2026, 3, 14), meal="lunch", now=at(8))

    meals = away(student, start=friday, end=sunday)
    assert len(meals) == 11 and ("Sat", "lunch") not in meals
    assert set(Absence.objects.values_list("known_at", flat=True)) == {at(8)}  # the pieces were known when the leave was


# Counting: overlaps once, closed days, who counts since when


def test_overlapping_absences_of_a_student_count_once(mess1, student):
    absence_leave(student=student, first_day=TOMORROW, last_day=TOMORROW + datetime.timedelta(days=4), now=at(8))
    absence_skip(student=student, date=TOMORROW, meal="dinner", now=at(8))  # inside the leave: accepted, not an error

    counted = absent_students(mess_ids=[mess1.pk], start=TOMORROW, end=TOMORROW)

    assert counted[mess1.pk, TOMORROW, "dinner"] == {student.pk}


def test_an_absence_on_a_closed_day_is_accepted_and_changes_nothing(mess1, student):
    Closure.objects.create(mess=mess1, first_day=TOMORROW, last_day=TOMORROW, reason="Holi")

    assert absence_skip(student=student, date=TOMORROW, meal="lunch", now=at(8)) is True


def test_the_absences_counted_are_those_known_by_the_cut_off(mess1, student):
    absence_skip(student=student, date=TOMORROW, meal="lunch", now=at(8))

    def cutoff(mess_id, date, meal):
        return at(7)  # before the skip was said

    assert absent_students(mess_ids=[mess1.pk], start=TOMORROW, end=TOMORROW, known_by=cutoff) == {}
    assert absent_students(mess_ids=[mess1.pk], start=TOMORROW, end=TOMORROW)[mess1.pk, TOMORROW, "lunch"] == {student.pk}


def test_the_absences_counted_may_be_of_some_meals_only(mess1, student):
    absence_leave(student=student, first_day=TOMORROW, last_day=TOMORROW, now=at(8))
    absence_skip(student=student, date=TOMORROW + datetime.timedelta(days=1), meal="lunch", now=at(8))

    counted = absent_students(mess_ids=[mess1.pk], start=TOMORROW, end=TOMORROW + datetime.timedelta(days=1), meals={"dinner"})

    assert dict(counted) == {(mess1.pk, TOMORROW, "dinner"): {student.pk}}


def test_a_student_counts_at_their_mess_from_the_day_they_came(mess1, student, official):
    newcomer = create_person(username="nina", role=Role.STUDENT, mess=mess1)
    Profile.objects.filter(user=newcomer).update(since=TOMORROW)
    absence_leave(student=newcomer, first_day=TOMORROW, last_day=TOMORROW, now=at(6))

    counts = students_by_day(mess_ids=[mess1.pk], dates=[TODAY, TOMORROW])

    assert counts == {(mess1.pk, TODAY): 1, (mess1.pk, TOMORROW): 2}  # alice always; nina from tomorrow; olga is an official


# The file


def _file(*rows: str) -> io.StringIO:
    return io.StringIO("student,first_day,last_day,meal\n" + "".join(f"{row}\n" for row in rows))


@time_machine.travel(at(8), tick=False)
def test_an_absences_file_goes_in_with_past_days_known_before_their_cut_offs_and_out_unchanged(student, mess1):
    result = absences_import(file=_file("alice,2026-02-01,2026-02-03,", "alice,2026-03-11,2026-03-11,Dinner"))
    again = absences_import(file=_file("alice,2026-02-01,2026-02-03,", "alice,2026-03-11,2026-03-11,Dinner"))
    out = io.StringIO()
    call_command("export_absences", start="2026-01-01", end="2026-12-31", stdout=out)

    assert str(result) == "imported 2 absences (2 new, 0 updated, 0 unchanged)"
    assert str(again) == "imported 2 absences (0 new, 0 updated, 2 unchanged)"
    assert set(Absence.objects.values_list("known_at", flat=True)) == {None}
    assert out.getvalue().splitlines() == [
        "student,first_day,last_day,meal",
        "alice,2026-02-01,2026-02-03,",
        "alice,2026-03-11,2026-03-11,dinner",
    ]


@time_machine.travel(at(8), tick=False)
def test_an_absences_file_with_any_bad_row_stores_nothing_and_says_each_line(student, official):
    file = _file(
        "alice,2026-03-11,2026-03-11,lunch",
        "bob,2026-03-11,2026-03-11,lunch",
        "olga,2026-03-11,2026-03-11,",
        "alice,2026-03-12,2026-03-11,",
        "alice,2026-03-11,2026-03-11,brunch",
        "alice,2026-13-01,2026-03-11,",
    )
    with pytest.raises(ImportRejected) as rejected:
        absences_import(file=file)

    assert rejected.value.errors == [
        "line 3: unknown student 'bob'",
        "line 4: 'olga' is not a student",
        "line 5: last_day 2026-03-11 is before first_day 2026-03-12",
        "line 6: unknown meal 'brunch' (one of: breakfast, lunch, snacks, dinner)",
        "line 7: first_day 2026-13-01 does not exist",
    ]
    assert not Absence.objects.exists()
    with pytest.raises(CommandError, match="5 errors"):
        call_command("import_absences", "-", stdin=io.StringIO(file.getvalue()))
