"""seed_demo: the demo data's counts, determinism, the story it tells (students' absences and the
head counts they make, the alerts, the goal, the cook sheets and how well the forecast does), its
logins, and --if-empty."""

import datetime
import hashlib
import io
import socket
import threading
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from mess.demo import demo_seed
from mess.menus import menu_of_week
from mess.models import (
    Absence,
    Alert,
    Closure,
    CookedFood,
    CookSheet,
    DishVote,
    Feedback,
    FeedbackCategory,
    Floor,
    Meal,
    MenuWeek,
    Mess,
    NonVegItem,
    NonVegMenu,
    Profile,
    RegularMenu,
    Role,
    TemporaryMenu,
    WasteRecord,
)
from mess.scorecard import dish_counts

User = get_user_model()
TODAY = datetime.date(2024, 7, 31)
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
SEEDED = datetime.datetime(2024, 7, 31, 10, 0, tzinfo=datetime.UTC)  # 15:30 IST


def seed() -> str:
    """The demo data of 31 July 2024 (a Wednesday), seeded at 15:30 IST."""
    out = io.StringIO()
    with time_machine.travel(SEEDED, tick=False):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def digest() -> str:
    waste = WasteRecord.objects.order_by("floor__mess__code", "floor__name", "date", "meal").values_list(
        "floor__mess__code", "floor__name", "date", "meal", "total_kg", "diners"
    )
    feedback = Feedback.objects.order_by("student__username", "date", "meal").values_list(
        "student__username", "mess__code", "date", "meal", "rating", "category", "comment"
    )
    students = User.objects.order_by("username").values_list("username", "first_name", "last_name", "email", "profile__mess__code")
    menus = RegularMenu.objects.order_by("mess__code", "week", "weekday", "meal").values_list(
        "mess__code", "week", "weekday", "meal", "dishes"
    )
    changes = TemporaryMenu.objects.order_by("mess__code", "date", "meal").values_list("mess__code", "date", "meal", "dishes")
    items = NonVegItem.objects.order_by("menu__mess__code", "menu__date", "name").values_list(
        "menu__mess__code", "menu__date", "menu__meal", "name", "price"
    )
    votes = DishVote.objects.order_by("feedback__student__username", "date", "feedback__meal", "dish").values_list(
        "feedback__student__username", "date", "feedback__meal", "dish", "liked"
    )
    absences = Absence.objects.order_by("student__username", "first_day", "meal").values_list(
        "student__username", "mess__code", "first_day", "last_day", "meal", "known_at"
    )
    cooked = CookedFood.objects.order_by("mess__code", "date", "meal").values_list("mess__code", "date", "meal", "kg")
    sheets = CookSheet.objects.order_by("mess__code", "date", "meal").values_list(
        "mess__code", "date", "meal", "students", "absent", "forecast", "explanation", "to_cook", "cook_kg"
    )
    closures = Closure.objects.order_by("mess__code", "first_day").values_list("mess__code", "first_day", "last_day", "reason")
    messes = Mess.objects.order_by("code").values_list("code", "food_cost_per_kg", "kitchen_email", "profiles__since").distinct()
    alerts = Alert.objects.order_by("mess__code", "kind", "subject").values_list("mess__code", "kind", "subject", "value", "basis")
    # Sorted whole: rows equal in their order_by (a student's two absences of a day, say) may come in
    # either order, which MariaDB does not keep from one run to the next.
    everything = [
        sorted(rows, key=repr)
        for rows in (waste, feedback, students, menus, changes, items, votes, absences, cooked, sheets, closures, messes, alerts)
    ]
    return hashlib.sha256(repr(everything).encode()).hexdigest()


