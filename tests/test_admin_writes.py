"""Every write in Django admin goes through its feature's function, as the pages' do: each door is
shown calling it, a refusal shows on the form and keeps nothing, and what follows a write follows."""

import datetime
import importlib

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_q.models import Schedule

from mess.models import (
    Absence,
    Announcement,
    Closure,
    ComplaintTerm,
    ComplaintTheme,
    CookedFood,
    Feedback,
    Floor,
    GroupAdmin,
    Meal,
    MealWindow,
    Mess,
    MessChangeWindow,
    MessGroup,
    NonVegItem,
    NonVegMenu,
    Profile,
    RegularMenu,
    TelegramLink,
    TemporaryMenu,
    WasteChange,
    WasteRecord,
)
from tests.admin_rows import (
    DAY,
    MESS_POST,
    ROW_MAKERS,
    admin_url,
    field_errors,
    make_floors,
    make_messes,
    make_nonveg_menus,
    make_users,
    nonveg_post,
)

User = get_user_model()


# Every write goes through its feature's function: the admin is one more door to the same rules.


def _spied(monkeypatch, module: str, name: str) -> list:
    """Records each call of the feature function `name` as mess.admin.<module> calls it, and lets it run."""
    calls, real = [], getattr(importlib.import_module(f"mess.admin.{module}"), name)

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(f"mess.admin.{module}.{name}", spy)
    return calls


def _tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


def _theme() -> ComplaintTheme:
    return ComplaintTheme.objects.create(code="noise", name="Noise")


