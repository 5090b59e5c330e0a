"""The admin site of the mess app, as a superuser sees it: every page opens, change lists cost the same
number of queries however many rows they show, every write goes through its feature's function (as
the pages' do) and says its refusals on the form, and what no person writes (feedback, what the jobs
produced, the histories) is read-only."""

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

from mess.messes import mess_save
from mess.models import (
    Absence,
    Alert,
    AlertKind,
    DailyReport,
    DayTotals,
    Feedback,
    Meal,
    MealWindow,
    Mess,
    Notification,
    OutgoingEmail,
    OutgoingMessage,
    Role,
    WasteChange,
    WasteRecord,
)
from mess.overview import day_totals_refresh
from mess.people import ADMINS_GROUP
from mess.refusals import Refused
from tests.admin_rows import (
    DAY,
    MESS_MODELS,
    MESS_POST,
    NOT_ADDED_BY_HAND,
    PRODUCED_BY_JOBS,
    ROW_MAKERS,
    admin_url,
    field_errors,
    make_floors,
)
from tests.helpers import create_person

User = get_user_model()


def test_it_registers_every_mess_model_and_passes_the_admin_checks():
    assert set(MESS_MODELS) <= set(django_admin.site._registry)
    call_command("check", "--fail-level", "WARNING")  # autocomplete_fields need search_fields on the other side


@pytest.mark.parametrize("model", [*MESS_MODELS, User])
def test_it_opens_every_changelist(as_admin, model):
    ROW_MAKERS.get(model, lambda n, start: None)(3, 0)
    assert as_admin.get(admin_url(model, "changelist")).status_code == 200


def test_its_lists_have_the_whole_width_without_the_navigation_sidebar(as_admin):
    # at 1280 px the sidebar pushed the schedules' Active and Last run and the run log's Summary off the screen
    page = as_admin.get("/admin/scheduling/jobschedule/").content.decode()
    assert 'id="changelist"' in page and 'id="nav-sidebar"' not in page


