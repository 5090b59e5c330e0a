"""Absences on the pages: a student skips a meal of the week in one tap, and takes it back, until its
cut-off, after which the page says when the kitchen planned it; a leave from one day to another,
its refusals beside its fields; the student sees which of their meals are marked absent."""

import datetime

import pytest
import time_machine
from django.test import Client

from mess.absences import absence_leave, absence_skip
from mess.models import Absence, Closure, Role
from tests.factories import IST, NOW, TODAY
from tests.helpers import create_person

TOMORROW = TODAY + datetime.timedelta(days=1)
travel = time_machine.travel(NOW, tick=False)  # Tuesday 10 March, 13:00: lunch closed at 09:00, dinner closes at 16:00


def meal_box(page: str, date: datetime.date, meal: str) -> str:
    """The <li> of one meal in the week's card."""
    return page.split(f'id="meal-{date.isoformat()}-{meal}"')[1].split("</li>")[0]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def other_student(mess2):
    return create_person(username="carol", role=Role.STUDENT, mess=mess2)


@travel
def test_a_student_skips_tomorrows_dinner_in_one_tap_and_sees_it_marked(as_student, student):
    page = as_student.get("/feedback/").text
    dinner = meal_box(page, TOMORROW, "dinner")
    assert 'action="/absences/skip/"' in dinner and "I'll skip this" in dinner
    assert 'name="date" value="2026-03-11"' in dinner and 'name="meal" value="dinner"' in dinner

    response = as_student.post("/absences/skip/", {"date": "2026-03-11", "meal": "dinner"})

    assert response.status_code == 302 and response["Location"] == "/feedback/#day-2026-03-11"
    assert list(Absence.objects.values_list("student", "first_day", "last_day", "meal")) == [(student.pk, TOMORROW, TOMORROW, "dinner")]
    page = as_student.get("/feedback/")
    assert messages_of(page) == ["Dinner of Wed 11 Mar: you will skip it. Thank you for telling the kitchen."]
    dinner = meal_box(page.text, TOMORROW, "dinner")
    assert "you skip it" in dinner and 'action="/absences/back/"' in dinner and "I'll eat it after all" in dinner
    assert "you skip it" not in meal_box(page.text, TOMORROW, "lunch")
    assert "Wed 11 Mar: dinner" in page.text.split('id="absences"')[1]  # and among their absences


@travel
def test_a_student_takes_a_skipped_meal_back_and_is_counted_in_again(as_student, student):
    absence_leave(student=student, first_day=TOMORROW, last_day=TOMORROW + datetime.timedelta(days=1))

    response = as_student.post("/absences/back/", {"date": "2026-03-11", "meal": "dinner"}, follow=True)

    assert messages_of(response) == ["Dinner of Wed 11 Mar: you are counted in again."]
    assert "you skip it" not in meal_box(response.text, TOMORROW, "dinner")
    assert "you skip it" in meal_box(response.text, TOMORROW, "lunch")  # the rest of the leave stays
    again = as_student.post("/absences/back/", {"date": "2026-03-11", "meal": "dinner"}, follow=True)
    assert messages_of(again) == ["Dinner of Wed 11 Mar was not marked as skipped: you are counted in."]
    twice = as_student.post("/absences/skip/", {"date": "2026-03-11", "meal": "lunch"}, follow=True)
    assert messages_of(twice) == ["Lunch of Wed 11 Mar was already marked as skipped."]


@travel
def test_after_its_cut_off_a_meal_says_when_it_was_planned_and_the_skip_is_refused(as_student, student):
    absence_skip(student=student, date=TODAY, meal="lunch", now=datetime.datetime(2026, 3, 10, 8, tzinfo=IST))
    page = as_student.get("/feedback/").text

    lunch = meal_box(page, TODAY, "lunch")
    assert "planned at 09:00" in lunch and "<form" not in lunch and "you skip it" in lunch
    assert "planned at 04:00" in meal_box(page, TODAY, "breakfast")
    assert "I'll skip this" in meal_box(page, TODAY, "snacks")  # 17:00 closes at 14:00

    refused = as_student.post("/absences/back/", {"date": "2026-03-10", "meal": "lunch"}, follow=True)

    assert messages_of(refused) == ["Lunch of Tue 10 Mar can no longer be changed: the kitchen planned it at 09:00."]
    assert Absence.objects.count() == 1