# (model, action, the admin module and the feature function it must call, what to post, a maker of the row acted on)
DOORS = [
    (MealWindow, "change", "messes", "meal_window_update", lambda: {"starts_at": "12:15", "ends_at": "14:00"}, None),
    (Mess, "add", "messes", "mess_save", lambda: {**MESS_POST, "floors-TOTAL_FORMS": "0", "floors-INITIAL_FORMS": "0"}, None),
    (
        Mess,
        "add",
        "messes",
        "floors_save",
        lambda: {**MESS_POST, "floors-TOTAL_FORMS": "1", "floors-INITIAL_FORMS": "0", "floors-0-name": "A"},
        None,
    ),
    (Mess, "delete", "messes", "messes_delete", lambda: {"post": "yes"}, lambda: make_messes(1, 0)[0]),
    (Floor, "add", "messes", "floor_save", lambda: {"mess": Mess.objects.get(code="mess1").pk, "name": "Roof"}, None),
    (Floor, "delete", "messes", "floors_delete", lambda: {"post": "yes"}, lambda: make_floors(1, 0)[0]),
    (
        Profile,
        "change",
        "people",
        "profile_save",
        lambda: {"user": Profile.objects.get().user_id, "mess": ""},
        lambda: make_users(1, 0, None)[0].profile,
    ),
    (
        User,
        "add",
        "people",
        "person_save",
        lambda: {
            "username": "newbie",
            "password1": "pw-newbie-123",
            "password2": "pw-newbie-123",
            "usable_password": "true",
            "profile-TOTAL_FORMS": "0",
            "profile-INITIAL_FORMS": "0",
        },
        None,
    ),
    (User, "delete", "people", "people_delete", lambda: {"post": "yes"}, lambda: make_users(1, 0, None)[0]),
    (
        MessGroup,
        "add",
        "scopes",
        "mess_group_save",
        lambda: {"code": "north", "name": "North campus", "parent": ""},
        None,
    ),
    (MessGroup, "delete", "scopes", "mess_groups_delete", lambda: {"post": "yes"}, lambda: ROW_MAKERS[MessGroup](1, 0)[0]),
    (
        GroupAdmin,
        "add",
        "scopes",
        "group_admin_save",
        lambda: {"user": make_users(1, 0, None)[0].pk, "group": ROW_MAKERS[MessGroup](1, 5)[0].pk},
        None,
    ),
    (GroupAdmin, "delete", "scopes", "group_admins_delete", lambda: {"post": "yes"}, lambda: ROW_MAKERS[GroupAdmin](1, 0)[0]),
    (
        RegularMenu,
        "add",
        "menu_editing",
        "regular_menu_set",
        lambda: {"mess": Mess.objects.get(code="mess1").pk, "weekday": "0", "meal": "lunch", "week": "0", "is_veg": "on", "dishes": "Dal"},
        None,
    ),
    (RegularMenu, "delete", "menu_editing", "regular_menus_delete", lambda: {"post": "yes"}, lambda: ROW_MAKERS[RegularMenu](1, 0)[0]),
    (
        TemporaryMenu,
        "add",
        "menu_editing",
        "temporary_menu_set",
        lambda: {"mess": Mess.objects.get(code="mess1").pk, "date": _tomorrow(), "meal": "lunch", "dishes": "Pulao"},
        None,
    ),
    (
        TemporaryMenu,
        "delete",
        "menu_editing",
        "temporary_menus_delete",
        lambda: {"post": "yes"},
        lambda: ROW_MAKERS[TemporaryMenu](1, 0)[0],
    ),
    (
        NonVegMenu,
        "add",
        "menu_editing",
        "nonveg_menu_set",
        lambda: nonveg_post(Mess.objects.get(code="mess1"), datetime.date.fromisoformat(_tomorrow()), [("Fish", "90")]),
        None,
    ),
    (NonVegMenu, "delete", "menu_editing", "nonveg_menus_delete", lambda: {"post": "yes"}, lambda: make_nonveg_menus(1, 0)[0]),
    (
        NonVegItem,
        "add",
        "menu_editing",
        "nonveg_item_set",
        lambda: {
            "menu": NonVegMenu.objects.create(mess=Mess.objects.get(code="mess1"), date=_tomorrow(), meal="lunch").pk,
            "name": "Fish",
            "price": "90",
        },
        None,
    ),
    (NonVegItem, "delete", "menu_editing", "nonveg_items_delete", lambda: {"post": "yes"}, lambda: ROW_MAKERS[NonVegItem](1, 0)[0]),
    (
        WasteRecord,
        "add",
        "waste",
        "waste_record_save",
        lambda: {
            "floor": Floor.objects.get(name="Ground", mess__code="mess1").pk,
            "date": str(DAY),
            "meal": "lunch",
            "total_kg": "2",
            "diners": "",
        },
        None,
    ),
    (WasteRecord, "delete", "waste", "waste_records_delete", lambda: {"post": "yes"}, lambda: ROW_MAKERS[WasteRecord](1, 0)[0]),
    (Feedback, "delete", "feedback", "feedback_delete", lambda: {"post": "yes"}, lambda: ROW_MAKERS[Feedback](1, 0)[0]),
    (TelegramLink, "delete", "telegram", "telegram_links_delete", lambda: {"post": "yes"}, lambda: ROW_MAKERS[TelegramLink](1, 0)[0]),
    (
        ComplaintTheme,
        "add",
        "triage",
        "complaint_theme_save",
        lambda: {"code": "noise", "name": "Noise", "terms-TOTAL_FORMS": "1", "terms-INITIAL_FORMS": "0", "terms-0-words": "loud"},
        None,
    ),
    (ComplaintTheme, "delete", "triage", "complaint_themes_delete", lambda: {"post": "yes"}, _theme),
    (ComplaintTerm, "add", "triage", "complaint_term_save", lambda: {"theme": _theme().pk, "words": "loud music"}, None),
    (
        ComplaintTerm,
        "delete",
        "triage",
        "complaint_terms_delete",
        lambda: {"post": "yes"},
        lambda: ComplaintTerm.objects.create(theme=_theme(), words="loud"),
    ),
    (
        Closure,
        "add",
        "closures",
        "closure_save",
        lambda: {"mess": Mess.objects.get(code="mess1").pk, "first_day": _tomorrow(), "last_day": _tomorrow(), "reason": "Diwali"},
        None,
    ),
    (
        Announcement,
        "add",
        "announcements",
        "announcement_post",
        lambda: {
            "mess": Mess.objects.get(code="mess1").pk,
            "title": "Holi",
            "text": "No dinner",
            "first_day": _tomorrow(),
            "last_day": _tomorrow(),
        },
        None,
    ),
    (
        Announcement,
        "change",
        "announcements",
        "announcement_change",
        lambda: {"title": "Holi", "text": "No dinner", "first_day": _tomorrow(), "last_day": _tomorrow()},
        lambda: ROW_MAKERS[Announcement](1, 0)[0],
    ),
    (
        Announcement,
        "delete",
        "announcements",
        "announcements_delete",
        lambda: {"post": "yes"},
        lambda: ROW_MAKERS[Announcement](1, 0)[0],
    ),
    (Absence, "delete", "absences", "absences_delete", lambda: {"post": "yes"}, lambda: ROW_MAKERS[Absence](1, 0)[0]),
    (
        CookedFood,
        "add",
        "waste",
        "meal_cooked_save",
        lambda: {"mess": Mess.objects.get(code="mess1").pk, "date": str(DAY), "meal": "lunch", "kg": "120.5"},
        None,
    ),
    (
        MessChangeWindow,
        "add",
        "mess_changes",
        "mess_change_window_save",
        lambda: {"first_day": "2026-04-01", "last_day": "2026-04-10", "capacities-TOTAL_FORMS": "0", "capacities-INITIAL_FORMS": "0"},
        None,
    ),
    (
        MessChangeWindow,
        "add",
        "mess_changes",
        "mess_change_capacities_save",
        lambda: {
            "first_day": "2026-04-01",
            "last_day": "2026-04-10",
            "capacities-TOTAL_FORMS": "1",
            "capacities-INITIAL_FORMS": "0",
            "capacities-0-mess": Mess.objects.get(code="mess1").pk,
            "capacities-0-capacity": "4",
        },
        None,
    ),
    (
        MessChangeWindow,
        "delete",
        "mess_changes",
        "mess_change_windows_delete",
        lambda: {"post": "yes"},
        lambda: ROW_MAKERS[MessChangeWindow](1, 0)[0],
    ),
    (CookedFood, "change", "waste", "meal_cooked_save", lambda: {"kg": "99"}, lambda: ROW_MAKERS[CookedFood](1, 0)[0]),
    (CookedFood, "delete", "waste", "meal_cooked_save", lambda: {"post": "yes"}, lambda: ROW_MAKERS[CookedFood](1, 0)[0]),
    (
        Closure,
        "delete",
        "closures",
        "closures_delete",
        lambda: {"post": "yes"},
        lambda: Closure.objects.create(mess=Mess.objects.get(code="mess1"), first_day=DAY, last_day=DAY),
    ),
]


