"""The demo's feedback: students' ratings and comments of every meal served, and their votes on the dishes."""

import datetime
import random

from mess.demo.menus import DEFAULT_LIKING, LIKING, STAPLES, liking, menu_of
from mess.demo.story import LOW_RATED_MEAL, RECENT_DAYS
from mess.models import DishVote, Feedback, FeedbackCategory, Mess
from mess.triage import feedback_verdict, terms_load

# Weights of the ratings 1 to 5: a menu students like (about 3.9 on average), one they like less
# (about 3.5), and the low-rated meal (about 2.25, never a 5).
LIKED_RATINGS = [2, 5, 20, 43, 30]
MEH_RATINGS = [4, 10, 30, 40, 16]
LOW_RATINGS = [25, 35, 30, 10, 0]
RATERS = (8, 20)  # students rating one meal of one mess on one day
VOTING = 0.5  # the share of ratings that also mark a dish or two liked or disliked

LOW_COMMENTS = [
    (FeedbackCategory.FOOD, "Rice was undercooked."),
    (FeedbackCategory.FOOD, "Dal was watery and cold."),
    (FeedbackCategory.FOOD, "Far too much oil in the sabzi."),
    (FeedbackCategory.FOOD, "Chapatis were hard."),
    (FeedbackCategory.HYGIENE, "Found a hair in the curry."),
    (FeedbackCategory.HYGIENE, "Plates were not washed properly."),
    (FeedbackCategory.HYGIENE, "Tables were sticky and the floor was wet."),
    (FeedbackCategory.SERVICE, "Food ran out before the end of the meal."),
    (FeedbackCategory.SERVICE, "Very long queue at the counter."),
]
# Rated 3 or more, and still what the officials must hear of: what the text says makes them critical.
SAFETY_COMMENTS = [
    "Taste was fine but I found a small stone in the dal.",
    "Curd tasted stale today.",
    "Sabzi theek thi, par roti mein baal tha.",
    "Glasses at the water counter were dirty.",
]
GOOD_COMMENTS = ["Loved the paneer today!", "Kheer was excellent.", "Good and hot, thanks.", "Nice variety this week."]


def demo_feedback(
    *,
    rng: random.Random,
    students: dict[str, list[int]],
    messes: dict[str, Mess],
    served: list[tuple[datetime.date, str]],
    closed: set[tuple[str, datetime.date]],
    today: datetime.date,
) -> int:
    """Stores a few students' ratings (some with a comment) of every meal `served` by each mess that
    was not closed that day. Returns how many."""
    demo_student = students["mess1"][0]
    terms = terms_load()
    entries = []
    for day, meal in served:
        recent = (today - day).days < RECENT_DAYS
        for code, mess in messes.items():
            if (code, day) in closed:
                continue
            if recent and (code, meal) == LOW_RATED_MEAL:
                weights = LOW_RATINGS
            else:
                weights = LIKED_RATINGS if liking(menu_of(mess, day, meal, today=today)) >= 0.5 else MEH_RATINGS
            raters = rng.sample(students[code], rng.randint(*RATERS))
            for student_id in raters:
                if day == today and student_id == demo_student:
                    continue  # today's meals are left for whoever tries the student's login
                rating = rng.choices(range(1, 6), weights)[0]
                category, comment = FeedbackCategory.FOOD, ""
                if rating <= 2 and rng.random() < 0.7:
                    category, comment = rng.choice(LOW_COMMENTS)
                elif rating >= 4 and rng.random() < 0.1:
                    comment = rng.choice(GOOD_COMMENTS)
                elif rating == 3 and rng.random() < 0.08:
                    comment = rng.choice(SAFETY_COMMENTS)
                entry = Feedback(student_id=student_id, mess=mess, date=day, meal=meal, rating=rating, category=category, comment=comment)
                entries.append(feedback_verdict(entry=entry, terms=terms))
    Feedback.objects.bulk_create(entries)
    return len(entries)


def demo_votes(*, rng: random.Random, messes: dict[str, Mess], served: list[tuple[datetime.date, str]], today: datetime.date) -> int:
    """About half the ratings also mark one or two of the meal's dishes (staples seldom) liked or
    disliked: the better the rating and the better liked the dish, the likelier a like."""
    by_id = {mess.pk: mess for mess in messes.values()}
    first = served[0][0]
    # one query for the ids of the entries just created, in a fixed order
    entries = Feedback.objects.filter(date__gte=first).order_by("date", "mess_id", "meal", "student_id")
    votes = []
    for entry_id, mess_id, day, meal, rating in entries.values_list("id", "mess_id", "date", "meal", "rating"):
        if rng.random() >= VOTING:
            continue
        dishes = [d for d in menu_of(by_id[mess_id], day, meal, today=today) if d not in STAPLES]
        for dish in rng.sample(dishes, min(len(dishes), rng.randint(1, 2))):
            liked = rng.random() < LIKING.get(dish, DEFAULT_LIKING) + (rating - 3) * 0.15
            votes.append(DishVote(feedback_id=entry_id, mess_id=mess_id, date=day, dish=dish, liked=liked))
    DishVote.objects.bulk_create(votes, batch_size=2000)
    return len(votes)
