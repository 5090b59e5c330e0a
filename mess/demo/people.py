"""The demo's people: one login per role and the students of each floor of each mess; and their
absences, from weekends at home, a festival week, an exam fortnight's breakfasts, a meal skipped now
and then and an internship (mess/attendance.py), with the head counts of every meal they make."""

import datetime
import itertools
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from mess.attendance import Absent, Habits, absences_said, attendance_history
from mess.demo.story import EXAMS, FESTIVAL, FEW_DINERS_FLOOR, INTERNS, INTERNSHIP_ENDS, MESSES, RECENT_DAYS
from mess.models import Absence, Mess, Role
from mess.people import ADMINS_GROUP, Person, people_create

User = get_user_model()

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
SAID_AHEAD = 3  # days after today whose absences may have been said already
INTERNSHIP_SAID = 7 * 24  # hours before its first meal's cut-off the internship leave was known
# A floor's diners: (mess code, floor name, date, meal) -> how many came
HeadCounts = dict[tuple[str, str, datetime.date, str], int]


def demo_people(*, rng: random.Random, messes: dict[str, Mess], since: datetime.date) -> dict[tuple[str, str], list[int]]:
    """Creates the logins and the students, each eating at their mess since `since`; returns each
    floor's students' ids by (mess code, floor name), the demo student first on mess1's first floor."""
    usernames = sorted({f"{rng.choice([21, 22, 23, 24])}{rng.choice(BRANCHES)}{rng.randint(1, 180):03}" for _ in range(1000)})
    rng.shuffle(usernames)
    admin = User.objects.create_superuser(
        username="admin", email="admin@example.org", password="admin", first_name="Demo", last_name="Admin"
    )
    Group.objects.get(name=ADMINS_GROUP).user_set.add(admin)
    people = [
        Person("official1", Role.OFFICIAL, messes["mess1"].pk, "official1@example.org", "Ramesh", "Iyer", password="official1"),
        Person("official2", Role.OFFICIAL, messes["mess2"].pk, "official2@example.org", "Sunita", "Rao", password="official2"),
    ]
    student = Person("student", Role.STUDENT, messes["mess1"].pk, "student@example.org", "Demo", "Student", password="student", since=since)
    floors = {(code, name): [] for code, _, names in MESSES for name, _ in names}
    floors["mess1", "Ground"].append(student)
    unused = iter(usernames)
    for code, _, names in MESSES:
        for name, students in names:
            for username in itertools.islice(unused, students):
                first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                person = Person(username, Role.STUDENT, messes[code].pk, f"{username}@example.org", first_name, last_name, since=since)
                floors[code, name].append(person)
    ids = people_create(people=people + [person for persons in floors.values() for person in persons])
    return {floor: [ids[person.username] for person in persons] for floor, persons in floors.items()}


def demo_attendance(
    *,
    rng: random.Random,
    messes: dict[str, Mess],
    students: dict[tuple[str, str], list[int]],
    days: list[datetime.date],
    closed: set[tuple[str, datetime.date]],
    now: datetime.datetime,
) -> tuple[HeadCounts, int]:
    """Stores the absences each floor's students have said by `now` (each a while before its first
    meal's cut-off), over `days` and the SAID_AHEAD days after; returns every floor's head count of
    every meal of `days` (but of the days its mess was closed), and how many absences were stored."""
    today = days[-1]

    def on(offset: int) -> datetime.date:
        return today + datetime.timedelta(days=offset)

    habits = Habits(festival=(on(FESTIVAL[0]), on(FESTIVAL[1])), exams=(on(EXAMS[0]), on(EXAMS[1])))
    history_days = days + [on(n) for n in range(1, SAID_AHEAD + 1)]
    counts, absences = {}, []
    for (code, floor), ids in students.items():
        mess = messes[code]
        leaves = []
        if (code, floor) == FEW_DINERS_FLOOR:
            interns = rng.sample(ids, int(len(ids) * INTERNS))
            leaves = [Absent(s, on(1 - RECENT_DAYS), on(INTERNSHIP_ENDS), "", INTERNSHIP_SAID) for s in interns]
        closed_days = {day for c, day in closed if c == code}
        history = attendance_history(rng=rng, students=ids, days=history_days, habits=habits, closed=closed_days, leaves=leaves)
        absences += absences_said(mess=mess, absences=history.absences, said_by=now)
        counts |= {(code, floor, day, meal): n for (day, meal), n in history.head_counts.items() if day <= today}
    Absence.objects.bulk_create(absences, batch_size=2000)
    return counts, len(absences)