@pytest.mark.parametrize(
    ("model", "action", "module", "function", "post", "row"), DOORS, ids=[f"{d[0].__name__}-{d[1]}-{d[3]}" for d in DOORS]
)
def test_each_admin_write_goes_through_its_features_function(as_admin, mess1, monkeypatch, model, action, module, function, post, row):
    target = row() if row else None
    if model is MealWindow:
        target = MealWindow.objects.get(meal=Meal.LUNCH)
    calls = _spied(monkeypatch, module, function)
    args = [target.pk] if action != "add" else []

    response = as_admin.post(admin_url(model, action, *args), post())

    assert response.status_code == 302, response.context and response.context.get("adminform") and response.context["adminform"].form.errors
    assert len(calls) >= 1
    if action == "delete":
        assert not model.objects.filter(pk=target.pk).exists()


def test_a_refused_write_shows_on_the_form_and_keeps_nothing(as_admin, mess1, ground, monkeypatch):
    # Refused by the feature itself, after the form was valid: the whole change is undone.
    def refuse(**kwargs):
        raise ValueError("The kitchen's scale is being calibrated: try again in an hour.")

    monkeypatch.setattr("mess.admin.waste.waste_record_save", refuse)
    data = {"floor": ground.pk, "date": str(DAY), "meal": "lunch", "total_kg": "2", "diners": ""}

    response = as_admin.post(admin_url(WasteRecord, "add"), data)

    assert response.status_code == 200
    assert "The kitchen&#x27;s scale is being calibrated: try again in an hour." in response.text
    assert not WasteRecord.objects.exists() and not WasteChange.objects.exists()


def test_a_mess_with_its_history_is_made_inactive_not_deleted(as_admin, mess1, student):
    response = as_admin.post(admin_url(Mess, "delete", mess1.pk), {"post": "yes"}, follow=True)

    assert Mess.objects.filter(pk=mess1.pk).exists()
    assert "Cannot delete mess" in response.text or "keeps its history" in response.text


def test_a_change_of_what_the_alerts_read_has_the_messs_alerts_evaluated_soon(as_admin, mess1, django_capture_on_commit_callbacks):
    data = {**MESS_POST, "code": "mess1", "name": "Mess 1", "floors-TOTAL_FORMS": "0", "floors-INITIAL_FORMS": "0"}
    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post(admin_url(Mess, "change", mess1.pk), {**data, "waste_threshold_kg": "50"})  # from 50: a change of the others
    Schedule.objects.filter(name__startswith="soon: ").delete()
    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post(admin_url(Mess, "change", mess1.pk), {**data, "name": "Mess One", "waste_threshold_kg": "50"})  # the name only
    assert not Schedule.objects.filter(name__startswith="soon: ").exists()

    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post(admin_url(Mess, "change", mess1.pk), {**data, "waste_threshold_kg": "60"})

    assert list(Schedule.objects.filter(name__startswith="soon: ").values_list("name", flat=True)) == [
        "soon: generate_alerts mess_code='mess1'"
    ]


def test_an_admin_deletes_absences_selected_in_the_list_through_their_features_function(as_admin, monkeypatch):
    absences = ROW_MAKERS[Absence](3, 0)
    calls = _spied(monkeypatch, "absences", "absences_delete")
    action = {"action": "delete_selected", "_selected_action": [absences[0].pk, absences[1].pk], "post": "yes"}

    response = as_admin.post(admin_url(Absence, "changelist"), action)

    assert response.status_code == 302 and len(calls) == 1
    assert list(Absence.objects.all()) == [absences[2]]


def test_what_was_cooked_keeps_its_meal_and_a_meal_still_to_come_is_refused_beside_it(as_admin, mess1):
    cooked = ROW_MAKERS[CookedFood](1, 0)[0]
    page = as_admin.get(admin_url(CookedFood, "change", cooked.pk)).text
    assert 'name="kg"' in page and 'name="meal"' not in page and 'name="date"' not in page  # one figure of one meal

    data = {"mess": mess1.pk, "date": timezone.localdate().isoformat(), "meal": "dinner", "kg": "80"}
    with time_machine.travel(datetime.datetime.combine(timezone.localdate(), datetime.time(13), tzinfo=timezone.get_current_timezone())):
        response = as_admin.post(admin_url(CookedFood, "add"), data)

    assert response.status_code == 200
    assert any("has not started yet" in error for error in field_errors(response, "meal"))
    assert CookedFood.objects.count() == 1
