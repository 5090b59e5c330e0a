"""What the others think (mess/opinions.py): this month's average rating of each meal and the dishes
liked and disliked most, on the students' page always and on the public menu only when the mess
allows it; figures only, never a comment or a name; in a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.messes import mess_save
from mess.models import DishVote, Meal
from mess.opinions import opinions
from tests.factories import NOW, TODAY, feedback, rater
from tests.test_scorecard import ballots

SECRET_COMMENT = "The dal tasted of soap, said Zebediah"


def seeded_month(mess):
    """TODAY is 10 March 2026. Lunch this month: 5, 4, 3 (average 4.00); dinner: 2, 3 (2.50);
    breakfast on 1 March: 4; snacks none. A lunch of 28 February (the month before) rated 1 does not count."""
    for day, meal, rating in [
        (TODAY, Meal.LUNCH, 5),
        (datetime.date(2026, 3, 5), Meal.LUNCH, 4),
        (datetime.date(2026, 3, 2), Meal.LUNCH, 3),
        (datetime.date(2026, 3, 9), Meal.DINNER, 2),
        (datetime.date(2026, 3, 8), Meal.DINNER, 3),
        (datetime.date(2026, 3, 1), Meal.BREAKFAST, 4),
        (datetime.date(2026, 2, 28), Meal.LUNCH, 1),
    ]:
        feedback(mess, day, meal, rating)


def test_it_averages_each_meal_of_this_month(mess1, mess2):
    seeded_month(mess1)
    feedback(mess2, TODAY, Meal.SNACKS, 1)  # another mess's

    seen = opinions(mess=mess1, today=TODAY)

    assert (seen.month_start, seen.end) == (datetime.date(2026, 3, 1), TODAY)
    assert [(m.meal, m.ratings, m.average) for m in seen.meals] == [
        ("breakfast", 1, Decimal("4.00")),
        ("lunch", 3, Decimal("4.00")),
        ("snacks", 0, None),
        ("dinner", 2, Decimal("2.50")),
    ]


def test_it_counts_the_dishes_as_the_scorecard_does_from_5_votes(mess1):
    ballots(mess1, TODAY, {"Rajma chawal": (5, 0), "Poha": (3, 1), "Upma": (0, 5), "Kheer": (1, 3)})

    dishes = opinions(mess=mess1, today=TODAY).dishes

    # Poha and Kheer have 4 votes each: too few to say anything.
    assert [(c.dish, c.likes, c.dislikes) for c in dishes.liked] == [("Rajma chawal", 5, 0)]
    assert [(c.dish, c.likes, c.dislikes) for c in dishes.disliked] == [("Upma", 0, 5)]


def test_it_reads_in_two_queries_however_many_ratings(mess1):
    seeded_month(mess1)
    ballots(mess1, TODAY, {"Rajma chawal": (30, 2), "Upma": (1, 20)})
    with CaptureQueriesContext(connection) as queries:
        opinions(mess=mess1, today=TODAY)
    assert len(queries) == 2


@pytest.fixture
def month_of_opinions(mess1):
    seeded_month(mess1)
    ballots(mess1, TODAY, {"Rajma chawal": (5, 0), "Upma": (0, 5), "Poha": (2, 2)})
    named = rater()
    named.first_name, named.last_name = "Zebediah", "Quackenbush"
    named.username = "zquackenbush"
    named.save()
    entry = feedback(mess1, TODAY, Meal.DINNER, 1, comment=SECRET_COMMENT, student=named)
    DishVote.objects.create(feedback=entry, mess=mess1, date=TODAY, dish="Rajma chawal", liked=True)
    return mess1


def assert_no_one_named(html):
    for private in ("soap", "Zebediah", "Quackenbush", "zquackenbush", "rater"):
        assert private not in html


@time_machine.travel(NOW, tick=False)
def test_students_see_what_their_mess_thinks_without_comments_or_names(as_student, month_of_opinions):
    html = as_student.get("/feedback/").content.decode()

    assert 'id="opinions"' in html
    assert "4.00" in html and "Rajma chawal" in html and "Upma" in html
    assert "Poha" not in html.split('id="opinions"')[1]  # 4 votes: too few
    assert_no_one_named(html.split('id="opinions"')[1].split("</section>")[0])
    assert "soap" not in html  # the page shows the student's own comments only, and this is not theirs


@time_machine.travel(NOW, tick=False)
def test_the_public_menu_shows_them_only_when_the_mess_allows_it(client, month_of_opinions, admin):
    mess = month_of_opinions
    assert mess.public_opinions is False  # off by default
    html = client.get("/menu/mess1/").content.decode()
    assert 'id="opinions"' not in html and "Rajma chawal" not in html

    mess.public_opinions = True
    mess_save(mess=mess, changed_by=admin)
    html = client.get("/menu/mess1/").content.decode()

    assert 'id="opinions"' in html
    assert "4.00" in html and "Rajma chawal" in html
    assert_no_one_named(html)


def test_admins_allow_it_on_the_mess_page_of_django_admin(as_admin, mess1):
    page = as_admin.get(f"/admin/mess/mess/{mess1.pk}/change/").content.decode()
    assert 'name="public_opinions"' in page
