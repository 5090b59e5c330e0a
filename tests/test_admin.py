"""The admin site of the mess app, as a superuser sees it: every page opens, change lists cost the same
number of queries however many rows they show, and what the jobs produced cannot be written."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mess.models import (
    Alert,
    AlertKind,
    ComplaintTerm,
    ComplaintTheme,
    DailyReport,
    DayTotals,
    Feedback,
    Floor,
    Meal,
    MealWindow,
    MenuChange,
    Mess,
    NonVegItem,
    NonVegMenu,
    Notification,
    OutgoingEmail,
    Profile,
    RegularMenu,
    Role,
    TemporaryMenu,
    WasteChange,
    WasteRecord,
    WasteReminder,
)
from mess.people import ADMINS_GROUP
from tests.helpers import create_person

User = get_user_model()

DAY = datetime.date(2025, 1, 15)
MESS_MODELS = [
    MealWindow,
    Mess,
    Floor,
    Profile,
    RegularMenu,
    TemporaryMenu,
    NonVegMenu,
    NonVegItem,
    WasteRecord,
    Feedback,
    Alert,
    Notification,
    DailyReport,
    DayTotals,
    ComplaintTheme,
    ComplaintTerm,
    OutgoingEmail,
    WasteChange,
    WasteReminder,
]
PRODUCED_BY_JOBS = [Alert, Notification, DailyReport, DayTotals, OutgoingEmail, WasteReminder]


def _url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


# Each maker adds `n` rows of its model, numbered from `start` so that later rows never collide with
# earlier ones, and each row points at its own related rows, so a missing select_related shows up.


def _users(n, start, mess):
    users = User.objects.bulk_create([User(username=f"user{i}") for i in range(start, start + n)])
    Profile.objects.bulk_create([Profile(user=user, mess=mess) for user in users])
    return users


def _messes(n, start):
    return Mess.objects.bulk_create([Mess(code=f"m{i}", name=f"Mess {i}") for i in range(start, start + n)])


def _floors(n, start):
    return Floor.objects.bulk_create([Floor(mess=mess, name="Ground") for mess in _messes(n, start)])


def _nonveg_menus(n, start):
    return NonVegMenu.objects.bulk_create(
        [NonVegMenu(mess=mess, date=DAY, meal=Meal.DINNER) for mess in _messes(n, start)],
    )


ROW_MAKERS = {
    Mess: _messes,
    Floor: _floors,
    User: lambda n, start: _users(n, start, None),
    Profile: lambda n, start: _users(n, start, Mess.objects.create(code=f"p{start}", name="P")),
    RegularMenu: lambda n, start: RegularMenu.objects.bulk_create(
        [RegularMenu(mess=mess, weekday=0, meal=Meal.LUNCH, dishes="Dal\nRice") for mess in _messes(n, start)],
    ),
    TemporaryMenu: lambda n, start: TemporaryMenu.objects.bulk_create(
        [TemporaryMenu(mess=mess, date=DAY, meal=Meal.LUNCH, dishes="Biryani") for mess in _messes(n, start)],
    ),
    NonVegMenu: lambda n, start: NonVegItem.objects.bulk_create(
        [NonVegItem(menu=menu, name=name, price=Decimal("120")) for menu in _nonveg_menus(n, start) for name in ["Chicken", "Fish"]],
    ),
    NonVegItem: lambda n, start: NonVegItem.objects.bulk_create(
        [NonVegItem(menu=menu, name="Chicken", price=Decimal("120")) for menu in _nonveg_menus(n, start)],
    ),
    WasteRecord: lambda n, start: WasteRecord.objects.bulk_create(
        [
            WasteRecord(floor=floor, date=DAY, meal=Meal.LUNCH, total_kg=Decimal("12.5"), diners=200, recorded_by=user)
            for floor, user in zip(_floors(n, start), _users(n, start, None), strict=True)
        ],
    ),
    Feedback: lambda n, start: Feedback.objects.bulk_create(
        [
            Feedback(student=user, mess=user.profile.mess, date=DAY, meal=Meal.LUNCH, rating=2, comment="Cold rice")
            for user in _users(n, start, Mess.objects.create(code=f"f{start}", name="F"))
        ],
    ),
    Alert: lambda n, start: Alert.objects.bulk_create(
        [
            Alert(
                mess=mess,
                kind=AlertKind.HIGH_WASTE,
                subject="Ground",
                value=Decimal("60"),
                threshold=Decimal("50"),
                window_start=DAY - datetime.timedelta(days=6),
                window_end=DAY,
                first_seen_at=timezone.now(),
                last_seen_at=timezone.now(),
            )
            for mess in _messes(n, start)
        ],
    ),
    Notification: lambda n, start: Notification.objects.bulk_create(
        [
            Notification(mess=mess, date=DAY, meal=Meal.LUNCH, critical_count=3, comments=[{"text": "Cold", "why": ""}])
            for mess in _messes(n, start)
        ],
    ),
    WasteReminder: lambda n, start: WasteReminder.objects.bulk_create(
        [WasteReminder(mess=mess, date=DAY, meal=Meal.LUNCH, floors=["Ground", "First"]) for mess in _messes(n, start)],
    ),
    DailyReport: lambda n, start: DailyReport.objects.bulk_create(
        [DailyReport(mess=mess, date=DAY, text_body="Report", html_body="<p>Report</p>") for mess in _messes(n, start)],
    ),
    ComplaintTheme: lambda n, start: ComplaintTerm.objects.bulk_create(
        [
            ComplaintTerm(theme=theme, words=f"term {start + i} {j}")
            for i, theme in enumerate(
                ComplaintTheme.objects.bulk_create([ComplaintTheme(code=f"t{start + i}", name="T") for i in range(n)])
            )
            for j in range(2)
        ]
    ),
    ComplaintTerm: lambda n, start: ComplaintTerm.objects.bulk_create(
        [ComplaintTerm(theme=ComplaintTheme.objects.get(code="dirty"), words=f"word {start + i}") for i in range(n)]
    ),
    OutgoingEmail: lambda n, start: OutgoingEmail.objects.bulk_create(
        [
            OutgoingEmail(
                kind="daily-report",
                from_email="ManageIt <manageit@localhost>",
                to=["olga@example.org"],
                subject=f"Report {start + i}",
                text_body="Report",
                html_body="<p>Report</p>",
                message_id=f"<{start + i}@example.org>",
                attempts=1,
                last_error="SMTPDataError: (451, b'Try again later')",
            )
            for i in range(n)
        ],
    ),
    WasteChange: lambda n, start: WasteChange.objects.bulk_create(
        [
            WasteChange(mess=floor.mess, floor=floor, floor_name="Ground", date=DAY, meal=Meal.LUNCH, action="changed", changed_by=user)
            for floor, user in zip(_floors(n, start), _users(n, start, None), strict=True)
        ],
    ),
    DayTotals: lambda n, start: DayTotals.objects.bulk_create(
        [
            DayTotals(mess=mess, date=DAY, waste_records=3, waste_kg=Decimal("30"), feedback_count=4, rating_sum=13)
            for mess in _messes(n, start)
        ],
    ),
}


def test_it_registers_every_mess_model_and_passes_the_admin_checks():
    assert set(MESS_MODELS) <= set(django_admin.site._registry)
    call_command("check", "--fail-level", "WARNING")  # autocomplete_fields need search_fields on the other side


@pytest.mark.parametrize("model", [*MESS_MODELS, User])
def test_it_opens_every_changelist(as_admin, model):
    ROW_MAKERS.get(model, lambda n, start: None)(3, 0)
    assert as_admin.get(_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", [m for m in [*MESS_MODELS, User] if m not in [*PRODUCED_BY_JOBS, MealWindow, WasteChange]])
def test_it_opens_every_add_page(as_admin, model):
    assert as_admin.get(_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", [*PRODUCED_BY_JOBS, MealWindow, WasteChange])
def test_it_has_no_add_page_for_rows_that_are_not_added_by_hand(as_admin, model):
    assert as_admin.get(_url(model, "add")).status_code == 403


@pytest.mark.parametrize("model", list(ROW_MAKERS))
def test_it_lists_rows_in_a_constant_number_of_queries(as_admin, model):
    url = _url(model, "changelist")
    ROW_MAKERS[model](3, 0)
    with CaptureQueriesContext(connection) as few:
        assert as_admin.get(url).status_code == 200
    ROW_MAKERS[model](30, 100)
    with CaptureQueriesContext(connection) as many:
        response = as_admin.get(url)
    assert response.context["cl"].result_count >= 33
    assert len(many) == len(few), [q["sql"] for q in many]


def test_it_finds_waste_records_by_floor_name(as_admin, mess1, ground, first):
    WasteRecord.objects.create(floor=ground, date=DAY, meal=Meal.LUNCH, total_kg=Decimal("5"))
    WasteRecord.objects.create(floor=first, date=DAY, meal=Meal.LUNCH, total_kg=Decimal("7"))

    response = as_admin.get(_url(WasteRecord, "changelist"), {"q": "ground"})

    assert [r.floor for r in response.context["cl"].result_list] == [ground]


def test_it_filters_feedback_by_mess(as_admin, student, mess2):
    bob = create_person(username="bob", role=Role.STUDENT, mess=mess2)
    Feedback.objects.create(student=student, mess=student.profile.mess, date=DAY, meal=Meal.LUNCH, rating=4)
    Feedback.objects.create(student=bob, mess=mess2, date=DAY, meal=Meal.LUNCH, rating=2)

    response = as_admin.get(_url(Feedback, "changelist"), {"mess__id__exact": mess2.id})

    assert [f.student for f in response.context["cl"].result_list] == [bob]


def test_it_filters_waste_records_by_the_floors_mess(as_admin, ground, mess2):
    WasteRecord.objects.create(floor=ground, date=DAY, meal=Meal.LUNCH, total_kg=Decimal("5"))
    third = mess2.floors.get(name="Third")
    WasteRecord.objects.create(floor=third, date=DAY, meal=Meal.LUNCH, total_kg=Decimal("7"))

    response = as_admin.get(_url(WasteRecord, "changelist"), {"floor__mess__id__exact": mess2.id})

    assert [r.floor for r in response.context["cl"].result_list] == [third]


def test_it_filters_users_by_mess_and_shows_their_mess(as_admin, student, other_official, mess2):
    response = as_admin.get(_url(User, "changelist"), {"profile__mess__id__exact": mess2.id})

    assert list(response.context["cl"].result_list) == [other_official]
    assert "Mess 2" in response.text


def test_it_shows_grams_of_waste_per_diner(as_admin, ground, first):
    WasteRecord.objects.create(floor=ground, date=DAY, meal=Meal.LUNCH, total_kg=Decimal("12.5"), diners=200)
    WasteRecord.objects.create(floor=first, date=DAY, meal=Meal.LUNCH, total_kg=Decimal("3"), diners=0)

    response = as_admin.get(_url(WasteRecord, "changelist"))

    assert '<td class="field-grams_per_diner">63</td>' in response.text  # 62.5 g rounds half up
    assert '<td class="field-grams_per_diner">-</td>' in response.text  # no head count: no ratio


def test_it_filters_alerts_by_status(as_admin, mess1):
    common = {
        "mess": mess1,
        "kind": AlertKind.HIGH_WASTE,
        "value": Decimal("60"),
        "threshold": Decimal("50"),
        "window_start": DAY,
        "window_end": DAY,
        "first_seen_at": timezone.now(),
        "last_seen_at": timezone.now(),
    }
    open_alert = Alert.objects.create(subject="Ground", **common)
    resolved = Alert.objects.create(subject="First", is_open=None, resolved_at=timezone.now(), **common)
    url = _url(Alert, "changelist")

    assert list(as_admin.get(url, {"status": "open"}).context["cl"].result_list) == [open_alert]
    assert list(as_admin.get(url, {"status": "resolved"}).context["cl"].result_list) == [resolved]


MESS_POST = {
    "code": "mess3",
    "name": "Mess 3",
    "is_active": "on",
    "waste_threshold_kg": "40",
    "rating_threshold": "3.5",
    "alert_window_days": "7",
    "waste_threshold_g_per_diner": "150",
    "min_ratings": "10",
}


def test_it_creates_a_mess_with_its_floors(as_admin):
    data = {**MESS_POST, "floors-TOTAL_FORMS": "2", "floors-INITIAL_FORMS": "0", "floors-0-name": "Fourth", "floors-1-name": "Fifth"}

    response = as_admin.post(_url(Mess, "add"), data)

    assert response.status_code == 302
    assert sorted(Mess.objects.get(code="mess3").floors.values_list("name", flat=True)) == ["Fifth", "Fourth"]


def test_it_lets_admins_move_a_meal_window_but_not_delete_it(as_admin):
    lunch = MealWindow.objects.get(meal=Meal.LUNCH)

    response = as_admin.post(_url(MealWindow, "change", lunch.pk), {"starts_at": "12:30", "ends_at": "14:30"})

    assert response.status_code == 302
    lunch.refresh_from_db()
    assert (lunch.starts_at, lunch.ends_at) == (datetime.time(12, 30), datetime.time(14, 30))
    assert as_admin.get(_url(MealWindow, "delete", lunch.pk)).status_code == 403


def test_it_refuses_a_meal_window_that_ends_before_it_starts(as_admin):
    lunch = MealWindow.objects.get(meal=Meal.LUNCH)

    response = as_admin.post(_url(MealWindow, "change", lunch.pk), {"starts_at": "14:00", "ends_at": "12:00"})

    assert response.status_code == 200  # the form again, with the constraint's error
    assert response.context["adminform"].form.errors
    lunch.refresh_from_db()
    assert lunch.starts_at == datetime.time(12, 0)


def test_it_keeps_feedback_notified_at_read_only(as_admin, student):
    notified_at = timezone.now()
    feedback = Feedback.objects.create(
        student=student, mess=student.profile.mess, date=DAY, meal=Meal.LUNCH, rating=4, notified_at=notified_at
    )
    data = {"student": student.pk, "mess": feedback.mess_id, "date": "2025-01-15", "meal": "lunch", "rating": "5", "category": "food"}

    response = as_admin.post(_url(Feedback, "change", feedback.pk), {**data, "notified_at_0": "", "notified_at_1": ""})

    assert response.status_code == 302
    feedback.refresh_from_db()
    assert (feedback.rating, feedback.notified_at) == (5, notified_at)


@pytest.mark.parametrize("model", PRODUCED_BY_JOBS)
def test_it_lets_admins_read_and_delete_what_jobs_produced_but_not_change_it(as_admin, model):
    ROW_MAKERS[model](1, 0)
    row = model.objects.get()
    url = _url(model, "change", row.pk)

    response = as_admin.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert as_admin.post(url, {}).status_code == 403

    assert as_admin.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 302
    assert not model.objects.exists()


def test_it_shows_a_daily_reports_text_body_escaped_and_not_its_html_body(as_admin, mess1):
    report = DailyReport.objects.create(
        mess=mess1, date=DAY, text_body="Lunch: <script>alert(1)</script>", html_body="<p>html-only-marker</p>"
    )

    response = as_admin.get(_url(DailyReport, "change", report.pk))

    assert "Lunch: &lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)" not in response.text
    assert "html-only-marker" not in response.text


def test_it_shows_notification_comments_escaped(as_admin, mess1):
    notification = Notification.objects.create(
        mess=mess1, date=DAY, meal=Meal.LUNCH, critical_count=2, comments=[{"text": "<b>Cold</b>", "why": ""}, {"text": "Late", "why": ""}]
    )

    response = as_admin.get(_url(Notification, "change", notification.pk))

    assert "&lt;b&gt;Cold&lt;/b&gt;<br>Late" in response.text


def test_it_edits_a_users_mess_on_their_page(as_admin, student, mess1):
    response = as_admin.get(_url(User, "change", student.pk))

    assert response.status_code == 200
    assert f'<option value="{mess1.pk}" selected>Mess 1</option>' in response.text


def test_it_completes_floors_by_name_with_their_mess(as_admin, mess1, mess2):
    url = reverse("admin:autocomplete")
    params = {"app_label": "mess", "model_name": "wasterecord", "field_name": "floor"}

    response = as_admin.get(url, {**params, "term": "thi"})

    assert [r["text"] for r in response.json()["results"]] == ["Third (mess2)"]


def test_it_completes_floors_in_a_constant_number_of_queries(as_admin):
    url = reverse("admin:autocomplete")
    params = {"app_label": "mess", "model_name": "wasterecord", "field_name": "floor", "term": "ground"}
    _floors(3, 0)
    with CaptureQueriesContext(connection) as few:
        as_admin.get(url, params)
    _floors(15, 100)
    with CaptureQueriesContext(connection) as many:
        response = as_admin.get(url, params)

    assert len(response.json()["results"]) == 18
    assert len(many) == len(few)


def test_an_admin_who_is_not_a_superuser_runs_the_admin_site_but_cannot_hand_out_rights(client, student, mess1):
    gina = User.objects.create_user(username="gina", password="pw-gina-123", is_staff=True)
    gina.groups.add(Group.objects.get(name=ADMINS_GROUP))
    client.force_login(gina)

    assert client.get(reverse("admin:mess_mess_changelist")).status_code == 200
    assert client.get(reverse("admin:scheduling_jobschedule_changelist")).status_code == 200
    page = client.get(reverse("admin:auth_user_change", args=[student.pk])).content.decode()
    assert 'name="is_staff"' in page and 'name="groups"' in page
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_an_admin_who_is_not_a_superuser_cannot_change_a_superuser(client, admin):
    gina = User.objects.create_user(username="gina", password="pw-gina-123", is_staff=True)
    gina.groups.add(Group.objects.get(name=ADMINS_GROUP))
    client.force_login(gina)

    password = client.post(
        reverse("admin:auth_user_password_change", args=[admin.pk]), {"password1": "taken-over-42", "password2": "taken-over-42"}
    )
    invited = client.post(reverse("admin:auth_user_changelist"), {"action": "invite", "_selected_action": [admin.pk]}, follow=True)

    assert password.status_code == 403
    assert 'name="email"' not in client.get(reverse("admin:auth_user_change", args=[admin.pk])).text  # shown, not editable
    assert client.post(reverse("admin:auth_user_delete", args=[admin.pk]), {"post": "yes"}).status_code == 403
    assert "Invited 0 users." in invited.text and mail.outbox == []
    admin.refresh_from_db()
    assert admin.check_password("pw-ada-123")


def test_it_refuses_control_characters_in_a_comment(as_admin, student, mess1):
    response = as_admin.post(
        reverse("admin:mess_feedback_add"),
        {
            "student": student.pk,
            "mess": mess1.pk,
            "date": "2024-07-01",
            "meal": "lunch",
            "rating": "3",
            "category": "food",
            "comment": "a\x1bb",
        },
    )

    assert "contains the control character U+001B" in response.text
    assert not Feedback.objects.exists()


def test_staff_without_permissions_sees_no_model(client, db):
    client.force_login(User.objects.create_user(username="stan", is_staff=True))

    assert client.get(reverse("admin:mess_feedback_changelist")).status_code == 403
    assert client.get(reverse("admin:index")).context["app_list"] == []


@pytest.mark.parametrize(
    ("date", "message"), [("1999-12-31", "greater than or equal to 2000-01-01"), ("2999-01-01", "2999-01-01 is in the future.")]
)
def test_it_refuses_waste_and_feedback_of_days_out_of_range(as_admin, ground, student, mess1, date, message):
    waste = as_admin.post(
        reverse("admin:mess_wasterecord_add"), {"floor": ground.pk, "date": date, "meal": "lunch", "total_kg": "1.00", "diners": ""}
    )
    rating = as_admin.post(
        reverse("admin:mess_feedback_add"),
        {"student": student.pk, "mess": mess1.pk, "date": date, "meal": "lunch", "rating": "3", "category": "food", "comment": ""},
    )

    assert message in waste.text and message in rating.text
    assert not WasteRecord.objects.exists() and not Feedback.objects.exists()


# Menus: the officials' pages' rules, and the menu history


def _menu_history() -> list[tuple]:
    return list(
        MenuChange.objects.order_by("id").values_list(
            "mess__code", "kind", "meal", "date", "weekday", "week", "before", "after", "changed_by"
        )
    )


def _nonveg_post(mess, date, items, *, initial=0, **extra) -> dict:
    data = {
        "mess": mess.pk,
        "date": date.isoformat(),
        "meal": "dinner",
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(initial),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "30",
        **extra,
    }
    for n, (name, price) in enumerate(items):
        data[f"items-{n}-name"], data[f"items-{n}-price"] = name, price
    return data


def _field_errors(response, field: str) -> list[str]:
    return response.context["adminform"].form.errors.get(field, [])


@pytest.mark.parametrize(
    ("dishes", "message"),
    [
        ("\n".join(f"Dish {n}" for n in range(31)), "31 dishes: a menu holds at most 30"),
        ("Poha\x1b[31m", "control character U+001B"),
        ("Dal; Rice", "“;” separates dishes in menu files"),
        (" \n ", "This field is required."),
    ],
)
def test_admin_menu_forms_refuse_what_the_officials_pages_refuse_beside_the_dishes(as_admin, mess1, dishes, message):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    weekly = as_admin.post(
        _url(RegularMenu, "add"), {"mess": mess1.pk, "weekday": "0", "meal": "lunch", "week": "0", "is_veg": "on", "dishes": dishes}
    )
    one_day = as_admin.post(_url(TemporaryMenu, "add"), {"mess": mess1.pk, "date": tomorrow.isoformat(), "meal": "lunch", "dishes": dishes})

    assert weekly.status_code == one_day.status_code == 200
    assert any(message in error for error in _field_errors(weekly, "dishes")), _field_errors(weekly, "dishes")
    assert any(message in error for error in _field_errors(one_day, "dishes"))
    assert not RegularMenu.objects.exists() and not TemporaryMenu.objects.exists() and not MenuChange.objects.exists()


def test_admin_refuses_menus_and_items_of_a_past_day_beside_the_date(as_admin, mess1):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    one_day = as_admin.post(_url(TemporaryMenu, "add"), {"mess": mess1.pk, "date": yesterday.isoformat(), "meal": "lunch", "dishes": "Dal"})
    nonveg = as_admin.post(_url(NonVegMenu, "add"), _nonveg_post(mess1, yesterday, [("Fish fry", "90")]))
    past = NonVegMenu.objects.create(mess=mess1, date=yesterday, meal="lunch")
    item = as_admin.post(_url(NonVegItem, "add"), {"menu": past.pk, "name": "Fish fry", "price": "90"})

    assert any("is in the past" in error for error in _field_errors(one_day, "date"))
    assert any("is in the past" in error for error in _field_errors(nonveg, "date"))
    assert any("is in the past" in error for error in _field_errors(item, "menu"))
    assert not TemporaryMenu.objects.exists() and not NonVegItem.objects.exists() and not MenuChange.objects.exists()


@pytest.mark.parametrize(
    ("name", "price", "field", "message"),
    [
        ("Fish; chips", "90", "name", "“;” separates dishes"),
        ("Fish\x07", "90", "name", "control character U+0007"),
        ("x" * 101, "90", "name", "at most 100"),
        ("Fish fry", "90.505", "price", "no more than 2 decimal places"),  # the model's own check, before price_check
    ],
)
def test_admin_refuses_non_veg_items_the_officials_pages_refuse_beside_the_field(as_admin, mess1, name, price, field, message):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    within = as_admin.post(_url(NonVegMenu, "add"), _nonveg_post(mess1, tomorrow, [(name, price)]))
    menu = NonVegMenu.objects.create(mess=mess1, date=tomorrow, meal="lunch")
    alone = as_admin.post(_url(NonVegItem, "add"), {"menu": menu.pk, "name": name, "price": price})

    inline_errors = within.context["inline_admin_formsets"][0].formset.forms[0].errors.get(field, [])
    assert any(message in error for error in inline_errors), inline_errors
    assert any(message in error for error in _field_errors(alone, field)), _field_errors(alone, field)
    assert NonVegMenu.objects.get() == menu and not NonVegItem.objects.exists() and not MenuChange.objects.exists()


def test_admin_refuses_a_thirty_first_non_veg_item(as_admin, mess1):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    within = as_admin.post(_url(NonVegMenu, "add"), _nonveg_post(mess1, tomorrow, [(f"Item {n}", "10") for n in range(31)]))
    assert "Please submit at most 30 forms." in within.text
    menu = NonVegMenu.objects.create(mess=mess1, date=tomorrow, meal="dinner")
    NonVegItem.objects.bulk_create(NonVegItem(menu=menu, name=f"Item {n}", price=10) for n in range(30))
    alone = as_admin.post(_url(NonVegItem, "add"), {"menu": menu.pk, "name": "One more", "price": "10"})
    assert any("30 items already" in error for error in _field_errors(alone, "menu"))
    assert NonVegItem.objects.count() == 30


def test_admin_changes_of_weekly_and_one_day_menus_are_kept_in_the_menu_history(as_admin, admin, mess1):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    weekly = {"mess": mess1.pk, "weekday": "0", "meal": "lunch", "week": "1", "is_veg": "on"}
    assert as_admin.post(_url(RegularMenu, "add"), {**weekly, "dishes": " Dal \r\n\r\nRice"}).status_code == 302
    menu = RegularMenu.objects.get()
    assert menu.dishes == "Dal\nRice"  # kept as the officials' pages keep it
    as_admin.post(_url(RegularMenu, "change", menu.pk), {**weekly, "dishes": "Dal\nRice"})  # the same: no history
    as_admin.post(_url(RegularMenu, "change", menu.pk), {**weekly, "dishes": "Rajma\nRice"})
    as_admin.post(_url(RegularMenu, "delete", menu.pk), {"post": "yes"})

    as_admin.post(_url(TemporaryMenu, "add"), {"mess": mess1.pk, "date": tomorrow.isoformat(), "meal": "dinner", "dishes": "Biryani"})
    as_admin.post(_url(TemporaryMenu, "add"), {"mess": mess1.pk, "date": tomorrow.isoformat(), "meal": "lunch", "dishes": "Pulao"})
    as_admin.post(
        _url(TemporaryMenu, "changelist"),
        {"action": "delete_selected", "post": "yes", "_selected_action": list(TemporaryMenu.objects.values_list("pk", flat=True))},
    )

    assert not RegularMenu.objects.exists() and not TemporaryMenu.objects.exists()
    history = _menu_history()
    assert history[:5] == [
        ("mess1", "regular", "lunch", None, 0, 1, "", "Dal\nRice", admin.pk),
        ("mess1", "regular", "lunch", None, 0, 1, "Dal\nRice", "Rajma\nRice", admin.pk),
        ("mess1", "regular", "lunch", None, 0, 1, "Rajma\nRice", "", admin.pk),
        ("mess1", "temporary", "dinner", tomorrow, None, None, "", "Biryani", admin.pk),
        ("mess1", "temporary", "lunch", tomorrow, None, None, "", "Pulao", admin.pk),
    ]
    assert sorted(history[5:]) == [
        ("mess1", "temporary", "dinner", tomorrow, None, None, "Biryani", "", admin.pk),
        ("mess1", "temporary", "lunch", tomorrow, None, None, "Pulao", "", admin.pk),
    ]


def test_admin_changes_of_non_veg_items_are_kept_in_the_menu_history(as_admin, admin, mess1):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert (
        as_admin.post(_url(NonVegMenu, "add"), _nonveg_post(mess1, tomorrow, [("Fish fry", "90"), ("Egg curry", "40.5")])).status_code
        == 302
    )
    menu = NonVegMenu.objects.get()
    fish, egg = menu.items.order_by("id")
    data = _nonveg_post(
        mess1,
        tomorrow,
        [("Fish fry", "95"), ("Egg curry", "40.50")],
        initial=2,
        **{"items-0-id": fish.pk, "items-0-menu": menu.pk, "items-1-id": egg.pk, "items-1-menu": menu.pk},
    )
    assert as_admin.post(_url(NonVegMenu, "change", menu.pk), data).status_code == 302
    as_admin.post(_url(NonVegItem, "add"), {"menu": menu.pk, "name": "Mutton", "price": "150"})
    as_admin.post(_url(NonVegItem, "change", fish.pk), {"menu": menu.pk, "name": "Fish fry", "price": "95"})  # the same: no history
    as_admin.post(_url(NonVegItem, "delete", egg.pk), {"post": "yes"})
    as_admin.post(_url(NonVegMenu, "delete", menu.pk), {"post": "yes"})

    assert not NonVegMenu.objects.exists()
    history = _menu_history()
    assert {row[:6] + row[8:] for row in history} == {("mess1", "nonveg", "dinner", tomorrow, None, None, admin.pk)}
    fish, fish95, egg, mutton = "Fish fry ₹90.00", "Fish fry ₹95.00", "Egg curry ₹40.50", "Mutton ₹150.00"
    assert [(before.split("\n"), after.split("\n")) for *_, before, after, _ in history] == [
        ([""], [fish, egg]),
        ([fish, egg], [fish95, egg]),
        ([fish95, egg], [fish95, egg, mutton]),
        ([fish95, egg, mutton], [fish95, mutton]),
        ([fish95, mutton], [""]),
    ]


def test_admin_moves_the_week_1_start_of_a_mess_only_to_a_monday_and_it_is_kept_in_the_menu_history(as_admin, admin):
    data = {**MESS_POST, "floors-TOTAL_FORMS": "0", "floors-INITIAL_FORMS": "0"}
    assert as_admin.post(_url(Mess, "add"), {**data, "rotation_starts_on": "2026-03-02"}).status_code == 302
    mess = Mess.objects.get(code="mess3")

    tuesday = as_admin.post(_url(Mess, "change", mess.pk), {**data, "rotation_starts_on": "2026-03-10"})
    assert any("is a Tuesday: week 1 starts on a Monday" in error for error in _field_errors(tuesday, "rotation_starts_on"))
    as_admin.post(_url(Mess, "change", mess.pk), {**data, "rotation_starts_on": "2026-03-02", "name": "Mess three"})  # the same start
    as_admin.post(_url(Mess, "change", mess.pk), {**data, "rotation_starts_on": "2026-03-09"})
    as_admin.post(_url(Mess, "change", mess.pk), {**data, "rotation_starts_on": ""})

    mess.refresh_from_db()
    assert mess.rotation_starts_on is None
    assert _menu_history() == [
        ("mess3", "rotation", "", None, None, None, "2026-03-02", "2026-03-09", admin.pk),
        ("mess3", "rotation", "", None, None, None, "2026-03-09", "", admin.pk),
    ]
