"""Demo data for a fresh ManageIt: two messes, a few hundred students, 60 days of waste and feedback
up to the meal being served now (with a floor wasting too much, a floor wasting too much per diner
and a meal rated too low lately, so that every kind of alert has something to find), two weekly
menus of Indian hostel food served in turn, a fortnight of one-day changes and non-veg items with
their prices, students' votes on the dishes, and one login per role. For local use: the logins'
passwords are their usernames."""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from mess.meals import meals_of_today
from mess.menu_rules import rotation_week
from mess.models import (
    DishVote,
    Feedback,
    FeedbackCategory,
    Floor,
    Meal,
    MenuWeek,
    Mess,
    NonVegItem,
    NonVegMenu,
    RegularMenu,
    Role,
    TemporaryMenu,
    WasteRecord,
    Weekday,
)
from mess.people import ADMINS_GROUP, Person, people_create
from mess.triage import feedback_verdict, terms_load

User = get_user_model()

DAYS = 60
STUDENTS_PER_MESS = 150
MESSES = [("mess1", "Mess 1", ["Ground", "First"]), ("mess2", "Mess 2", ["Second", "Third"])]

# Every kind of alert holds over the last week with the default thresholds (50 kg per recorded day,
# 150 g per diner, 10 ratings at least), whatever the draws and whatever the time of day of seeding:
# - high_waste: mess1's First floor, a large floor, has wasted 64 to 83 kg a day since a new cook
#   started (six full days are at least 6 × 64 = 384 kg, above 7 × 50 however little today adds),
#   yet at most 138 g per diner in every record (16/140, 30/220, 11/80, 26/190);
# - high_waste_per_diner: mess2's Third floor has had 20 to 50 diners a meal since its students left
#   for their internships, while the kitchen cooks as before: at least 160 g per diner in every
#   record (4/25, 8/50, 3/18, 7/42), at most 32 kg a day;
# - low_rating: mess2's dinner is rated 1 to 4, about 2.25 on average, by 8 to 20 students a day.
# Every other floor stays at most 32 kg a day and 133 g per diner in every record (6/50, 12/90,
# 4/30, 10/80), and every other meal is rated about 3.5 or more on average.
RECENT_DAYS = 10
HIGH_WASTE_FLOOR = ("mess1", "First")
FEW_DINERS_FLOOR = ("mess2", "Third")
LOW_RATED_MEAL = ("mess2", Meal.DINNER)
NORMAL_KG = {Meal.BREAKFAST: (2, 6), Meal.LUNCH: (5, 12), Meal.SNACKS: (2, 4), Meal.DINNER: (4, 10)}
NORMAL_DINERS = {Meal.BREAKFAST: (50, 110), Meal.LUNCH: (90, 150), Meal.SNACKS: (30, 80), Meal.DINNER: (80, 145)}
LARGE_DINERS = {Meal.BREAKFAST: (140, 180), Meal.LUNCH: (220, 280), Meal.SNACKS: (80, 120), Meal.DINNER: (190, 250)}
HIGH_KG = {Meal.BREAKFAST: (12, 16), Meal.LUNCH: (24, 30), Meal.SNACKS: (8, 11), Meal.DINNER: (20, 26)}
FEW_DINERS = {Meal.BREAKFAST: (20, 25), Meal.LUNCH: (40, 50), Meal.SNACKS: (15, 18), Meal.DINNER: (35, 42)}
FEW_DINERS_KG = {Meal.BREAKFAST: (4, 6), Meal.LUNCH: (8, 12), Meal.SNACKS: (3, 4), Meal.DINNER: (7, 10)}
# Weights of the ratings 1 to 5: a menu students like (about 3.9 on average), one they like less
# (about 3.5), and the low-rated meal (about 2.25, never a 5).
LIKED_RATINGS = [2, 5, 20, 43, 30]
MEH_RATINGS = [4, 10, 30, 40, 16]
LOW_RATINGS = [25, 35, 30, 10, 0]
RATERS = (8, 20)  # students rating one meal of one mess on one day
VOTING = 0.5  # the share of ratings that also mark a dish or two liked or disliked