def test_it_seeds_two_messes_with_60_days_of_data_up_to_the_meal_being_served(db):
    out = seed()  # at 15:30 IST: breakfast and lunch have started today, snacks and dinner not yet

    assert out.startswith("seeded 2 messes, 4 floors, 631 students with ")
    assert ", 928 waste records, " in out
    assert list(Floor.objects.order_by("mess__code", "name").values_list("mess__code", "name")) == [
        ("mess1", "First"),
        ("mess1", "Ground"),
        ("mess2", "Second"),
        ("mess2", "Third"),
    ]
    assert User.objects.filter(groups__name=Role.STUDENT).count() == 631
    assert Profile.objects.filter(user__groups__name=Role.STUDENT, mess__code="mess1").count() == 431
    # every floor, every meal served, but on the days each mess was closed: mess1 one, mess2 two
    assert WasteRecord.objects.count() == 4 * (4 * 59 + 2) - 2 * 4 - 2 * 2 * 4 == 928
    dates = WasteRecord.objects.values_list("date", flat=True)
    assert (min(dates), max(dates)) == (TODAY - datetime.timedelta(days=59), TODAY)
    assert set(WasteRecord.objects.filter(date=TODAY).values_list("meal", flat=True)) == {"breakfast", "lunch"}
    assert set(Feedback.objects.filter(date=TODAY).values_list("meal", flat=True)) == {"breakfast", "lunch"}
    assert not Feedback.objects.filter(date__lt=TODAY - datetime.timedelta(days=59)).exists()
    assert not WasteRecord.objects.filter(total_kg__lte=0).exists() and not WasteRecord.objects.filter(diners__isnull=True).exists()
    assert Feedback.objects.filter(category=FeedbackCategory.HYGIENE).exclude(comment="").exists()
    assert Feedback.objects.filter(rating__lte=2).exclude(comment="").exists()


@pytest.mark.parametrize(
    ("hour", "minute", "meals"),
    [(6, 59, set()), (7, 0, {"breakfast"}), (11, 59, {"breakfast"}), (12, 0, {"breakfast", "lunch"}), (23, 30, set(Meal.values))],
)
def test_it_records_nothing_of_a_meal_that_has_not_started(db, hour, minute, meals):
    demo_seed(now=datetime.datetime(2024, 7, 31, hour, minute, tzinfo=IST))

    assert set(WasteRecord.objects.filter(date=TODAY).values_list("meal", flat=True)) == meals
    assert set(Feedback.objects.filter(date=TODAY).values_list("meal", flat=True)) == meals
    assert set(DishVote.objects.filter(date=TODAY).values_list("feedback__meal", flat=True)) == meals
    assert not WasteRecord.objects.filter(date__gt=TODAY).exists() and not Feedback.objects.filter(date__gt=TODAY).exists()


def test_it_serves_two_weekly_menus_in_turn_with_one_day_changes_and_non_veg_items(db):
    seed()

    starts = dict(Mess.objects.values_list("code", "rotation_starts_on"))
    assert starts["mess1"].weekday() == 0 and starts["mess2"] == starts["mess1"] + datetime.timedelta(weeks=1)
    assert RegularMenu.objects.count() == 2 * 2 * 7 * 4
    assert RegularMenu.objects.filter(week=MenuWeek.FIRST).count() == RegularMenu.objects.filter(week=MenuWeek.SECOND).count() == 56
    week1 = RegularMenu.objects.get(mess__code="mess1", week=MenuWeek.FIRST, weekday=0, meal="lunch").dishes.splitlines()
    week2 = RegularMenu.objects.get(mess__code="mess1", week=MenuWeek.SECOND, weekday=0, meal="lunch").dishes.splitlines()
    assert week1 == ["Rajma chawal", "Jeera rice", "Chapati", "Salad"] and week1 != week2
    assert not RegularMenu.objects.filter(dishes="").exists()
    # the one-day changes: today's lunch of mess1, and three in the days to come
    changes = TemporaryMenu.objects.order_by("date", "mess__code").values_list("mess__code", "date", "meal")
    assert list(changes)[0] == ("mess1", TODAY, "lunch") and len(changes) == 4
    assert all(TODAY <= date < TODAY + datetime.timedelta(days=14) for _, date, _ in changes)
    # non-veg items with their prices over the fortnight, today's dinner of mess1 among them
    assert NonVegMenu.objects.filter(date__gte=TODAY, date__lt=TODAY + datetime.timedelta(days=14)).count() == NonVegMenu.objects.count()
    today = {(i.name, i.price) for i in NonVegItem.objects.filter(menu__mess__code="mess1", menu__date=TODAY, menu__meal="dinner")}
    assert today == {("Chicken curry", Decimal("120")), ("Egg bhurji", Decimal("40"))}
    prices = dict(NonVegItem.objects.values_list("name", "price"))
    assert (prices["Fish fry"], prices["Egg bhurji"]) == (Decimal("150"), Decimal("40"))
    assert NonVegMenu.objects.values("date").distinct().count() >= 6  # some days of each week, not every day


