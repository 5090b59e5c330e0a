"""Demo data for a fresh ManageIt: two messes and their students, 60 days of their absences, head
counts, waste and feedback up to the meal being served now, cooked kilograms and cook sheets of the
last days, two weekly menus of Indian hostel food served in turn, a fortnight of one-day changes and
non-veg items with their prices, students' votes on the dishes, and one login per role. For local
use: the logins' passwords are their usernames.

The story (its figures are in mess/demo/story.py; tests/test_demo*.py check it). Mess 1 has 431
students, 151 eating on its Ground floor and 280 on its First; Mess 2 has 200, 110 on its Second floor
and 90 on its Third, all of them eating there since the history's first day. Students go home some
weekends (Friday dinner to Sunday), nearly half for a festival week six weeks ago, many skip breakfast
through an exam fortnight that ended thirteen days ago, and now and then one skips a meal; each says
so as an absence a few hours to three days before the meal's cut-off (one in ten does not, and just
does not come), so that about 6,000 absences are stored, those of the next days said by now among
them (mess/attendance.py). A floor's head count is its students who came: fewer at breakfast and
on Sundays, fewer still when they said they would be away. Its waste is so many grams per diner by
meal, more for a menu students like less. Each mess was closed for a day or two in the exams, and
Mess 1 will close for a holiday next week.

With the default thresholds (50 kg per recorded day, 150 g per diner, 10 ratings at least), the
alerts evaluated at the end of seeding find one of each kind over the last week, whatever the draws
and the time of day:
- high_waste: Mess 1 took up its goal a month ago; ten days ago a new cook started on its First
  floor, which since wastes about 115 g per diner, never more than 150 in a record: on that large a
  floor about 80 kg a recorded day, and never under 70 (even when today has only had breakfast);
- high_waste_per_diner: 72 of the 90 students of Mess 2's Third floor left for internships ten days
  ago, a leave of 30 days said a week ahead (the forecast and the cook sheets count them out), but
  the kitchen cooks for them as before and their share comes back as waste: over 400 g per diner,
  and about 22 kg a day;
- low_rating: Mess 2's dinner is rated 1 to 4, about 2.2 on average, by 8 to 20 students a day.
Over that week every other floor wastes at most 136 g per diner in every record and about 30 kg a
day (Mess 2's Second at most 47 kg, whatever the draws), and every other meal is rated about 3.5 or
more on average.

Waste against the goal: Mess 1's baseline (its first 28 recorded days) was about 113 g per diner;
its campaign brought its weeks to about 78, and the new cook back to about 102 this week, 10 % below
the baseline against a goal of 20 %. Mess 2 has no campaign, and its Third floor puts this week
well above its baseline. Food costs ₹82 a kilogram at Mess 1 and ₹76 at Mess 2; Mess 1 weighs what
it cooks (the last 21 days' meals, a fifth of it wasted), so its cook sheets say kilograms too. The
cook sheets of the last 7 days' meals whose cut-off has passed are stored as the job would have made
them at each cut-off, each beside the head count recorded afterwards; over the last 56 days the
forecast is off by about 6 %, last week's head count by 26 % (forecast_backtest).
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from mess.alerts import alerts_generate
from mess.demo.feedback import demo_feedback, demo_votes
from mess.demo.menus import demo_menus
from mess.demo.people import LOGINS, demo_attendance, demo_people
from mess.demo.story import CLOSURES, DAYS, FOOD_COST, MESSES
from mess.demo.waste import demo_cook_sheets, demo_cooked, demo_waste
from mess.meals import meals_of_today
from mess.models import Closure, Floor, Meal, Mess

User = get_user_model()


@dataclass(frozen=True)
class DemoSummary:
    messes: int
    floors: int
    students: int
    absences: int
    waste_records: int
    cooked_meals: int
    cook_sheets: int
    feedback: int
    dish_votes: int
    menus: int
    alerts: str  # what evaluating them said
    logins: list[tuple[str, str, str]]  # username, password, role

    def __str__(self) -> str:
        return (
            f"seeded {self.messes} messes, {self.floors} floors, {self.students} students with {self.absences} absences, "
            f"{self.waste_records} waste records, {self.cooked_meals} meals' cooked kilograms, {self.cook_sheets} cook sheets, "
            f"{self.feedback} feedback entries with {self.dish_votes} dish votes, and {self.menus} menus; {self.alerts}"
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
    """Fills an empty database with the demo data (see the story above): 60 days ending today (in
    local time) of students' absences, head counts, waste and feedback, of today only the meals whose
    window has started by `now` (default: the current time), and the absences said by then; cooked
    kilograms and cook sheets of the last days; two weekly menus served in turn, one-day changes and
    non-veg items for the fortnight from today, and dish votes on the feedback. It ends by evaluating
    the alerts as of `now`, as the hourly job would, so that the pages show them at once: with
    ManageIt's default thresholds, one of each kind. Deterministic: the same `now` always gives the
    same data, but for the password hashes and the moments rows were written. Raises ValueError,
    writing nothing, if the database is not empty."""
    if not demo_database_empty():
        raise ValueError("the database already has messes or users; the demo data only goes into an empty one")
    now = now or timezone.now()
    today = timezone.localdate(now)
    started, _ = meals_of_today(now=now, mess=None)  # the demo's messes follow the default windows
    rng = random.Random(42)
    days = [today - datetime.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    # (date, meal) of every meal served so far, oldest first
    served = [(day, meal) for day in days for meal in (Meal.values if day < today else [w.meal for w in started])]

    first_monday = days[0] - datetime.timedelta(days=days[0].weekday())
    messes = {
        # mess2 serves the other week's menu on any day: its rotation starts a week later
        code: Mess.objects.create(
            code=code,
            name=name,
            rotation_starts_on=first_monday + datetime.timedelta(weeks=n),
            kitchen_email=f"kitchen.{code}@example.org",
            food_cost_per_kg=FOOD_COST[code],
        )
        for n, (code, name, _) in enumerate(MESSES)
    }
    Floor.objects.bulk_create([Floor(mess=messes[code], name=name) for code, _, floors in MESSES for name, _ in floors])
    floors = list(Floor.objects.select_related("mess").order_by("mess__code", "id"))
    Closure.objects.bulk_create(
        Closure(
            mess=messes[code], first_day=today + datetime.timedelta(days=first), last_day=today + datetime.timedelta(days=last), reason=why
        )
        for code, first, last, why in CLOSURES
    )
    closed = {(code, today + datetime.timedelta(days=n)) for code, first, last, _ in CLOSURES for n in range(first, last + 1)}

    students = demo_people(rng=rng, messes=messes, since=days[0])
    head_counts, absences = demo_attendance(rng=rng, messes=messes, students=students, days=days, closed=closed, now=now)
    menus = demo_menus(messes=messes, today=today)
    waste = demo_waste(rng=rng, floors=floors, head_counts=head_counts, served=served, today=today)
    cooked = demo_cooked(rng=rng, messes=messes, today=today)
    sheets = demo_cook_sheets(messes=list(messes.values()), closed=closed, now=now, today=today)
    by_mess = {code: [s for (c, _), ids in students.items() if c == code for s in ids] for code in messes}
    feedback = demo_feedback(rng=rng, students=by_mess, messes=messes, served=served, closed=closed, today=today)
    votes = demo_votes(rng=rng, messes=messes, served=served, today=today)
    return DemoSummary(
        messes=len(messes),
        floors=len(floors),
        students=sum(len(s) for s in students.values()),
        absences=absences,
        waste_records=waste,
        cooked_meals=cooked,
        cook_sheets=sheets,
        feedback=feedback,
        dish_votes=votes,
        menus=menus,
        alerts=alerts_generate(now=now),
        logins=LOGINS,
    )