@pytest.mark.parametrize("model", [m for m in [*MESS_MODELS, User] if m not in NOT_ADDED_BY_HAND])
def test_it_opens_every_add_page(as_admin, model):
    assert as_admin.get(admin_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", NOT_ADDED_BY_HAND)
def test_it_has_no_add_page_for_rows_that_are_not_added_by_hand(as_admin, model):
    assert as_admin.get(admin_url(model, "add")).status_code == 403


@pytest.mark.parametrize("model", list(ROW_MAKERS))
def test_it_lists_rows_in_a_constant_number_of_queries(as_admin, model):
    url = admin_url(model, "changelist")
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

    response = as_admin.get(admin_url(WasteRecord, "changelist"), {"q": "ground"})

    assert [r.floor for r in response.context["cl"].result_list] == [ground]


def test_it_filters_feedback_by_mess(as_admin, student, mess2):
    bob = create_person(username="bob", role=Role.STUDENT, mess=mess2)
    Feedback.objects.create(student=student, mess=student.profile.mess, date=DAY, meal=Meal.LUNCH, rating=4)
    Feedback.objects.create(student=bob, mess=mess2, date=DAY, meal=Meal.LUNCH, rating=2)

    response = as_admin.get(admin_url(Feedback, "changelist"), {"mess__id__exact": mess2.id})

    assert [f.student for f in response.context["cl"].result_list] == [bob]


def test_it_filters_waste_records_by_the_floors_mess(as_admin, ground, mess2):
    WasteRecord.objects.create(floor=ground, date=DAY, meal=Meal.LUNCH, total_kg=Decimal("5"))
    third = mess2.floors.get(name="Third")
    WasteRecord.objects.create(floor=third, date=DAY, meal=Meal.LUNCH, total_kg=Decimal("7"))

    response = as_admin.get(admin_url(WasteRecord, "changelist"), {"floor__mess__id__exact": mess2.id})

    assert [r.floor for r in response.context["cl"].result_list] == [third]


def test_it_filters_users_by_mess_and_shows_their_mess(as_admin, student, other_official, mess2):
    response = as_admin.get(admin_url(User, "changelist"), {"profile__mess__id__exact": mess2.id})

    assert list(response.context["cl"].result_list) == [other_official]
    assert "Mess 2" in response.text


def test_it_shows_grams_of_waste_per_diner(as_admin, ground, first):
    WasteRecord.objects.create(floor=ground, date=DAY, meal=Meal.LUNCH, total_kg=Decimal("12.5"), diners=200)
    WasteRecord.objects.create(floor=first, date=DAY, meal=Meal.LUNCH, total_kg=Decimal("3"), diners=0)

    response = as_admin.get(admin_url(WasteRecord, "changelist"))

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
    url = admin_url(Alert, "changelist")

    assert list(as_admin.get(url, {"status": "open"}).context["cl"].result_list) == [open_alert]
    assert list(as_admin.get(url, {"status": "resolved"}).context["cl"].result_list) == [resolved]


def test_it_creates_a_mess_with_its_floors(as_admin):
    data = {**MESS_POST, "floors-TOTAL_FORMS": "2", "floors-INITIAL_FORMS": "0", "floors-0-name": "Fourth", "floors-1-name": "Fifth"}

    response = as_admin.post(admin_url(Mess, "add"), data)

    assert response.status_code == 302
    assert sorted(Mess.objects.get(code="mess3").floors.values_list("name", flat=True)) == ["Fifth", "Fourth"]


def test_it_lets_admins_move_a_meal_window_but_not_delete_it(as_admin):
    lunch = MealWindow.objects.get(meal=Meal.LUNCH)

    response = as_admin.post(admin_url(MealWindow, "change", lunch.pk), {"starts_at": "12:30", "ends_at": "14:30"})

    assert response.status_code == 302
    lunch.refresh_from_db()
    assert (lunch.starts_at, lunch.ends_at) == (datetime.time(12, 30), datetime.time(14, 30))
    assert as_admin.get(admin_url(MealWindow, "delete", lunch.pk)).status_code == 403


@pytest.mark.parametrize(
    ("hours", "field", "message"),
    [
        ({"starts_at": "14:00", "ends_at": "12:00"}, "ends_at", "It ends at 12:00, not after it starts at 14:00"),
        ({"starts_at": "13:00", "ends_at": "13:00"}, "ends_at", "It ends at 13:00, not after it starts at 13:00"),
        ({"starts_at": "08:30", "ends_at": "14:00"}, "starts_at", "From 08:30 to 14:00 overlaps breakfast (07:00 to 09:00)"),
    ],
)
def test_it_refuses_a_meal_window_that_ends_before_it_starts_or_overlaps_another_in_a_sentence(as_admin, hours, field, message):
    lunch = MealWindow.objects.get(meal=Meal.LUNCH)

    response = as_admin.post(admin_url(MealWindow, "change", lunch.pk), hours)

    assert response.status_code == 200  # the form again, with the rule's words beside the field
    assert any(message in error for error in field_errors(response, field)), response.context["adminform"].form.errors
    assert "Constraint" not in response.text
    lunch.refresh_from_db()
    assert (lunch.starts_at, lunch.ends_at) == (datetime.time(12, 0), datetime.time(14, 0))


def test_a_meal_window_may_end_when_the_next_begins(as_admin):
    lunch = MealWindow.objects.get(meal=Meal.LUNCH)

    assert as_admin.post(admin_url(MealWindow, "change", lunch.pk), {"starts_at": "09:00", "ends_at": "17:00"}).status_code == 302


def test_feedback_is_the_students_own_and_an_admin_only_reads_or_deletes_it(as_admin, student, mess1):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)  # a day the overview keeps totals of
    entry = Feedback.objects.create(student=student, mess=mess1, date=yesterday, meal=Meal.LUNCH, rating=1, comment="Spam spam spam")
    day_totals_refresh(dates=[yesterday])
    assert DayTotals.objects.get(mess=mess1, date=yesterday).feedback_count == 1
    url = admin_url(Feedback, "change", entry.pk)

    assert as_admin.get(url).context["has_change_permission"] is False
    assert as_admin.post(url, {"rating": "5", "comment": "Lovely"}).status_code == 403
    assert as_admin.post(admin_url(Feedback, "delete", entry.pk), {"post": "yes"}).status_code == 302

    assert not Feedback.objects.exists()
    assert DayTotals.objects.get(mess=mess1, date=yesterday).feedback_count == 0  # its day followed at once (feedback_delete)


@pytest.mark.parametrize("model", [*PRODUCED_BY_JOBS, WasteChange])
def test_it_lets_admins_read_what_jobs_produced_and_the_histories_but_neither_change_nor_delete_them(as_admin, model):
    ROW_MAKERS[model](1, 0)
    row = model.objects.get()
    url = admin_url(model, "change", row.pk)

    response = as_admin.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert as_admin.post(url, {}).status_code == 403
    assert as_admin.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.count() == 1


def test_an_admin_gives_up_e_mails_not_sent_yet_and_only_those(as_admin):
    ROW_MAKERS[OutgoingEmail](2, 0)
    sent, unsent = OutgoingEmail.objects.order_by("id")
    OutgoingEmail.objects.filter(pk=sent.pk).update(sent_at=timezone.now())

    action = {"action": "give_up", "_selected_action": [sent.pk, unsent.pk]}
    response = as_admin.post(admin_url(OutgoingEmail, "changelist"), action, follow=True)

    assert "Gave up 1 e-mail not sent yet." in response.text
    assert list(OutgoingEmail.objects.filter(given_up_at__isnull=False)) == [unsent]


def test_an_admin_gives_up_messages_to_phones_not_sent_yet_and_only_those(as_admin):
    ROW_MAKERS[OutgoingMessage](2, 0)
    sent, unsent = OutgoingMessage.objects.order_by("id")
    OutgoingMessage.objects.filter(pk=sent.pk).update(sent_at=timezone.now())

    action = {"action": "give_up", "_selected_action": [sent.pk, unsent.pk]}
    response = as_admin.post(admin_url(OutgoingMessage, "changelist"), action, follow=True)

    assert "Gave up 1 message not sent yet." in response.text
    assert list(OutgoingMessage.objects.filter(given_up_at__isnull=False)) == [unsent]