@time_machine.travel(datetime.datetime(2026, 3, 10, 22, 0, tzinfo=IST), tick=False)
def test_a_cut_off_the_evening_before_says_which_day_it_was(as_student, mess1):
    mess1.absence_cutoff_minutes = 10 * 60  # breakfast at 07:00 closes at 21:00 the day before
    mess1.save()

    page = as_student.get("/feedback/").text

    assert "until 10 hours before it starts" in page
    assert "planned at 21:00 on Tue 10 Mar" in meal_box(page, TOMORROW, "breakfast")
    assert "I'll skip this" in meal_box(page, TOMORROW, "lunch")


@travel
def test_a_closed_day_offers_no_skip(as_student, mess1):
    Closure.objects.create(mess=mess1, first_day=TOMORROW, last_day=TOMORROW, reason="Holi")

    page = as_student.get("/feedback/").text

    day = page.split('id="day-2026-03-11"')[1].split("</section>")[0]
    assert "Closed: Holi" in day and "<form" not in day


@travel
def test_a_student_takes_a_leave_and_sees_every_meal_of_it_marked(as_student, student):
    response = as_student.post("/absences/leave/", {"first_day": "2026-03-12", "last_day": "2026-03-14"})

    assert response.status_code == 302 and response["Location"] == "/feedback/#absences"
    page = as_student.get("/feedback/")
    assert messages_of(page) == ["You are away from Thu 12 Mar to Sat 14 Mar: the kitchen will not cook for you. Have a good time."]
    assert "Thu 12 Mar to Sat 14 Mar: every meal" in page.text.split('id="absences"')[1]
    assert all("you skip it" in meal_box(page.text, datetime.date(2026, 3, 14), m) for m in ("breakfast", "lunch", "snacks", "dinner"))
    assert "you skip it" not in meal_box(page.text, datetime.date(2026, 3, 15), "breakfast")


@travel
def test_a_leave_from_today_says_which_meals_were_planned_already(as_student, student):
    response = as_student.post("/absences/leave/", {"first_day": "2026-03-10", "last_day": "2026-03-10"}, follow=True)

    assert messages_of(response) == [
        "You are away on Tue 10 Mar: the kitchen will not cook for you. Have a good time. "
        "The breakfast and lunch of Tue 10 Mar were planned already, so you are still counted for them."
    ]
    assert sorted(Absence.objects.values_list("meal", flat=True)) == ["dinner", "snacks"]


@travel
@pytest.mark.parametrize(
    ("first_day", "last_day", "field", "message"),
    [
        ("2026-03-12", "2026-04-11", "last_day", "A leave lasts at most 30 days; this one lasts 31."),
        ("2026-03-09", "2026-03-12", "first_day", "Mon 9 Mar has passed: a leave starts today or later."),
        ("2026-03-14", "2026-03-12", "last_day", "The last day is before the first day."),
        ("2026-05-08", "2026-05-10", "last_day", "Sun 10 May 2026 is more than 60 days ahead: the latest day is Sat 9 May 2026."),
        ("", "2026-03-12", "first_day", "This field is required."),
    ],
)
def test_a_leave_the_rules_refuse_says_why_beside_its_field_and_keeps_nothing(as_student, first_day, last_day, field, message):
    response = as_student.post("/absences/leave/", {"first_day": first_day, "last_day": last_day})

    assert response.status_code == 200
    assert response.context["leave_form"].errors[field] == [message]
    assert 'value="' + last_day + '"' in response.text.split('id="absences"')[1]  # as typed, to correct
    assert not Absence.objects.exists()


@travel
def test_a_skip_without_its_csrf_token_is_refused(student):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    skip = {"date": "2026-03-11", "meal": "dinner"}

    assert client.post("/absences/skip/", skip).status_code == 403
    assert client.post("/absences/leave/", {"first_day": "2026-03-12", "last_day": "2026-03-12"}).status_code == 403
    assert not Absence.objects.exists()
    token = client.get("/feedback/").cookies["csrftoken"].value
    assert client.post("/absences/skip/", {**skip, "csrfmiddlewaretoken": token}).status_code == 302
    assert Absence.objects.count() == 1


@travel
def test_a_post_without_a_meal_is_turned_away_with_a_message(as_student):
    response = as_student.post("/absences/skip/", {"date": "2026-03-11", "meal": "elevenses"}, follow=True)

    assert messages_of(response) == ["That meal could not be read. Please try again from the list."]
    assert not Absence.objects.exists()
    assert as_student.get("/absences/skip/").status_code == 405  # a skip is a post, never a link


