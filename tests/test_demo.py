"""seed_demo: the demo data's counts, determinism, the alerts it sets up, its logins, and --if-empty."""

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
from django.db.models import Avg, Sum
from django.test import RequestFactory

from mess.demo import demo_seed
from mess.models import (
    Feedback,
    FeedbackCategory,
    Floor,
    Mess,
    NonVegItem,
    NonVegMenu,
    Profile,
    RegularMenu,
    Role,
    TemporaryMenu,
    WasteRecord,
)

User = get_user_model()
TODAY = datetime.date(2024, 7, 31)


def seed() -> str:
    out = io.StringIO()
    with time_machine.travel(datetime.datetime(2024, 7, 31, 10, 0, tzinfo=datetime.UTC), tick=False):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def digest() -> str:
    waste = WasteRecord.objects.order_by("floor__mess__code", "floor__name", "date", "meal").values_list(
        "floor__mess__code", "floor__name", "date", "meal", "total_kg", "diners"
    )
    feedback = Feedback.objects.order_by("student__username", "date", "meal").values_list(
        "student__username", "mess__code", "date", "meal", "rating", "category", "comment"
    )
    students = User.objects.order_by("username").values_list("username", "first_name", "last_name", "email", "profile__mess__code")
    menus = RegularMenu.objects.order_by("mess__code", "weekday", "meal").values_list("mess__code", "weekday", "meal", "dishes")
    return hashlib.sha256(repr([list(waste), list(feedback), list(students), list(menus)]).encode()).hexdigest()


def test_it_seeds_two_messes_with_60_days_of_data(db):
    out = seed()

    assert out.startswith("seeded 2 messes, 4 floors, 301 students, 960 waste records, ")
    assert list(Floor.objects.order_by("mess__code", "name").values_list("mess__code", "name")) == [
        ("mess1", "First"),
        ("mess1", "Ground"),
        ("mess2", "Second"),
        ("mess2", "Third"),
    ]
    assert User.objects.filter(groups__name=Role.STUDENT).count() == 301
    assert Profile.objects.filter(user__groups__name=Role.STUDENT, mess__code="mess1").count() == 151
    assert WasteRecord.objects.count() == 4 * 4 * 60
    dates = WasteRecord.objects.values_list("date", flat=True)
    assert (min(dates), max(dates)) == (TODAY - datetime.timedelta(days=59), TODAY)
    assert (
        Feedback.objects.filter(date=TODAY).exists() and not Feedback.objects.filter(date__lt=TODAY - datetime.timedelta(days=59)).exists()
    )
    assert not WasteRecord.objects.filter(total_kg__lt=2).exists() and not WasteRecord.objects.filter(diners__isnull=True).exists()
    assert Feedback.objects.filter(category=FeedbackCategory.HYGIENE).exclude(comment="").exists()
    assert Feedback.objects.filter(rating__lte=2).exclude(comment="").exists()
    assert RegularMenu.objects.count() == 2 * 7 * 4
    assert TemporaryMenu.objects.filter(date=TODAY).count() == 1
    assert NonVegMenu.objects.filter(date=TODAY).count() == 2
    assert NonVegItem.objects.filter(menu__date=TODAY).count() == 4


def test_its_ratings_are_mostly_3_to_5(db):
    seed()

    assert Feedback.objects.filter(rating__gte=3).count() > 0.8 * Feedback.objects.count()


def test_it_sets_up_one_high_waste_floor_and_one_low_rated_meal_this_week(db):
    seed()
    week = {"date__gt": TODAY - datetime.timedelta(days=7), "date__lte": TODAY}

    waste = WasteRecord.objects.filter(**week).values_list("floor__mess__code", "floor__name", "floor__mess__waste_threshold_kg")
    over = [(mess, floor) for mess, floor, threshold, kg in waste.annotate(kg=Sum("total_kg")) if Decimal(kg) > threshold]
    ratings = Feedback.objects.filter(**week).values_list("mess__code", "meal", "mess__rating_threshold").annotate(average=Avg("rating"))
    low = [(mess, meal) for mess, meal, threshold, average in ratings if average < threshold]

    assert over == [("mess1", "First")]
    assert low == [("mess2", "dinner")]


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


def test_the_service_takes_today(db):
    summary = demo_seed(today=datetime.date(2024, 1, 10))

    assert (
        summary.waste_records
        == WasteRecord.objects.filter(date__range=(datetime.date(2023, 11, 12), datetime.date(2024, 1, 10))).count()
        == 960
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