def test_its_dish_votes_are_on_the_dishes_served_that_day(db):
    seed()
    # what each mess served each day, as the students' menu pages read it
    first = TODAY - datetime.timedelta(days=59)
    served = {(m.code, day.date): day for m in Mess.objects.all() for day in menu_of_week(mess=m, start=first, days=60)}

    votes = list(
        DishVote.objects.values_list("mess__code", "date", "feedback__meal", "dish", "liked", "feedback__mess__code", "feedback__date")
    )

    assert len(votes) > 3000
    for mess, date, meal, dish, _, feedback_mess, feedback_date in votes:
        assert dish in served[mess, date].meal(meal).dishes, (mess, date, meal, dish)
        assert (feedback_mess, feedback_date) == (mess, date)
    # on any day mess2 serves the other week's menu than mess1
    weeks = [(served["mess1", d].week, served["mess2", d].week) for d in (first + datetime.timedelta(days=n) for n in range(60))]
    assert set(weeks) == {(1, 2), (2, 1)}
    assert {dish for _, date, _, dish, *_ in votes if date == TODAY} & {"Veg biryani", "Gulab jamun", "Mirchi ka salan"}  # today's change
    # Liked dishes are liked, disliked ones disliked (the lists rank by how many students: a dish served often leads)
    counts = dish_counts(mess=Mess.objects.get(code="mess1"), today=TODAY)
    assert "Aloo paratha" in [c.dish for c in counts.liked] and "Tinda masala" in [c.dish for c in counts.disliked]


def test_its_ratings_are_mostly_3_to_5(db):
    seed()

    assert Feedback.objects.filter(rating__gte=3).count() > 0.8 * Feedback.objects.count()


def issue_rule(as_of: datetime.date) -> set[tuple[str, str, str]]:
    """The alerts of the window of 7 days ending `as_of`, by the rule as the alerts' specification
    states it, worked out here from the records: (mess, kind, floor or meal)."""
    start = as_of - datetime.timedelta(days=6)
    found = set()
    for floor in Floor.objects.select_related("mess"):
        mess = floor.mess
        records = list(WasteRecord.objects.filter(floor=floor, date__gte=start, date__lte=as_of))
        days = len({r.date for r in records})
        if sum(r.total_kg for r in records) > mess.waste_threshold_kg * days:
            found.add((mess.code, "high_waste", floor.name))
        counted = [r for r in records if r.diners]
        if 1000 * sum(r.total_kg for r in counted) > mess.waste_threshold_g_per_diner * sum(r.diners for r in counted):
            found.add((mess.code, "high_waste_per_diner", floor.name))
    for mess in Mess.objects.all():
        for meal in Meal.values:
            ratings = list(Feedback.objects.filter(mess=mess, meal=meal, date__gte=start, date__lte=as_of).values_list("rating", flat=True))
            if len(ratings) >= mess.min_ratings and sum(ratings) < mess.rating_threshold * len(ratings):
                found.add((mess.code, "low_rating", meal))
    return found


EXPECTED_ALERTS = {
    ("mess1", "high_waste", "First"),
    ("mess2", "high_waste_per_diner", "Third"),
    ("mess2", "low_rating", "dinner"),
}


def open_alerts() -> set[tuple[str, str, str]]:
    return set(Alert.objects.filter(is_open=True).values_list("mess__code", "kind", "subject"))


@pytest.mark.parametrize(("hour", "minute"), [(0, 5), (7, 30), (15, 30), (22, 0)])
def test_the_default_thresholds_find_every_kind_of_alert(db, hour, minute):
    now = datetime.datetime(2024, 7, 31, hour, minute, tzinfo=IST)
    demo_seed(now=now)
    seeded = open_alerts()
    with time_machine.travel(now, tick=False):
        call_command("generate_alerts", stdout=io.StringIO())

    thresholds = Mess.objects.values_list("waste_threshold_kg", "waste_threshold_g_per_diner", "min_ratings", "alert_window_days")
    assert set(thresholds) == {(Decimal("50"), Decimal("150"), 10, 7)}  # ManageIt's defaults
    assert issue_rule(TODAY) == EXPECTED_ALERTS
    # evaluated by the seeding itself, as of its moment, and found the same by the hourly job
    assert seeded == open_alerts() == EXPECTED_ALERTS
    assert set(Alert.objects.values_list("window_end", flat=True)) == {TODAY}