# A mess's list of absences, for its officials and the admins


def away(student, first_day, last_day, meal="", known_at=NOW) -> Absence:
    return Absence.objects.create(
        student=student, mess=student.profile.mess, first_day=first_day, last_day=last_day, meal=meal, known_at=known_at
    )


@pytest.fixture
def bob(mess1):
    return create_person(username="bob", role=Role.STUDENT, mess=mess1)


@travel
def test_officials_see_who_is_away_over_the_week_by_default(as_official, student, bob, other_student):
    away(bob, TOMORROW, TOMORROW, "dinner")
    away(student, TODAY - datetime.timedelta(days=2), TODAY, known_at=None)  # a leave ending today, imported
    away(student, TODAY + datetime.timedelta(days=7), TODAY + datetime.timedelta(days=9))  # after the week
    away(other_student, TOMORROW, TOMORROW)  # another mess's

    response = as_official.get("/mess/mess1/absences/")

    assert response.status_code == 200
    assert [(a.student.username, a.first_day, a.meal) for a in response.context["page"]] == [
        ("alice", TODAY - datetime.timedelta(days=2), ""),
        ("bob", TOMORROW, "dinner"),
    ]
    table = response.text.split('id="absences"')[1]
    assert "2 absences from Tue 10 Mar to Mon 16 Mar 2026" in table
    assert "Sun 8 Mar to Tue 10 Mar" in table and "every meal" in table and "imported" in table
    assert "Wed 11 Mar" in table and "Dinner" in table and "Tue 10 Mar, 13:00" in table
    assert "carol" not in response.text


@travel
def test_a_week_nobody_is_away_says_so(as_official, mess1):
    page = as_official.get("/mess/mess1/absences/").text

    assert "0 absences from Tue 10 Mar to Mon 16 Mar 2026" in page and "Nobody said they would be away on these days." in page


@travel
def test_officials_choose_the_days_and_page_through_them(as_official, student):
    Absence.objects.bulk_create(
        Absence(
            student=student,
            mess=student.profile.mess,
            first_day=TODAY + datetime.timedelta(days=n),
            last_day=TODAY + datetime.timedelta(days=n),
        )
        for n in range(55)
    )

    first = as_official.get("/mess/mess1/absences/", {"start": "2026-03-10", "end": "2026-05-31"})
    second = as_official.get("/mess/mess1/absences/", {"start": "2026-03-10", "end": "2026-05-31", "page": "2"})

    assert len(first.context["page"]) == 50 and len(second.context["page"]) == 5
    assert 'href="?start=2026-03-10&amp;end=2026-05-31&amp;page=2"' in first.text
    assert second.context["page"][0].first_day == TODAY + datetime.timedelta(days=50)


@travel
def test_a_range_that_ends_before_it_starts_is_said_and_lists_nothing(as_official):
    response = as_official.get("/mess/mess1/absences/", {"start": "2026-03-12", "end": "2026-03-10"})

    assert response.context["page"] is None
    assert "The end date is before the start date." in response.text
    assert as_official.get("/mess/mess1/absences.csv", {"start": "2026-03-12", "end": "2026-03-10"}).status_code == 400


@travel
def test_the_csv_has_import_absences_columns_and_only_this_messs(as_official, student, mess1, other_student):
    formula = create_person(username="-bob", role=Role.STUDENT, mess=mess1)  # a cell a spreadsheet would run
    away(student, TOMORROW, TOMORROW, "dinner")
    away(formula, TODAY, TOMORROW)
    away(other_student, TOMORROW, TOMORROW)

    response = as_official.get("/mess/mess1/absences.csv", {"start": "2026-03-11", "end": "2026-03-11"})

    assert response["Content-Disposition"] == 'attachment; filename="absences-mess1-2026-03-11-2026-03-11.csv"'
    assert b"".join(response.streaming_content).decode().splitlines() == [
        "student,first_day,last_day,meal",
        "'-bob,2026-03-10,2026-03-11,",
        "alice,2026-03-11,2026-03-11,dinner",
    ]


@travel
def test_the_dashboard_links_the_absences_and_admins_see_any_messs(as_admin, mess1, other_student, mess2):
    away(other_student, TOMORROW, TOMORROW)

    assert 'href="/mess/mess1/absences/"' in as_admin.get("/mess/mess1/").text
    assert [a.student.username for a in as_admin.get("/mess/mess2/absences/").context["page"]] == ["carol"]