# Two weekly menus, served in turn (week 1, week 2, ...): weekday -> breakfast, lunch, snacks, dinner.
WEEK_1 = [
    (
        ["Poha", "Jalebi", "Tea"],
        ["Rajma chawal", "Jeera rice", "Chapati", "Salad"],
        ["Samosa", "Tea"],
        ["Aloo gobi", "Dal tadka", "Chapati", "Rice", "Kheer"],
    ),
    (
        ["Idli sambar", "Coconut chutney", "Coffee"],
        ["Kadhi pakora", "Rice", "Bhindi fry", "Chapati"],
        ["Bread pakora", "Tea"],
        ["Paneer butter masala", "Dal makhani", "Butter naan", "Jeera rice"],
    ),
    (
        ["Aloo paratha", "Curd", "Pickle", "Tea"],
        ["Chole", "Jeera rice", "Chapati", "Boondi raita"],
        ["Vada pav", "Tea"],
        ["Lauki chana dal", "Rice", "Chapati", "Mix veg"],
    ),
    (
        ["Upma", "Coconut chutney", "Banana", "Tea"],
        ["Dal tadka", "Rice", "Aloo matar", "Chapati", "Papad"],
        ["Veg sandwich", "Coffee"],
        ["Veg pulao", "Boondi raita", "Mix veg", "Chapati", "Gulab jamun"],
    ),
    (
        ["Masala dosa", "Sambar", "Coffee"],
        ["Sambar rice", "Rasam", "Cabbage poriyal", "Curd", "Papad"],
        ["Onion pakora", "Tea"],
        ["Chole bhature", "Jeera rice", "Salad"],
    ),
    (
        ["Bread butter jam", "Cornflakes", "Tea"],
        ["Veg biryani", "Mirchi ka salan", "Boondi raita"],
        ["Bhel puri", "Tea"],
        ["Dal fry", "Rice", "Tinda masala", "Chapati"],
    ),
    (
        ["Puri bhaji", "Tea"],
        ["Paneer do pyaza", "Dal makhani", "Jeera rice", "Puri", "Gulab jamun"],
        ["Maggi", "Tea"],
        ["Khichdi", "Kadhi", "Papad", "Pickle"],
    ),
]
WEEK_2 = [
    (
        ["Upma", "Banana", "Tea"],
        ["Dal makhani", "Rice", "Chapati", "Jeera aloo"],
        ["Onion pakora", "Tea"],
        ["Rajma chawal", "Chapati", "Salad"],
    ),
    (
        ["Aloo paratha", "Curd", "Tea"],
        ["Chole", "Rice", "Chapati", "Salad"],
        ["Samosa", "Tea"],
        ["Mix veg", "Dal tadka", "Rice", "Chapati", "Suji halwa"],
    ),
    (
        ["Idli sambar", "Coconut chutney", "Coffee"],
        ["Sambar rice", "Rasam", "Beans poriyal", "Curd"],
        ["Biscuits", "Tea"],
        ["Paneer butter masala", "Jeera rice", "Chapati", "Dal fry"],
    ),
    (
        ["Poha", "Jalebi", "Tea"],
        ["Lauki chana dal", "Rice", "Chapati", "Boondi raita"],
        ["Vada pav", "Tea"],
        ["Aloo gobi", "Dal tadka", "Rice", "Chapati"],
    ),
    (
        ["Masala dosa", "Sambar", "Coffee"],
        ["Kadhi pakora", "Rice", "Jeera aloo", "Chapati"],
        ["Veg sandwich", "Coffee"],
        ["Veg pulao", "Boondi raita", "Malai kofta", "Chapati"],
    ),
    (
        ["Bread butter jam", "Cornflakes", "Tea"],
        ["Veg biryani", "Boondi raita", "Mirchi ka salan"],
        ["Bhel puri", "Tea"],
        ["Tinda masala", "Dal fry", "Rice", "Chapati"],
    ),
    (["Puri bhaji", "Tea"], ["Chole bhature", "Jeera rice", "Lassi"], ["Maggi", "Tea"], ["Khichdi", "Kadhi", "Papad", "Rasgulla"]),
]
# One-day changes: (mess, days from today, meal, dishes).
ONE_DAY_CHANGES = [
    ("mess1", 0, Meal.LUNCH, ["Veg biryani", "Mirchi ka salan", "Boondi raita", "Gulab jamun"]),
    ("mess1", 3, Meal.DINNER, ["Paneer tikka masala", "Veg pulao", "Dal makhani", "Butter naan", "Rasmalai"]),
    ("mess2", 3, Meal.DINNER, ["Paneer tikka masala", "Veg pulao", "Dal makhani", "Butter naan", "Rasmalai"]),
    ("mess2", 5, Meal.BREAKFAST, ["Chole kulche", "Lassi"]),
]
# Non-veg items with their prices (rupees): mess -> weekday -> (meal, items); mess1 serves its
# Wednesday dinner's items today too, whatever the day, so the demo's first page shows some.
NONVEG = {
    "mess1": {
        Weekday.WEDNESDAY: (Meal.DINNER, [("Chicken curry", "120"), ("Egg bhurji", "40")]),
        Weekday.FRIDAY: (Meal.DINNER, [("Fish fry", "150"), ("Egg curry", "50")]),
        Weekday.SUNDAY: (Meal.LUNCH, [("Chicken biryani", "140"), ("Egg bhurji", "40")]),
    },
    "mess2": {
        Weekday.TUESDAY: (Meal.DINNER, [("Chilli chicken", "110"), ("Boiled eggs (2)", "30")]),
        Weekday.THURSDAY: (Meal.DINNER, [("Mutton curry", "180"), ("Egg bhurji", "40")]),
        Weekday.SATURDAY: (Meal.LUNCH, [("Fish curry", "130"), ("Egg curry", "50")]),
    },
}
MENU_DAYS = 14  # the fortnight from today that the one-day changes and non-veg items cover
# Dishes students seldom mark: what comes with every meal.
STAPLES = {"Rice", "Chapati", "Tea", "Coffee", "Salad", "Papad", "Pickle", "Curd", "Banana", "Biscuits", "Coconut chutney", "Sambar"}
# How likely a student who marks a dish likes it (0.6 for a dish not named here).
LIKING = {
    "Paneer butter masala": 0.9,
    "Chole bhature": 0.9,
    "Gulab jamun": 0.9,
    "Jalebi": 0.85,
    "Rajma chawal": 0.85,
    "Aloo paratha": 0.85,
    "Masala dosa": 0.8,
    "Veg biryani": 0.8,
    "Paneer do pyaza": 0.8,
    "Paneer tikka masala": 0.9,
    "Rasmalai": 0.9,
    "Malai kofta": 0.75,
    "Samosa": 0.75,
    "Maggi": 0.75,
    "Poha": 0.7,
    "Idli sambar": 0.7,
    "Upma": 0.3,
    "Khichdi": 0.3,
    "Lauki chana dal": 0.2,
    "Tinda masala": 0.15,
    "Cabbage poriyal": 0.3,
    "Beans poriyal": 0.35,
    "Kadhi": 0.4,
    "Bread butter jam": 0.45,
    "Cornflakes": 0.45,
}
DEFAULT_LIKING = 0.6

