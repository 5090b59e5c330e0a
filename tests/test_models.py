"""The database's own constraints: rows written through the ORM, past every form, are still refused
when they break a rule, and accepted right up to its edges.

Most refusals are IntegrityError on both databases. Where MariaDB (strict mode) refuses a value
before it reaches the constraint, with DataError, the case says so.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import DataError, IntegrityError, transaction

from mess.models import (
    Alert,
    DailyReport,
    Feedback,
    Floor,
    MealWindow,
    Mess,
    NonVegItem,
    NonVegMenu,
    Notification,
    Profile,
    RegularMenu,
    TemporaryMenu,
    WasteRecord,
)
from scheduling.models import JobRun

User = get_user_model()

DAY = datetime.date(2025, 1, 15)
NOW = datetime.datetime(2025, 1, 15, 22, 0, tzinfo=datetime.UTC)

OK = None
REFUSED = IntegrityError
# A value the column itself cannot hold (a negative number in a Positive*IntegerField's unsigned
# column, more digits than a DecimalField's max_digits): SQLite stores it and its CHECK refuses it
# (IntegrityError); MariaDB's strict mode refuses it before any CHECK (DataError 1264, out of range).
REFUSED_OUT_OF_RANGE = (IntegrityError, DataError)


class Fixture(str):
    """A value to take from the pytest fixture of this name, as parametrize cannot take fixtures."""


@pytest.fixture
def nonveg_menu(mess1):
    return NonVegMenu.objects.create(mess=mess1, date=DAY, meal="dinner")


@pytest.fixture
def other_nonveg_menu(mess2):
    return NonVegMenu.objects.create(mess=mess2, date=DAY, meal="dinner")


@pytest.fixture
def other_student(db):
    return User.objects.create(username="bob")


# A valid row of each model; every case overrides only what it tests.
VALID = {
    Mess: {"code": "mess9", "name": "Mess 9"},
    Floor: {"mess": Fixture("mess1"), "name": "Kitchen"},
    RegularMenu: {"mess": Fixture("mess1"), "weekday": 0, "meal": "lunch", "dishes": "Dal\nRice"},
    TemporaryMenu: {"mess": Fixture("mess1"), "date": DAY, "meal": "lunch", "dishes": "Biryani"},
    NonVegMenu: {"mess": Fixture("mess1"), "date": DAY, "meal": "lunch"},
    NonVegItem: {"menu": Fixture("nonveg_menu"), "name": "Chicken curry", "price": Decimal("120")},
    WasteRecord: {"floor": Fixture("ground"), "date": DAY, "meal": "lunch", "total_kg": Decimal("12.5"), "diners": 200},
    Feedback: {"student": Fixture("student"), "mess": Fixture("mess1"), "date": DAY, "meal": "lunch", "rating": 4},
    Alert: {
        "mess": Fixture("mess1"),
        "kind": "high_waste",
        "subject": "Ground",
        "value": Decimal("60"),
        "threshold": Decimal("50"),
        "window_start": DAY - datetime.timedelta(days=6),
        "window_end": DAY,
        "first_seen_at": NOW,
        "last_seen_at": NOW,
    },
    Notification: {"mess": Fixture("mess1"), "date": DAY, "meal": "lunch", "critical_count": 2},
    DailyReport: {"mess": Fixture("mess1"), "date": DAY, "text_body": "", "html_body": ""},
    JobRun: {"job": "generate_alerts", "trigger": "command", "started_at": NOW},
}
RESOLVED = {"is_open": None, "resolved_at": NOW}


@pytest.fixture
def make(db, request):
    def make(model, **overrides):
        values = {**VALID[model], **overrides}
        return model.objects.create(
            **{name: request.getfixturevalue(value) if isinstance(value, Fixture) else value for name, value in values.items()}
        )

    return make


def _write(expected, write):
    """Runs `write` and checks the database accepted it (`expected` is OK) or refused it with `expected`."""
    if expected is OK:
        write()
        return
    with pytest.raises(expected), transaction.atomic():
        write()


CHECKS = [
    # mess_waste_threshold_not_negative
    pytest.param(Mess, {"waste_threshold_kg": Decimal("0")}, OK, id="mess-waste-threshold-0"),
    pytest.param(Mess, {"waste_threshold_kg": Decimal("-0.01")}, REFUSED, id="mess-waste-threshold-negative"),
    # mess_rating_threshold_1_to_5
    pytest.param(Mess, {"rating_threshold": Decimal("1")}, OK, id="mess-rating-threshold-1"),
    pytest.param(Mess, {"rating_threshold": Decimal("5")}, OK, id="mess-rating-threshold-5"),
    pytest.param(Mess, {"rating_threshold": Decimal("0.99")}, REFUSED, id="mess-rating-threshold-0.99"),
    pytest.param(Mess, {"rating_threshold": Decimal("5.01")}, REFUSED, id="mess-rating-threshold-5.01"),
    # mess_alert_window_1_to_90
    pytest.param(Mess, {"alert_window_days": 1}, OK, id="mess-alert-window-1"),
    pytest.param(Mess, {"alert_window_days": 90}, OK, id="mess-alert-window-90"),
    pytest.param(Mess, {"alert_window_days": 0}, REFUSED, id="mess-alert-window-0"),
    pytest.param(Mess, {"alert_window_days": 91}, REFUSED, id="mess-alert-window-91"),
    # regularmenu_weekday_valid, regularmenu_meal_valid
    pytest.param(RegularMenu, {"weekday": 0}, OK, id="regularmenu-monday"),
    pytest.param(RegularMenu, {"weekday": 6}, OK, id="regularmenu-sunday"),
    pytest.param(RegularMenu, {"weekday": 7}, REFUSED, id="regularmenu-weekday-7"),
    pytest.param(RegularMenu, {"weekday": -1}, REFUSED_OUT_OF_RANGE, id="regularmenu-weekday-negative"),
    pytest.param(RegularMenu, {"meal": "brunch"}, REFUSED, id="regularmenu-meal"),
    # temporarymenu_meal_valid, nonvegmenu_meal_valid, notification_meal_valid
    pytest.param(TemporaryMenu, {"meal": "brunch"}, REFUSED, id="temporarymenu-meal"),
    pytest.param(NonVegMenu, {"meal": "brunch"}, REFUSED, id="nonvegmenu-meal"),
    pytest.param(Notification, {"meal": "brunch"}, REFUSED, id="notification-meal"),
    # nonvegitem_price_not_negative
    pytest.param(NonVegItem, {"price": Decimal("0")}, OK, id="nonvegitem-price-0"),
    pytest.param(NonVegItem, {"price": Decimal("-0.01")}, REFUSED, id="nonvegitem-price-negative"),
    # wasterecord_kg_0_to_1000, wasterecord_diners_not_negative, wasterecord_meal_valid
    pytest.param(WasteRecord, {"total_kg": Decimal("0")}, OK, id="waste-0kg"),
    pytest.param(WasteRecord, {"total_kg": Decimal("1000")}, OK, id="waste-1000kg"),
    pytest.param(WasteRecord, {"total_kg": Decimal("1000.01")}, REFUSED, id="waste-1000.01kg"),
    pytest.param(WasteRecord, {"total_kg": Decimal("-0.01")}, REFUSED, id="waste-negative"),
    pytest.param(WasteRecord, {"total_kg": Decimal("10000")}, REFUSED_OUT_OF_RANGE, id="waste-10000kg"),
    pytest.param(WasteRecord, {"diners": None}, OK, id="waste-diners-unknown"),
    pytest.param(WasteRecord, {"diners": 0}, OK, id="waste-diners-0"),
    pytest.param(WasteRecord, {"diners": -1}, REFUSED_OUT_OF_RANGE, id="waste-diners-negative"),
    pytest.param(WasteRecord, {"meal": "brunch"}, REFUSED, id="waste-meal"),
    # feedback_rating_1_to_5, feedback_comment_max_length, feedback_meal_valid, feedback_category_valid
    pytest.param(Feedback, {"rating": 1}, OK, id="feedback-rating-1"),
    pytest.param(Feedback, {"rating": 5}, OK, id="feedback-rating-5"),
    pytest.param(Feedback, {"rating": 0}, REFUSED, id="feedback-rating-0"),
    pytest.param(Feedback, {"rating": 6}, REFUSED, id="feedback-rating-6"),
    pytest.param(Feedback, {"comment": "x" * 1000}, OK, id="feedback-comment-1000"),
    # Characters, not bytes: each of these takes two bytes in UTF-8.
    pytest.param(Feedback, {"comment": "é" * 1000}, OK, id="feedback-comment-1000-accented"),
    pytest.param(Feedback, {"comment": "x" * 1001}, REFUSED, id="feedback-comment-1001"),
    pytest.param(Feedback, {"meal": "brunch"}, REFUSED, id="feedback-meal"),
    pytest.param(Feedback, {"category": "price"}, REFUSED, id="feedback-category"),
    # alert_kind_valid, alert_is_open_true_or_null, alert_open_iff_unresolved
    pytest.param(Alert, {}, OK, id="alert-open"),
    pytest.param(Alert, RESOLVED, OK, id="alert-resolved"),
    pytest.param(Alert, {"kind": "late_meal"}, REFUSED, id="alert-kind"),
    pytest.param(Alert, {"is_open": False, "resolved_at": NOW}, REFUSED, id="alert-is-open-false"),
    pytest.param(Alert, {"resolved_at": NOW}, REFUSED, id="alert-open-but-resolved"),
    pytest.param(Alert, {"is_open": None}, REFUSED, id="alert-closed-but-unresolved"),
    # jobrun_outcome_valid
    *[pytest.param(JobRun, {"outcome": outcome}, OK, id=f"jobrun-{outcome}") for outcome in ["running", "succeeded", "failed", "skipped"]],
    pytest.param(JobRun, {"outcome": "crashed"}, REFUSED, id="jobrun-outcome"),
]


@pytest.mark.parametrize(("model", "overrides", "expected"), CHECKS)
def test_it_checks_values_in_the_database(make, model, overrides, expected):
    _write(expected, lambda: make(model, **overrides))


def test_it_checks_values_written_by_update(make):
    # .update() skips save() and every validator: only the database stands in the way.
    record = make(WasteRecord)
    _write(REFUSED, lambda: WasteRecord.objects.filter(pk=record.pk).update(total_kg=Decimal("1000.01")))
    _write(OK, lambda: WasteRecord.objects.filter(pk=record.pk).update(total_kg=Decimal("1000")))


@pytest.mark.parametrize(
    ("starts_at", "expected"),
    [
        pytest.param(datetime.time(13, 59), OK, id="a-minute-long"),
        pytest.param(datetime.time(14, 0), REFUSED, id="starts-when-it-ends"),
        pytest.param(datetime.time(15, 0), REFUSED, id="starts-after-it-ends"),
    ],
)
def test_it_keeps_meal_windows_starting_before_they_end(db, starts_at, expected):
    # mealwindow_starts_before_end; the migration made the four windows, lunch ends at 14:00.
    _write(expected, lambda: MealWindow.objects.filter(meal="lunch").update(starts_at=starts_at))


def test_it_keeps_meal_windows_to_the_four_meals(db):
    # mealwindow_meal_valid, and the meal's uniqueness
    _write(REFUSED, lambda: MealWindow.objects.filter(meal="lunch").update(meal="brunch"))
    _write(REFUSED, lambda: MealWindow.objects.create(meal="lunch", starts_at=datetime.time(15), ends_at=datetime.time(16)))


UNIQUES = [
    # floor_unique_name_per_mess
    pytest.param(Floor, {}, {}, REFUSED, id="floor-same-mess"),
    pytest.param(Floor, {}, {"mess": Fixture("mess2")}, OK, id="floor-other-mess"),
    # regularmenu_unique_slot
    pytest.param(RegularMenu, {}, {}, REFUSED, id="regularmenu-same-slot"),
    pytest.param(RegularMenu, {}, {"is_veg": False}, OK, id="regularmenu-veg-and-nonveg"),
    pytest.param(RegularMenu, {}, {"weekday": 1}, OK, id="regularmenu-other-weekday"),
    # temporarymenu_unique_per_meal, nonvegmenu_unique_per_meal
    pytest.param(TemporaryMenu, {}, {}, REFUSED, id="temporarymenu-same-meal"),
    pytest.param(TemporaryMenu, {}, {"meal": "dinner"}, OK, id="temporarymenu-other-meal"),
    pytest.param(NonVegMenu, {}, {}, REFUSED, id="nonvegmenu-same-meal"),
    pytest.param(NonVegMenu, {}, {"date": DAY + datetime.timedelta(days=1)}, OK, id="nonvegmenu-other-day"),
    # nonvegitem_unique_name_per_menu
    pytest.param(NonVegItem, {}, {}, REFUSED, id="nonvegitem-same-menu"),
    pytest.param(NonVegItem, {}, {"menu": Fixture("other_nonveg_menu")}, OK, id="nonvegitem-other-menu"),
    # wasterecord_unique_per_floor_meal
    pytest.param(WasteRecord, {}, {}, REFUSED, id="waste-same-floor-meal"),
    pytest.param(WasteRecord, {}, {"floor": Fixture("first")}, OK, id="waste-other-floor"),
    # feedback_one_per_student_meal
    pytest.param(Feedback, {}, {}, REFUSED, id="feedback-same-student-meal"),
    pytest.param(Feedback, {}, {"student": Fixture("other_student")}, OK, id="feedback-other-student"),
    pytest.param(Feedback, {}, {"meal": "dinner"}, OK, id="feedback-other-meal"),
    # alert_one_open_per_subject: one open alert per mess, kind and subject, any number of resolved ones
    pytest.param(Alert, {}, {}, REFUSED, id="alert-two-open"),
    pytest.param(Alert, RESOLVED, {}, OK, id="alert-open-after-resolved"),
    pytest.param(Alert, RESOLVED, RESOLVED, OK, id="alert-two-resolved"),
    pytest.param(Alert, {}, {"subject": "First"}, OK, id="alert-open-other-subject"),
    pytest.param(Alert, {}, {"kind": "low_rating"}, OK, id="alert-open-other-kind"),
    pytest.param(Alert, {}, {"mess": Fixture("mess2")}, OK, id="alert-open-other-mess"),
    # notification_one_per_meal, dailyreport_one_per_mess_date
    pytest.param(Notification, {}, {}, REFUSED, id="notification-same-meal"),
    pytest.param(Notification, {}, {"mess": Fixture("mess2")}, OK, id="notification-other-mess"),
    pytest.param(DailyReport, {}, {}, REFUSED, id="dailyreport-same-day"),
    pytest.param(DailyReport, {}, {"date": DAY + datetime.timedelta(days=1)}, OK, id="dailyreport-other-day"),
]


@pytest.mark.parametrize(("model", "existing", "new", "expected"), UNIQUES)
def test_it_refuses_duplicates_in_the_database(make, model, existing, new, expected):
    make(model, **existing)
    _write(expected, lambda: make(model, **new))


def test_it_refuses_reopening_an_alert_beside_an_open_one(make):
    # Resolved alerts escape the unique constraint only because their is_open is NULL.
    make(Alert)
    resolved = make(Alert, **RESOLVED)
    _write(REFUSED, lambda: Alert.objects.filter(pk=resolved.pk).update(is_open=True, resolved_at=None))


def test_it_refuses_duplicate_mess_codes_and_second_profiles(make, student, mess2):
    # Mess.code and Profile.user are unique columns rather than named constraints.
    _write(REFUSED, lambda: make(Mess, code="mess1"))
    _write(REFUSED, lambda: Profile.objects.create(user=student, mess=mess2))