def test_it_shows_a_daily_reports_text_body_escaped_and_not_its_html_body(as_admin, mess1):
    report = DailyReport.objects.create(
        mess=mess1, date=DAY, text_body="Lunch: <script>alert(1)</script>", html_body="<p>html-only-marker</p>"
    )

    response = as_admin.get(admin_url(DailyReport, "change", report.pk))

    assert "Lunch: &lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)" not in response.text
    assert "html-only-marker" not in response.text


def test_it_shows_notification_comments_escaped(as_admin, mess1):
    notification = Notification.objects.create(
        mess=mess1, date=DAY, meal=Meal.LUNCH, critical_count=2, comments=[{"text": "<b>Cold</b>", "why": ""}, {"text": "Late", "why": ""}]
    )

    response = as_admin.get(admin_url(Notification, "change", notification.pk))

    assert "&lt;b&gt;Cold&lt;/b&gt;<br>Late" in response.text


def test_it_edits_a_users_mess_on_their_page(as_admin, student, mess1):
    response = as_admin.get(admin_url(User, "change", student.pk))

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
    make_floors(3, 0)
    with CaptureQueriesContext(connection) as few:
        as_admin.get(url, params)
    make_floors(15, 100)
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


def test_staff_without_permissions_sees_no_model(client, db):
    client.force_login(User.objects.create_user(username="stan", is_staff=True))

    assert client.get(reverse("admin:mess_feedback_changelist")).status_code == 403
    assert client.get(reverse("admin:index")).context["app_list"] == []


@pytest.mark.parametrize(
    ("date", "message"), [("1999-12-31", "greater than or equal to 2000-01-01"), ("2999-01-01", "2999-01-01 is in the future.")]
)
def test_it_refuses_waste_of_days_out_of_range(as_admin, ground, date, message):
    waste = as_admin.post(
        reverse("admin:mess_wasterecord_add"), {"floor": ground.pk, "date": date, "meal": "lunch", "total_kg": "1.00", "diners": ""}
    )

    assert message in waste.text
    assert not WasteRecord.objects.exists()


def test_it_finds_absences_by_username_and_lists_them_by_mess(as_admin):
    first, second = ROW_MAKERS[Absence](2, 0)

    found = as_admin.get(admin_url(Absence, "changelist"), {"q": second.student.username})
    by_mess = as_admin.get(admin_url(Absence, "changelist"), {"mess__id__exact": first.mess_id})

    assert list(found.context["cl"].result_list) == [second]
    assert list(by_mess.context["cl"].result_list) == [first]
    assert "every meal" in found.text
    assert as_admin.get(admin_url(Absence, "change", first.pk)).context["has_change_permission"] is False


def test_the_mess_page_groups_its_settings_and_shows_every_field_once(as_admin, mess1):
    response = as_admin.get(admin_url(Mess, "change", mess1.pk))

    fieldsets = response.context["adminform"].model_admin.get_fieldsets(response.wsgi_request, mess1)
    assert [name for name, _ in fieldsets] == [None, "Alerts", "Menus", "Cooking for those who come", "Waste's worth and goal"]
    shown = [field for _, options in fieldsets for field in options["fields"]]
    editable = [f.name for f in Mess._meta.fields if f.editable and not f.primary_key]
    assert sorted(shown) == sorted(editable) and len(shown) == len(set(shown))
    assert "Cooking for those who come" in response.text and 'name="kitchen_email"' in response.text


@pytest.mark.parametrize(
    ("baseline", "field", "message"),
    [
        ({"baseline_start": "2026-01-01", "baseline_end": ""}, "baseline_end", "Give both days of the baseline period, or neither"),
        ({"baseline_start": "", "baseline_end": "2026-01-28"}, "baseline_start", "Give both days of the baseline period, or neither"),
        (
            {"baseline_start": "2026-01-28", "baseline_end": "2026-01-01"},
            "baseline_end",
            "The baseline period ends on Thu 1 Jan 2026, before it starts on Wed 28 Jan 2026.",
        ),
    ],
)
def test_a_half_or_backward_baseline_is_refused_beside_its_field_in_words(as_admin, mess1, baseline, field, message):
    data = {**MESS_POST, "code": "mess1", "name": "Mess 1", "floors-TOTAL_FORMS": "0", "floors-INITIAL_FORMS": "0", **baseline}

    response = as_admin.post(admin_url(Mess, "change", mess1.pk), data)

    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field)), response.context["adminform"].form.errors
    assert "Constraint" not in response.text
    mess1.refresh_from_db()
    assert (mess1.baseline_start, mess1.baseline_end) == (None, None)


def test_the_mess_service_refuses_a_half_baseline_too(mess1, admin):
    mess1.baseline_start = datetime.date(2026, 1, 1)

    with pytest.raises(Refused) as refused:
        mess_save(mess=mess1, changed_by=admin)

    assert list(refused.value.errors) == ["baseline_end"]
