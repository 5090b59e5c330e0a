"""Demo data for a fresh ManageIt: two messes, a few hundred students, 60 days of waste and feedback
(with a floor wasting too much and a meal rated too low lately, so the alerts have something to
find), menus, and one login per role. For local use: the logins' passwords are their usernames."""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from mess.models import (
    Feedback,
    FeedbackCategory,
    Floor,
    Meal,
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
# Both alert conditions hold over the last week: this floor wastes too much, this meal is rated too low.
HIGH_WASTE_FLOOR = ("mess1", "First")
LOW_RATED_MEAL = ("mess2", Meal.DINNER)
RECENT_DAYS = 6
# Kilograms per floor and meal: a normal day, and one of the floor's recent bad days. A normal week
# stays under the threshold whatever the draws ((6+12+4+10) * 7 = 224 kg), six bad days exceed it
# whatever the draws ((9+16+6+13) * 6 = 264 kg).
WASTE_THRESHOLD_KG = Decimal("250")
NORMAL_KG = {Meal.BREAKFAST: (2, 6), Meal.LUNCH: (5, 12), Meal.SNACKS: (2, 4), Meal.DINNER: (4, 10)}
HIGH_KG = {Meal.BREAKFAST: (9, 12), Meal.LUNCH: (16, 22), Meal.SNACKS: (6, 9), Meal.DINNER: (13, 18)}
DINERS = {Meal.BREAKFAST: (50, 110), Meal.LUNCH: (90, 150), Meal.SNACKS: (30, 80), Meal.DINNER: (80, 145)}
# Weights of the ratings 1 to 5: usually 3 to 5 (about 3.8 on average); about 2.4 for the low-rated meal.
NORMAL_RATINGS = [3, 7, 25, 40, 25]
LOW_RATINGS = [20, 35, 30, 10, 5]
RATERS = (8, 20)  # students rating one meal of one mess on one day

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

DISHES = {
    Meal.BREAKFAST: [
        "Poha",
        "Upma",
        "Idli",
        "Sambar",
        "Masala dosa",
        "Aloo paratha",
        "Curd",
        "Bread and butter",
        "Boiled eggs",
        "Tea",
        "Coffee",
    ],
    Meal.LUNCH: ["Rice", "Dal tadka", "Rajma", "Chole", "Aloo gobi", "Bhindi fry", "Chapati", "Curd", "Salad", "Sambar", "Rasam", "Papad"],
    Meal.SNACKS: ["Samosa", "Pakora", "Bread pakora", "Vada pav", "Biscuits", "Tea", "Coffee", "Banana"],
    Meal.DINNER: ["Rice", "Chapati", "Paneer butter masala", "Mix veg", "Dal makhani", "Jeera aloo", "Kadhi", "Gulab jamun", "Kheer"],
}
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
    menus: int
    logins: list[tuple[str, str, str]]  # username, password, role

    def __str__(self) -> str:
        return (
            f"seeded {self.messes} messes, {self.floors} floors, {self.students} students, {self.waste_records} waste records, "
            f"{self.feedback} feedback entries and {self.menus} menus"
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
def demo_seed(*, today: datetime.date | None = None) -> DemoSummary:
    """Fills an empty database with the demo data for the 60 days ending `today` (default: today's
    local date). Deterministic: the same `today` always gives the same data, but for the password
    hashes. Raises ValueError, writing nothing, if the database is not empty."""
    if not demo_database_empty():
        raise ValueError("the database already has messes or users; the demo data only goes into an empty one")
    today = today or timezone.localdate()
    rng = random.Random(42)
    days = [today - datetime.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]

    messes = {code: Mess.objects.create(code=code, name=name, waste_threshold_kg=WASTE_THRESHOLD_KG) for code, name, _ in MESSES}
    Floor.objects.bulk_create([Floor(mess=messes[code], name=name) for code, _, floors in MESSES for name in floors])
    floors = list(Floor.objects.select_related("mess").order_by("mess__code", "id"))

    students = _demo_people(rng=rng, messes=messes)
    waste = _demo_waste(rng=rng, floors=floors, days=days)
    feedback = _demo_feedback(rng=rng, students=students, messes=messes, days=days)
    menus = _demo_menus(rng=rng, messes=messes, today=today)
    return DemoSummary(
        messes=len(messes),
        floors=len(floors),
        students=sum(len(s) for s in students.values()),
        waste_records=waste,
        feedback=feedback,
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


def _demo_waste(*, rng: random.Random, floors: list[Floor], days: list[datetime.date]) -> int:
    records = []
    for day in days:
        recent = (days[-1] - day).days < RECENT_DAYS
        for floor in floors:
            kg_ranges = HIGH_KG if recent and (floor.mess.code, floor.name) == HIGH_WASTE_FLOOR else NORMAL_KG
            for meal in Meal.values:
                low, high = kg_ranges[meal]
                kg = Decimal(rng.randint(low * 100, high * 100)) / 100
                records.append(WasteRecord(floor=floor, date=day, meal=meal, total_kg=kg, diners=rng.randint(*DINERS[meal])))
    WasteRecord.objects.bulk_create(records)
    return len(records)


def _demo_feedback(*, rng: random.Random, students: dict[str, list[int]], messes: dict[str, Mess], days: list[datetime.date]) -> int:
    demo_student = students["mess1"][0]
    terms = terms_load()
    entries = []
    for day in days:
        recent = (days[-1] - day).days < RECENT_DAYS
        for code, mess in messes.items():
            for meal in Meal.values:
                weights = LOW_RATINGS if recent and (code, meal) == LOW_RATED_MEAL else NORMAL_RATINGS
                raters = rng.sample(students[code], rng.randint(*RATERS))
                for student_id in raters:
                    if day == days[-1] and student_id == demo_student:
                        continue  # today's meals are left for whoever tries the student's login
                    rating = rng.choices(range(1, 6), weights)[0]
                    category, comment = FeedbackCategory.FOOD, ""
                    if rating <= 2 and rng.random() < 0.7:
                        category, comment = rng.choice(LOW_COMMENTS)
                    elif rating >= 4 and rng.random() < 0.1:
                        comment = rng.choice(GOOD_COMMENTS)
                    elif rating == 3 and rng.random() < 0.08:
                        comment = rng.choice(SAFETY_COMMENTS)
                    entry = Feedback(
                        student_id=student_id, mess=mess, date=day, meal=meal, rating=rating, category=category, comment=comment
                    )
                    entries.append(feedback_verdict(entry=entry, terms=terms))
    Feedback.objects.bulk_create(entries)
    return len(entries)


def _demo_menus(*, rng: random.Random, messes: dict[str, Mess], today: datetime.date) -> int:
    regular = [
        RegularMenu(mess=mess, weekday=weekday, meal=meal, dishes="\n".join(rng.sample(DISHES[meal], 3 if meal == Meal.SNACKS else 4)))
        for mess in messes.values()
        for weekday in Weekday.values
        for meal in Meal.values
    ]
    RegularMenu.objects.bulk_create(regular)
    TemporaryMenu.objects.create(
        mess=messes["mess1"], date=today, meal=Meal.LUNCH, dishes="Veg biryani\nRaita\nMirchi ka salan\nGulab jamun"
    )
    nonveg = {
        NonVegMenu.objects.create(mess=messes["mess1"], date=today, meal=Meal.DINNER): [("Chicken curry", "120"), ("Egg bhurji", "60")],
        NonVegMenu.objects.create(mess=messes["mess2"], date=today, meal=Meal.LUNCH): [("Fish fry", "110"), ("Egg curry", "55")],
    }
    NonVegItem.objects.bulk_create(
        [NonVegItem(menu=menu, name=name, price=Decimal(price)) for menu, items in nonveg.items() for name, price in items]
    )
    return len(regular) + 1 + len(nonveg)
