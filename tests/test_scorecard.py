"""Dishes that work and dishes that don't, and the menu scorecard (mess/scorecard.py), against figures
worked out by hand; their days in IST; their cost in queries; and their page."""

import datetime
import re
from decimal import Decimal
from fractions import Fraction

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.models import DishVote, Floor, Meal, MenuWeek, RegularMenu, Weekday
from mess.scorecard import DISHES_LISTED, dish_counts, scorecard
from tests.factories import IST, NOW, TODAY, days_ago, feedback, waste

# TODAY is Tuesday 10 March 2026. The scorecard's 28 days end yesterday: Tuesday 10 February to
# Monday 9 March, four of each weekday. The dish counts' 30 days end today: 9 February to 10 March.
FIRST_SCORED, LAST_SCORED = datetime.date(2026, 2, 10), datetime.date(2026, 3, 9)
FIRST_VOTED = datetime.date(2026, 2, 9)


def ballots(mess, date, counts: dict[str, tuple[int, int]], meal=Meal.LUNCH) -> None:
    """Students' votes on the dishes of one meal: {dish: (likes, dislikes)}, each student voting
    once on each dish they vote on, as a rating carries its votes."""
    raters = max(likes + dislikes for likes, dislikes in counts.values())
    entries = [feedback(mess, date, meal, 4) for _ in range(raters)]
    DishVote.objects.bulk_create(
        DishVote(feedback=entries[i], mess=mess, date=date, dish=dish, liked=i < likes)
        for dish, (likes, dislikes) in counts.items()
        for i in range(likes + dislikes)
    )


def counted(dishes) -> list[tuple[str, int, int]]:
    return [(c.dish, c.likes, c.dislikes) for c in dishes]


# Dish counts


def test_it_lists_the_dishes_liked_and_disliked_most_with_at_least_5_votes(mess1, mess2):
    ballots(mess1, TODAY, {"Rajma chawal": (5, 0), "Poha": (4, 1), "Upma": (1, 4), "Dal tadka": (3, 3), "Aloo paratha": (3, 1)})
    ballots(mess1, days_ago(3), {"Paneer butter masala": (8, 2), "Rajma chawal": (1, 1), "Bhindi fry": (2, 4), "Upma": (0, 1)})
    ballots(mess2, TODAY, {"Aloo paratha": (9, 0), "Poha": (0, 9)})  # another mess's votes

    counts = dish_counts(mess=mess1, today=TODAY)

    # Likes: Paneer butter masala 8 (of 10 votes), Rajma chawal 6 (of 7, a larger share, fewer
    # students), Poha 4 (of 5: exactly the floor). Aloo paratha has 4 votes (3 + 1): too few.
    assert counted(counts.liked) == [("Paneer butter masala", 8, 2), ("Rajma chawal", 6, 1), ("Poha", 4, 1)]
    # Dislikes: Upma 5, Bhindi fry 4. Dal tadka (3 and 3) is in neither list.
    assert counted(counts.disliked) == [("Upma", 1, 5), ("Bhindi fry", 2, 4)]
    assert (counts.start, counts.end) == (FIRST_VOTED, TODAY)
    assert counts.liked[0].votes == 10


def test_it_ranks_by_how_many_students_then_by_share_then_by_name(mess1):
    ballots(
        mess1,
        TODAY,
        {
            "Kheer": (5, 0),  # every vote a like, but only 5
            "Chole bhature": (95, 5),
            "Jeera rice": (7, 3),  # 7 likes as Aloo gobi, a smaller share: after it
            "Aloo gobi": (7, 1),
            "Pulao": (6, 1),  # 6 likes and 1 dislike, as Biryani: by name
            "Biryani": (6, 1),
            "Karela": (0, 5),  # every vote a dislike, but only 5
            "Lauki": (10, 90),
            "Tinda": (3, 7),  # 7 dislikes as Kaddu, a smaller share: after it
            "Kaddu": (1, 7),
            "Turai": (2, 6),
            "Baingan": (2, 6),
        },
    )

    counts = dish_counts(mess=mess1, today=TODAY)

    assert [c.dish for c in counts.liked] == ["Chole bhature", "Aloo gobi", "Jeera rice", "Biryani", "Pulao", "Kheer"]
    assert [c.dish for c in counts.disliked] == ["Lauki", "Kaddu", "Tinda", "Baingan", "Turai", "Karela"]