LOGINS = [  # username, password, who
    ("admin", "admin", "admin"),
    ("official1", "official1", "official of mess1"),
    ("official2", "official2", "official of mess2"),
    ("student", "student", "student of mess1"),
]

FIRST_NAMES = """Aarav Aditi Akash Ananya Arjun Bhavna Chetan Deepa Divya Farhan Gauri Harsh Isha Jaya Karan Kavya
Lakshmi Manish Meera Nikhil Neha Omkar Pooja Pranav Priya Rahul Riya Rohan Sakshi Sameer Sanjana Shreya Siddharth
Sneha Tanvi Tarun Uma Varun Vidya Vikram Yash Zoya""".split()
LAST_NAMES = """Agarwal Bhat Chatterjee Das Desai Gupta Iyer Jain Joshi Kapoor Khan Kulkarni Kumar Menon Mishra Nair
Patel Pillai Rao Reddy Sharma Singh Verma Yadav""".split()
BRANCHES = ["cse", "ece", "eee", "mec", "civ", "che"]

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


@dataclass(frozen=True)
class DemoSummary:
    messes: int
    floors: int
    students: int
    waste_records: int
    feedback: int
    dish_votes: int
    menus: int
    logins: list[tuple[str, str, str]]  # username, password, role

    def __str__(self) -> str:
        return (
            f"seeded {self.messes} messes, {self.floors} floors, {self.students} students, {self.waste_records} waste records, "
            f"{self.feedback} feedback entries with {self.dish_votes} dish votes, and {self.menus} menus"
        )


def demo_logins() -> list[tuple[str, str, str]]:
    """The demo logins (username, password, who) that still work: their user exists, is active and
    still has the demo password. Empty for a database the demo data never went into."""
    users = {u.username: u for u in User.objects.filter(username__in=[login[0] for login in LOGINS], is_active=True)}
    return [login for login in LOGINS if login[0] in users and users[login[0]].check_password(login[1])]


def demo_logins_text(logins: list[tuple[str, str, str]]) -> str:
    lines = "\n".join(f"  {username} / {password}  ({who})" for username, password, who in logins)
    return f"Demo logins (for local use only):\n{lines}"