def test_it_is_deterministic(db):
    seed()
    first = digest()
    Feedback.objects.all().delete()
    WasteRecord.objects.all().delete()
    User.objects.all().delete()
    Mess.objects.all().delete()

    seed()

    assert digest() == first


def test_it_prints_logins_that_work(db):
    out = seed()

    for username, who in [
        ("admin", "admin"),
        ("official1", "official of mess1"),
        ("official2", "official of mess2"),
        ("student", "student of mess1"),
    ]:
        assert f"  {username} / {username}  ({who})" in out
        # through every authentication backend, the login rate limiter included, as the login page does
        assert authenticate(RequestFactory().post("/accounts/login/"), username=username, password=username)
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.filter(username="official2", groups__name=Role.OFFICIAL, profile__mess__code="mess2").exists()
    assert User.objects.filter(username="student", groups__name=Role.STUDENT, profile__mess__code="mess1").exists()
    assert (
        not User.objects.exclude(username__in=["admin", "official1", "official2", "student"]).filter(password__startswith="md5$").exists()
    )


def test_it_leaves_today_for_the_demo_student_to_rate(db):
    seed()

    assert not Feedback.objects.filter(student__username="student", date=TODAY).exists()
    assert Feedback.objects.filter(student__username="student").exists()


def test_it_does_nothing_with_if_empty_when_a_mess_exists(mess1):
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)

    assert out.getvalue() == "ManageIt already has data (messes or users); no demo data added.\n"
    assert list(Mess.objects.values_list("code", flat=True)) == ["mess1"]
    assert not User.objects.exists()


def test_it_does_nothing_with_if_empty_when_a_user_exists(admin):
    call_command("seed_demo", "--if-empty", stdout=io.StringIO())

    assert not Mess.objects.exists()


def test_it_seeds_with_if_empty_when_empty(db):
    call_command("seed_demo", "--if-empty", stdout=io.StringIO())

    assert Mess.objects.count() == 2


def test_it_refuses_a_database_with_data_without_if_empty(mess1):
    with pytest.raises(CommandError, match="already has messes or users"):
        call_command("seed_demo", stdout=io.StringIO())

    assert Mess.objects.count() == 1


def test_the_service_takes_the_time_of_seeding(db):
    summary = demo_seed(now=datetime.datetime(2024, 1, 10, 23, 0, tzinfo=IST))

    assert (
        summary.waste_records
        == WasteRecord.objects.filter(date__range=(datetime.date(2023, 11, 12), datetime.date(2024, 1, 10))).count()
        == 4 * 4 * 60 - 2 * 4 - 2 * 2 * 4
        == 936
    )


def test_it_prints_the_logins_that_still_work_on_every_start(db):
    seed()
    User.objects.filter(username="official2").update(is_active=False)
    student = User.objects.get(username="student")
    student.set_password("a-new-secret-42")
    student.save()
    out = io.StringIO()

    call_command("seed_demo", "--if-empty", stdout=out)

    assert out.getvalue().startswith("ManageIt already has data (messes or users); no demo data added.\nDemo logins")
    assert "  admin / admin  (admin)" in out.getvalue() and "  official1 / official1" in out.getvalue()
    assert "official2" not in out.getvalue() and "student /" not in out.getvalue()


def test_demo_logins_prints_the_address_once_the_server_answers(db):
    seed()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        # the server starts listening a moment after the command starts waiting
        threading.Timer(0.5, server.listen).start()
        out = io.StringIO()

        call_command("demo_logins", "--when-up", f"127.0.0.1:{port}", stdout=out)

    assert out.getvalue().startswith(f"ManageIt is up on http://127.0.0.1:{port}/ (admin: http://127.0.0.1:{port}/admin/)")
    assert "  student / student  (student of mess1)" in out.getvalue()


def test_demo_logins_gives_up_when_nothing_answers(db):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        with pytest.raises(CommandError, match=f"nothing answered at 127.0.0.1:{port} within 0.5 s"):
            call_command("demo_logins", "--when-up", f"127.0.0.1:{port}", "--wait", "0.5", stdout=io.StringIO())


def test_demo_logins_says_so_when_none_works(admin):
    out = io.StringIO()

    call_command("demo_logins", stdout=out)

    assert out.getvalue().startswith("No demo login works here")