def test_a_dish_is_one_dish_whatever_its_case_and_spaces(mess1):
    ballots(mess1, TODAY, {"Rajma chawal": (3, 0)})
    ballots(mess1, days_ago(7), {"rajma chawal ": (1, 1)})  # another week's menu, typed otherwise

    liked = dish_counts(mess=mess1, today=TODAY).liked

    assert [(c.dish.lower(), c.likes, c.dislikes) for c in liked] == [("rajma chawal", 4, 1)]


def test_the_dish_counts_look_at_30_days_ending_today_in_ist(mess1):
    ballots(mess1, FIRST_VOTED, {"Poha": (4, 0), "Idli sambar": (0, 4)})  # the first of the 30 days
    ballots(mess1, TODAY, {"Poha": (1, 0), "Idli sambar": (0, 1)})  # today, until midnight IST
    ballots(mess1, FIRST_VOTED - datetime.timedelta(days=1), {"Poha": (0, 9), "Idli sambar": (9, 0)})  # the day before: not counted

    # 00:10 on 10 March in IST is still 9 March in UTC: today is the 10th all the same.
    with time_machine.travel(datetime.datetime(2026, 3, 10, 0, 10, tzinfo=IST), tick=False):
        counts = dish_counts(mess=mess1)
    assert counted(counts.liked) == [("Poha", 5, 0)] and counted(counts.disliked) == [("Idli sambar", 0, 5)]

    # At 23:50 on 9 March the 30 days are 8 February to 9 March: today's votes are tomorrow's.
    with time_machine.travel(datetime.datetime(2026, 3, 9, 23, 50, tzinfo=IST), tick=False):
        counts = dish_counts(mess=mess1)
    assert counted(counts.liked) == [("Idli sambar", 9, 4)] and counted(counts.disliked) == [("Poha", 4, 9)]


def test_it_lists_the_10_most_liked(mess1):
    # Dish k is liked by 5 + k students and disliked by one.
    ballots(mess1, TODAY, {f"Dish {k:02}": (5 + k, 1) for k in range(12)})

    liked = dish_counts(mess=mess1, today=TODAY).liked

    assert len(liked) == DISHES_LISTED == 10
    assert [c.dish for c in liked] == [f"Dish {k:02}" for k in range(11, 1, -1)]


# The scorecard