def demo_database_empty() -> bool:
    """Whether ManageIt holds no mess and no user yet: the only state the demo data is added to."""
    return not Mess.objects.exists() and not User.objects.exists()


@transaction.atomic
def demo_seed(*, now: datetime.datetime | None = None) -> DemoSummary:
    """Fills an empty database with the demo data: 60 days of waste and feedback ending today (in
    local time), of today only the meals whose window has started by `now` (default: the current
    time), two weekly menus served in turn, one-day changes and non-veg items for the fortnight from
    today, and dish votes on the feedback. With ManageIt's default thresholds, generate_alerts finds
    every kind of alert: see RECENT_DAYS. Deterministic: the same `now` always gives the same data,
    but for the password hashes. Raises ValueError, writing nothing, if the database is not empty."""
    if not demo_database_empty():
        raise ValueError("the database already has messes or users; the demo data only goes into an empty one")
    now = now or timezone.now()
    today = timezone.localdate(now)
    started, _ = meals_of_today(now=now)
    rng = random.Random(42)
    # (date, meal) of every meal served so far, oldest first
    served = [
        (today - datetime.timedelta(days=n), meal)
        for n in range(DAYS - 1, -1, -1)
        for meal in (Meal.values if n else [w.meal for w in started])
    ]

    first_monday = served[0][0] - datetime.timedelta(days=served[0][0].weekday())
    messes = {
        # mess2 serves the other week's menu on any day: its rotation starts a week later
        code: Mess.objects.create(code=code, name=name, rotation_starts_on=first_monday + datetime.timedelta(weeks=n))
        for n, (code, name, _) in enumerate(MESSES)
    }
    Floor.objects.bulk_create([Floor(mess=messes[code], name=name) for code, _, floors in MESSES for name in floors])
    floors = list(Floor.objects.select_related("mess").order_by("mess__code", "id"))

    students = _demo_people(rng=rng, messes=messes)
    menus = _demo_menus(messes=messes, today=today)
    waste = _demo_waste(rng=rng, floors=floors, served=served, today=today)
    feedback = _demo_feedback(rng=rng, students=students, messes=messes, served=served, today=today)
    votes = _demo_votes(rng=rng, messes=messes, served=served, today=today)
    return DemoSummary(
        messes=len(messes),
        floors=len(floors),
        students=sum(len(s) for s in students.values()),
        waste_records=waste,
        feedback=feedback,
        dish_votes=votes,
        menus=menus,
        logins=LOGINS,
    )


def _demo_people(*, rng: random.Random, messes: dict[str, Mess]) -> dict[str, list[int]]:
    """Creates the logins and the students; returns each mess's students' ids (the demo student first)."""
    usernames = sorted({f"{rng.choice([21, 22, 23, 24])}{rng.choice(BRANCHES)}{rng.randint(1, 180):03}" for _ in range(1000)})
    rng.shuffle(usernames)
    admin = User.objects.create_superuser(
        username="admin", email="admin@example.org", password="admin", first_name="Demo", last_name="Admin"
    )
    Group.objects.get(name=ADMINS_GROUP).user_set.add(admin)
    people = [
        Person("official1", Role.OFFICIAL, messes["mess1"].pk, "official1@example.org", "Ramesh", "Iyer", password="official1"),
        Person("official2", Role.OFFICIAL, messes["mess2"].pk, "official2@example.org", "Sunita", "Rao", password="official2"),
        Person("student", Role.STUDENT, messes["mess1"].pk, "student@example.org", "Demo", "Student", password="student"),
    ]
    for n, username in enumerate(usernames[: STUDENTS_PER_MESS * len(messes)]):
        mess = messes[MESSES[n // STUDENTS_PER_MESS][0]]
        people.append(Person(username, Role.STUDENT, mess.pk, f"{username}@example.org", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)))
    ids = people_create(people=people)
    students = {code: [] for code in messes}
    codes = {mess.pk: code for code, mess in messes.items()}
    for person in people:
        if person.role == Role.STUDENT:
            students[codes[person.mess_id]].append(ids[person.username])
    return students


def _menu_of(mess: Mess, day: datetime.date, meal: str, *, today: datetime.date) -> list[str]:
    """The dishes `mess` serves at `meal` on `day`: its one-day change, or its weekly menu."""
    for code, days, changed_meal, dishes in ONE_DAY_CHANGES:
        if (code, days, changed_meal) == (mess.code, (day - today).days, meal):
            return dishes
    week = WEEK_1 if rotation_week(mess=mess, date=day) == 1 else WEEK_2
    return week[day.weekday()][Meal.values.index(meal)]


def _liking(dishes: list[str]) -> float:
    """How well students like a menu: the average liking of its dishes that are not staples."""
    marked = [d for d in dishes if d not in STAPLES] or dishes
    return sum(LIKING.get(d, DEFAULT_LIKING) for d in marked) / len(marked)


def _demo_waste(*, rng: random.Random, floors: list[Floor], served: list[tuple[datetime.date, str]], today: datetime.date) -> int:
    records = []
    for day, meal in served:
        recent = (today - day).days < RECENT_DAYS
        for floor in floors:
            where = (floor.mess.code, floor.name)
            kg_range, diners_range = NORMAL_KG[meal], NORMAL_DINERS[meal]
            if where == HIGH_WASTE_FLOOR:
                kg_range, diners_range = (HIGH_KG[meal] if recent else kg_range), LARGE_DINERS[meal]
            elif where == FEW_DINERS_FLOOR and recent:
                kg_range, diners_range = FEW_DINERS_KG[meal], FEW_DINERS[meal]
            # A menu students like less is left on the plate more: the kilograms lean to the top of the range.
            low, high = kg_range
            lean = (1 - _liking(_menu_of(floor.mess, day, meal, today=today))) * 0.5 + rng.random() * 0.5
            kg = Decimal(low * 100 + round((high - low) * 100 * lean)) / 100
            records.append(WasteRecord(floor=floor, date=day, meal=meal, total_kg=kg, diners=rng.randint(*diners_range)))
    WasteRecord.objects.bulk_create(records)
    return len(records)


def _demo_feedback(
    *,
    rng: random.Random,
    students: dict[str, list[int]],
    messes: dict[str, Mess],
    served: list[tuple[datetime.date, str]],
    today: datetime.date,
) -> int:
    demo_student = students["mess1"][0]
    terms = terms_load()
    entries = []
    for day, meal in served:
        recent = (today - day).days < RECENT_DAYS
        for code, mess in messes.items():
            if recent and (code, meal) == LOW_RATED_MEAL:
                weights = LOW_RATINGS
            else:
                weights = LIKED_RATINGS if _liking(_menu_of(mess, day, meal, today=today)) >= 0.5 else MEH_RATINGS
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


def _demo_votes(*, rng: random.Random, messes: dict[str, Mess], served: list[tuple[datetime.date, str]], today: datetime.date) -> int:
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
        dishes = [d for d in _menu_of(by_id[mess_id], day, meal, today=today) if d not in STAPLES]
        for dish in rng.sample(dishes, min(len(dishes), rng.randint(1, 2))):
            liked = rng.random() < LIKING.get(dish, DEFAULT_LIKING) + (rating - 3) * 0.15
            votes.append(DishVote(feedback_id=entry_id, mess_id=mess_id, date=day, dish=dish, liked=liked))
    DishVote.objects.bulk_create(votes, batch_size=2000)
    return len(votes)


def _demo_menus(*, messes: dict[str, Mess], today: datetime.date) -> int:
    """Both weekly menus of each mess, and the one-day changes and non-veg items of the fortnight from today."""
    regular = [
        RegularMenu(mess=mess, week=number, weekday=weekday, meal=meal, dishes="\n".join(dishes))
        for mess in messes.values()
        for number, week in ((MenuWeek.FIRST, WEEK_1), (MenuWeek.SECOND, WEEK_2))
        for weekday, meals in enumerate(week)
        for meal, dishes in zip(Meal.values, meals, strict=True)
    ]
    RegularMenu.objects.bulk_create(regular)
    changes = [
        TemporaryMenu(mess=messes[code], date=today + datetime.timedelta(days=days), meal=meal, dishes="\n".join(dishes))
        for code, days, meal, dishes in ONE_DAY_CHANGES
    ]
    TemporaryMenu.objects.bulk_create(changes)
    items = {}
    for day in (today + datetime.timedelta(days=n) for n in range(MENU_DAYS)):
        for code, days in NONVEG.items():
            served = days.get(day.weekday()) or (days[Weekday.WEDNESDAY] if (code, day) == ("mess1", today) else None)
            if served:
                meal, menu_items = served
                items[NonVegMenu.objects.create(mess=messes[code], date=day, meal=meal)] = menu_items
    NonVegItem.objects.bulk_create(
        [NonVegItem(menu=menu, name=name, price=Decimal(price)) for menu, menu_items in items.items() for name, price in menu_items]
    )
    return len(regular) + len(changes) + len(items)