@pytest.fixture
def four_weeks(mess1, ground, first, mess2):
    """Waste and ratings whose scorecard is worked out by hand in the test below."""
    monday, tuesday = days_ago(1), days_ago(7)  # 9 and 3 March
    # Monday lunch: 12.50 kg for 100 diners and 7.50 kg for 50; a record without a head count is
    # left out of grams per diner. Ratings 2, 3 and 1.
    waste(ground, monday, "lunch", "12.50", 100)
    waste(first, monday, "lunch", "7.50", 50)
    waste(ground, days_ago(8), "lunch", "5.00")
    for rating, day in [(2, monday), (3, monday), (1, days_ago(8))]:
        feedback(mess1, day, "lunch", rating)
    # Tuesday dinner, from the first of the 28 days: 3.00 kg for 20 diners and 6.00 for 40. Ratings 4 and 5.
    waste(ground, FIRST_SCORED, "dinner", "3.00", 20)
    waste(ground, tuesday, "dinner", "6.00", 40)
    feedback(mess1, FIRST_SCORED, "dinner", 4)
    feedback(mess1, tuesday, "dinner", 5)
    # Thursday lunch: 0.10 + 0.20 kg (0.30000000000000004 in binary floating point) for 1 + 1
    # diners. Ratings 5, 4, 4, 4.
    thursday = days_ago(5)
    waste(ground, thursday, "lunch", "0.10", 1)
    waste(first, thursday, "lunch", "0.20", 1)
    for rating in (5, 4, 4, 4):
        feedback(mess1, thursday, "lunch", rating)
    # Wednesday breakfast and Friday dinner score the same: 2.00 kg for 80 and 1.00 kg for 40, rated 5.
    waste(first, days_ago(6), "breakfast", "2.00", 80)
    feedback(mess1, days_ago(6), "breakfast", 5)
    waste(first, days_ago(4), "dinner", "1.00", 40)
    feedback(mess1, days_ago(4), "dinner", 5)
    # Saturday snacks: waste only. Sunday lunch: a rating only.
    waste(ground, days_ago(3), "snacks", "3.00", 40)
    feedback(mess1, days_ago(2), "lunch", 3)
    # Outside the 28 days: today (Tuesday) and the Monday before the first day.
    waste(ground, TODAY, "dinner", "90.00", 10)
    feedback(mess1, TODAY, "dinner", 1)
    waste(ground, FIRST_SCORED - datetime.timedelta(days=1), "lunch", "90.00", 10)
    feedback(mess1, FIRST_SCORED - datetime.timedelta(days=1), "lunch", 1)
    # Monday lunch's weekly menus: the two weeks of the rotation, and a non-veg menu left out.
    RegularMenu.objects.bulk_create(
        [
            RegularMenu(mess=mess1, weekday=0, meal="lunch", week=MenuWeek.SECOND, dishes="Dal makhani\nRice\n"),
            RegularMenu(mess=mess1, weekday=0, meal="lunch", week=MenuWeek.FIRST, dishes="Rajma chawal\n Jeera rice\nSalad"),
            RegularMenu(mess=mess1, weekday=0, meal="lunch", week=MenuWeek.FIRST, dishes="Egg curry", is_veg=False),
            RegularMenu(mess=mess2, weekday=0, meal="lunch", dishes="Chole bhature"),
        ]
    )
    # Another mess.
    waste(mess2.floors.first(), monday, "lunch", "90.00", 10)
    feedback(mess2, monday, "lunch", 1)


def figures(slots) -> list[tuple]:
    return [(Weekday(s.weekday).label, s.meal, s.grams_per_diner, s.average, s.score) for s in slots]


def test_the_scorecard_matches_the_figures_worked_out_by_hand(four_weeks, mess1):
    card = scorecard(mess=mess1, today=TODAY)

    assert (card.start, card.end) == (FIRST_SCORED, LAST_SCORED)
    assert figures(card.scored) == [
        # 1000 × 20.00 / 150 = 133.33 g; (2 + 3 + 1) / 3 = 2.00; 133.33 × (6 − 2) = 533.33
        ("Monday", "lunch", 133, Decimal("2.00"), 533),
        # 1000 × 0.30 / 2 = 150 g; 17 / 4 = 4.25; 150 × 1.75 = 262.5, rounded half up
        ("Thursday", "lunch", 150, Decimal("4.25"), 263),
        # 1000 × 9.00 / 60 = 150 g; 4.5; 150 × 1.5 = 225
        ("Tuesday", "dinner", 150, Decimal("4.50"), 225),
        # 1000 × 2.00 / 80 = 1000 × 1.00 / 40 = 25 g; 5; 25 × 1: a tie, in weekday order
        ("Wednesday", "breakfast", 25, Decimal("5.00"), 25),
        ("Friday", "dinner", 25, Decimal("5.00"), 25),
    ]
    assert card.scored[0].exact_score == Fraction(1600, 3)  # 1000 × 20 / 150 × 4, exactly
    assert (card.scored[0].diners, card.scored[0].ratings, card.scored[0].kg) == (150, 3, Decimal("20.00"))
    assert card.scored[0].menus == ((1, ("Rajma chawal", "Jeera rice", "Salad")), (2, ("Dal makhani", "Rice")))
    assert card.scored[1].menus == ()
    # The 23 other slots follow without a score, in weekday and serving order.
    assert len(card.unscored) == 28 - 5
    assert [(Weekday(s.weekday).label, s.meal) for s in card.unscored[:3]] == [
        ("Monday", "breakfast"),
        ("Monday", "snacks"),
        ("Monday", "dinner"),
    ]
    unscored = {(Weekday(s.weekday).label, s.meal): s for s in card.unscored}
    assert (unscored["Saturday", "snacks"].grams_per_diner, unscored["Saturday", "snacks"].average) == (75, None)
    assert (unscored["Sunday", "lunch"].grams_per_diner, unscored["Sunday", "lunch"].average) == (None, Decimal("3.00"))
    assert unscored["Sunday", "lunch"].score is None


def test_the_scorecard_looks_at_28_days_ending_yesterday_in_ist(mess1, ground):
    waste(ground, days_ago(1), "lunch", "10.00", 100)  # Monday 9 March
    feedback(mess1, days_ago(1), "lunch", 3)

    # 00:10 on 10 March in IST (9 March in UTC): Monday the 9th is over and counts.
    with time_machine.travel(datetime.datetime(2026, 3, 10, 0, 10, tzinfo=IST), tick=False):
        card = scorecard(mess=mess1)
    assert (card.start, card.end) == (FIRST_SCORED, LAST_SCORED)
    assert figures(card.scored) == [("Monday", "lunch", 100, Decimal("3.00"), 300)]

    # At 23:50 on 9 March it is still the 9th: the 28 days end on the 8th.
    with time_machine.travel(datetime.datetime(2026, 3, 9, 23, 50, tzinfo=IST), tick=False):
        card = scorecard(mess=mess1)
    assert (card.start, card.end) == (datetime.date(2026, 2, 9), datetime.date(2026, 3, 8))
    assert card.scored == [] and len(card.unscored) == 28


def test_each_score_says_its_share_of_the_worst(four_weeks, mess1):
    card = scorecard(mess=mess1, today=TODAY)
    # 533.33 is the worst: 262.5 is 49 %, 225 is 42 %, 25 is 5 % of it, rounded half up
    assert [s.share_of_worst for s in card.scored] == [100, 49, 42, 5, 5]


def test_weeks_1_and_2_of_a_mess_that_alternates_are_slots_of_their_own(mess1, ground):
    mess1.rotation_starts_on = datetime.date(2026, 2, 9)  # a Monday: weeks of 9 and 23 Feb are week 1, 16 Feb and 2 Mar week 2
    mess1.save(update_fields=["rotation_starts_on"])
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", week=MenuWeek.FIRST, dishes="Rajma chawal")
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", dishes="Dal rice")  # every week: week 2's fallback
    for monday, kg, rating in [(datetime.date(2026, 2, 9), "30.00", 1), (datetime.date(2026, 2, 23), "30.00", 1)]:
        waste(ground, monday, "lunch", kg, 100)
        feedback(mess1, monday, "lunch", rating)
    for monday in (datetime.date(2026, 2, 16), datetime.date(2026, 3, 2)):
        waste(ground, monday, "lunch", "5.00", 100)
        feedback(mess1, monday, "lunch", 4)

    card = scorecard(mess=mess1, today=TODAY)

    week1, week2 = card.scored  # not one Monday lunch that averages the two menus away
    assert (week1.week, week1.grams_per_diner, week1.average, week1.menus) == (1, 300, Decimal("1.00"), ((1, ("Rajma chawal",)),))
    assert (week2.week, week2.grams_per_diner, week2.average, week2.menus) == (2, 50, Decimal("4.00"), ((0, ("Dal rice",)),))
    assert len(card.unscored) == 2 * 28 - 2


def test_a_mess_with_nothing_recorded_has_every_slot_unscored(mess1):
    card = scorecard(mess=mess1, today=TODAY)

    assert card.scored == []
    assert [(s.weekday, s.meal) for s in card.unscored] == [(d, m) for d in Weekday.values for m in Meal.values]


# Queries


def more_data(mess, *, days: int, floors: int, raters: int, dishes: int) -> None:
    """Waste on `floors` new floors, `raters` ratings of each meal with votes on `dishes` dishes, every day."""
    Floor.objects.bulk_create([Floor(mess=mess, name=f"Extra {i}") for i in range(floors)])
    new_floors = list(Floor.objects.filter(mess=mess, name__startswith="Extra "))
    for n in range(days):
        for meal in Meal.values:
            for i, floor in enumerate(new_floors):
                waste(floor, days_ago(n), meal, f"{3 + i}.25", 90 + n)
            ballots(mess, days_ago(n), {f"Dish {k}": (raters - k % raters, k % raters) for k in range(dishes)}, meal=meal)


def test_the_figures_cost_one_query_and_three_whatever_the_data(mess1, ground):
    waste(ground, days_ago(1), "lunch", "10.00", 100)
    ballots(mess1, days_ago(1), {"Poha": (5, 0)})
    with CaptureQueriesContext(connection) as few:
        dish_counts(mess=mess1, today=TODAY)
        scorecard(mess=mess1, today=TODAY)

    more_data(mess1, days=30, floors=3, raters=6, dishes=8)
    with CaptureQueriesContext(connection) as many:
        counts = dish_counts(mess=mess1, today=TODAY)
        card = scorecard(mess=mess1, today=TODAY)

    # Dish k is liked by 6 − k % 6 of each meal's 6 raters: Poha and dishes 0, 1, 2, 6 and 7 liked, 4 and 5 disliked.
    assert (len(counts.liked), len(counts.disliked), len(card.scored)) == (6, 2, 28)
    assert len(few) == len(many) == 4  # the dish votes; the waste, the ratings and the weekly menus


@time_machine.travel(NOW, tick=False)
def test_the_page_costs_the_same_few_queries_whatever_the_data(as_official, mess1, ground, django_assert_max_num_queries):
    waste(ground, days_ago(1), "lunch", "10.00", 100)
    ballots(mess1, days_ago(1), {"Poha": (5, 0)})
    with CaptureQueriesContext(connection) as few:
        assert as_official.get("/mess/mess1/scorecard/").status_code == 200

    more_data(mess1, days=30, floors=3, raters=6, dishes=8)
    with django_assert_max_num_queries(len(few)):
        response = as_official.get("/mess/mess1/scorecard/")

    assert response.status_code == 200 and response.content.count(b"<tr>") > 28
    print("queries of the scorecard page:", len(few))


# The page


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_the_dishes_and_the_scorecard(as_official, four_weeks, mess1):
    ballots(mess1, TODAY, {"Rajma chawal": (5, 1), "Upma": (1, 4), "<b>Kheer</b>": (0, 5), "Lauki": (3, 6)})
    # Tuesday dinner: a menu of every week, which week 1's replaces
    RegularMenu.objects.create(mess=mess1, weekday=1, meal="dinner", week=MenuWeek.FIRST, dishes="Chole bhature")
    RegularMenu.objects.create(mess=mess1, weekday=1, meal="dinner", week=MenuWeek.EVERY, dishes="Paneer butter masala\nNaan")

    page = as_official.get("/mess/mess1/scorecard/").content.decode()

    _, liked, disliked, card = re.split(r'id="(?:dishes-liked|dishes-disliked|scorecard)"', page)
    assert '<td class="dish">Rajma chawal</td><td class="num">5</td><td class="num">1</td>' in liked
    assert "Upma" not in liked and "Upma" in disliked
    assert "&lt;b&gt;Kheer&lt;/b&gt;" in disliked and "<b>Kheer" not in page  # votes keep what students saw, escaped
    assert "the most likes first" in liked and "the most dislikes first" in disliked
    assert disliked.index("Lauki") < disliked.index("Kheer") < disliked.index("Upma")  # 6, 5 and 4 dislikes
    assert card.index("Monday lunch") < card.index("Thursday lunch") < card.index("Tuesday dinner") < card.index("Without a score")
    assert "<strong>533</strong>" in card and "<strong>263</strong>" in card
    assert "Tue 10 Feb to Mon 9 Mar" in card
    assert "Week 1: Rajma chawal, Jeera rice, Salad</span>" in card and "Week 2: Dal makhani, Rice</span>" in card
    assert "Every week: Paneer butter masala, Naan</span>" in card and "Week 1: Chole bhature</span>" in card


def test_the_dashboard_links_to_the_page(as_official, mess1):
    assert b'href="/mess/mess1/scorecard/"' in as_official.get("/mess/mess1/").content


def test_an_admin_sees_any_mess_and_an_official_of_another_gets_404(client, admin, other_official, mess1):
    client.force_login(admin)
    assert client.get("/mess/mess1/scorecard/").status_code == 200
    client.force_login(other_official)
    assert client.get("/mess/mess1/scorecard/").status_code == 404
    assert client.get("/mess/mess2/scorecard/").status_code == 200
