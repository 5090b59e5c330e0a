"""Messes, their floors, meals and service windows, and the days they are closed."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mess.text import validate_typed_text

EARLIEST_DATE = datetime.date(2000, 1, 1)  # of waste and feedback (and of the days jobs look at)
MAX_CUTOFF_MINUTES = 2 * 24 * 60  # an absence cut-off of at most two days before the meal
DEFAULT_MENU_MESSAGE = 30  # minutes before a meal its menu reaches the students who asked for it
MAX_MENU_MESSAGE_MINUTES = 12 * 60
DEFAULT_CUTOFF = 180  # minutes: three hours
CO2E_PER_KG = Decimal("2.50")  # FAO, Food Wastage Footprint (2013): 3.3 Gt CO2e for 1.3 Gt of food wasted
KG_PER_MEAL = Decimal("0.420")  # WRAP's meal, in UK food waste reporting


def not_in_future(day: datetime.date) -> None:
    """Waste and feedback are of days that have been (in local time); menus may be dated ahead."""
    if day > timezone.localdate():
        raise ValidationError("%(day)s is in the future.", params={"day": day})


class Meal(models.TextChoices):
    """The four meals of a mess day, in the order they are served. The values are what every
    `meal` column stores and what the import files and commands accept."""

    BREAKFAST = "breakfast", _("Breakfast")
    LUNCH = "lunch", _("Lunch")
    SNACKS = "snacks", _("Snacks")
    DINNER = "dinner", _("Dinner")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class MealWindow(models.Model):
    """When a meal is served, in local time: the organisation's default (no mess, one per meal,
    created by a migration) or a mess's own, which that mess follows instead (at most one per mess
    and meal). Edited by admins; the feedback form, the notification schedules and the reports read
    these rather than hard-coding hours."""

    mess = models.ForeignKey(
        "Mess",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meal_windows",
        help_text=_("Empty for the default window, which every mess without its own follows."),
        verbose_name=_("mess"),
    )
    meal = models.CharField(max_length=16, choices=Meal.choices, verbose_name=_("meal"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    # The mess, or 0 for the default: one unique index over it and the meal keeps a mess to one window per
    # meal and the defaults to one per meal, in the database itself, on MariaDB too (which has no
    # partial index, and counts two NULL messes as different).
    mess_or_default = models.GeneratedField(
        expression=Coalesce("mess", Value(0)), output_field=models.BigIntegerField(), db_persist=True, editable=False
    )

    class Meta:
        verbose_name = _("meal window")
        verbose_name_plural = _("meal windows")
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")), name="mealwindow_starts_before_end"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="mealwindow_meal_valid"),
            models.UniqueConstraint(fields=["mess_or_default", "meal"], name="mealwindow_one_per_mess_or_default_and_meal"),
        ]

    def __str__(self):
        return f"{self.get_meal_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def is_default(self) -> bool:
        return self.mess_id is None


class Mess(models.Model):
    code = models.SlugField(
        max_length=32, unique=True, help_text=_("Short name used in URLs and import files, e.g. mess1."), verbose_name=_("code")
    )
    name = models.CharField(max_length=100, validators=[validate_typed_text], verbose_name=_("name"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    # The group of messes it belongs to, and through it to the group's ancestors (mess/scopes.py).
    group = models.ForeignKey(
        "mess.MessGroup", on_delete=models.PROTECT, null=True, blank=True, related_name="messes", verbose_name=_("group of messes")
    )
    waste_threshold_kg = models.DecimalField(
        _("waste threshold (kg per day)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("A floor whose waste per recorded day over the alert window is above this raises a high-waste alert."),
    )
    waste_threshold_g_per_diner = models.DecimalField(
        _("waste threshold (g per diner)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        default=Decimal("150"),
        db_default=Decimal("150"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("A floor whose waste per diner over the alert window is above this raises an alert; empty turns that alert off."),
    )
    rating_threshold = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("3.0"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("5"))],
        help_text=_("A meal whose average rating over the alert window is below this raises a low-rating alert."),
        verbose_name=_("rating threshold"),
    )
    min_ratings = models.PositiveIntegerField(
        default=10,
        db_default=10,
        validators=[MinValueValidator(1)],
        help_text=_("How many ratings a meal needs over the alert window before its average can raise a low-rating alert."),
        verbose_name=_("min ratings"),
    )
    alert_window_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("How many days, ending today, the alerts look at."),
        verbose_name=_("alert window days"),
    )
    rotation_starts_on = models.DateField(
        _("week 1 starts on"),
        null=True,
        blank=True,
        help_text=_("For a mess that alternates two weekly menus: a Monday of week 1. Weeks count from it, 1, 2, 1, 2, ..."),
    )
    public_opinions = models.BooleanField(
        _("show what students think on the public menu"),
        default=False,
        db_default=False,
        help_text=_(
            "The public menu page then shows this month's average rating of each meal and the dishes liked and disliked "
            "most (figures only: no comment, no name). Students of the mess always see them on their page."
        ),
    )
    # Cooking for those who will come (mess/absences.py, mess/forecast.py, mess/cook_sheets.py)
    absence_cutoff_minutes = models.PositiveSmallIntegerField(
        _("absence cut-off (minutes)"),
        default=DEFAULT_CUTOFF,
        db_default=DEFAULT_CUTOFF,
        validators=[MaxValueValidator(MAX_CUTOFF_MINUTES)],
        help_text=_(
            "How long before a meal starts students may still say they will skip it, or take that back; the kitchen's "
            "cook sheet goes out then. 180 is three hours."
        ),
    )
    # What students hear before a meal (mess/meal_reminders.py)
    menu_message_minutes = models.PositiveSmallIntegerField(
        _("menu message (minutes before the meal)"),
        default=DEFAULT_MENU_MESSAGE,
        db_default=DEFAULT_MENU_MESSAGE,
        validators=[MaxValueValidator(MAX_MENU_MESSAGE_MINUTES)],
        help_text=_("How long before each meal starts its menu goes to the phones of the students who asked for it. 30 is half an hour."),
    )
    cook_margin_percent = models.DecimalField(
        _("cooking margin (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5"),
        db_default=Decimal("5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("The cook sheet's quantity is the forecast head count plus this share, for those the forecast misses."),
    )
    kitchen_email = models.EmailField(
        _("kitchen's e-mail address"),
        blank=True,
        db_default="",
        help_text=_("Where the cook sheet goes besides the officials who chose it; empty for none."),
    )
    # Waste in rupees, CO2e and meals, against a goal (mess/waste_value.py)
    food_cost_per_kg = models.DecimalField(
        _("food cost (₹ per kg)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "What a kilogram of cooked food costs the mess: a month's food spend divided by the kilograms cooked that month "
            "(the waste page records them). Empty: waste is not valued in rupees."
        ),
    )
    co2e_per_kg = models.DecimalField(
        _("kg CO2e per kg wasted"),
        max_digits=5,
        decimal_places=2,
        default=CO2E_PER_KG,
        db_default=CO2E_PER_KG,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Greenhouse gas emitted to grow, cook and throw away a kilogram of food. 2.5, the default, is FAO's world "
            "average (Food Wastage Footprint, 2013: 3.3 Gt CO2e for 1.3 Gt of food wasted)."
        ),
    )
    kg_per_meal = models.DecimalField(
        _("kg per meal"),
        max_digits=5,
        decimal_places=3,
        default=KG_PER_MEAL,
        db_default=KG_PER_MEAL,
        validators=[MinValueValidator(Decimal("0.05"))],
        help_text=_(
            "What one meal weighs, to say waste in meals: 0.42, the default, is WRAP's meal (420 g), which UK food waste reporting uses."
        ),
    )
    baseline_start = models.DateField(
        null=True,
        blank=True,
        help_text=_("The first day of the period the waste goal is measured against; empty: the mess's first 28 recorded days."),
        verbose_name=_("baseline start"),
    )
    baseline_end = models.DateField(
        null=True, blank=True, help_text=_("The last day of that period; empty with the first day."), verbose_name=_("baseline end")
    )
    waste_goal_percent = models.DecimalField(
        # xgettext:no-python-format
        _("waste goal (% less per diner)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20"),
        db_default=Decimal("20"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("How much less waste per diner than in the baseline period the mess aims for."),
    )

    class Meta:
        verbose_name = _("mess")
        verbose_name_plural = _("messes")
        ordering = ["code"]
        # What makes a ManageIt admin (with superusers), given through the Admins group: see mess/people.py.
        permissions = [("run_every_mess", "Can see and run every mess (a ManageIt admin)")]
        constraints = [
            models.CheckConstraint(condition=Q(waste_threshold_kg__gte=0), name="mess_waste_threshold_not_negative"),
            models.CheckConstraint(condition=Q(rating_threshold__gte=1, rating_threshold__lte=5), name="mess_rating_threshold_1_to_5"),
            models.CheckConstraint(condition=Q(alert_window_days__gte=1, alert_window_days__lte=90), name="mess_alert_window_1_to_90"),
            models.CheckConstraint(
                condition=Q(waste_threshold_g_per_diner__isnull=True) | Q(waste_threshold_g_per_diner__gte=0),
                name="mess_waste_per_diner_threshold_not_negative",
            ),
            models.CheckConstraint(condition=Q(min_ratings__gte=1), name="mess_min_ratings_at_least_1"),
            models.CheckConstraint(condition=Q(absence_cutoff_minutes__lte=MAX_CUTOFF_MINUTES), name="mess_absence_cutoff_at_most_2_days"),
            models.CheckConstraint(
                condition=Q(menu_message_minutes__lte=MAX_MENU_MESSAGE_MINUTES), name="mess_menu_message_at_most_12_hours"
            ),
            models.CheckConstraint(condition=Q(cook_margin_percent__gte=0, cook_margin_percent__lte=100), name="mess_cook_margin_0_to_100"),
            models.CheckConstraint(
                condition=Q(baseline_start__isnull=True, baseline_end__isnull=True)
                | Q(baseline_start__isnull=False, baseline_end__isnull=False, baseline_start__lte=models.F("baseline_end")),
                name="mess_baseline_both_or_neither_in_order",
            ),
        ]

    def __str__(self):
        return self.name


class Floor(models.Model):
    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="floors", verbose_name=_("mess"))
    name = models.CharField(max_length=64, validators=[validate_typed_text], verbose_name=_("name"))

    class Meta:
        verbose_name = _("floor")
        verbose_name_plural = _("floors")
        ordering = ["mess__code", "name"]
        constraints = [models.UniqueConstraint(fields=["mess", "name"], name="floor_unique_name_per_mess")]

    def __str__(self):
        return f"{self.name} ({self.mess.code})"


class Closure(models.Model):
    """Days a mess is closed (a holiday, a vacation), first and last included: they raise no
    missing-waste reminders, count in no alert's recorded days, and the daily report says so."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="closures", verbose_name=_("mess"))
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    reason = models.CharField(max_length=100, blank=True, validators=[validate_typed_text], verbose_name=_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["-first_day", "mess__code"]
        constraints = [models.CheckConstraint(condition=Q(first_day__lte=models.F("last_day")), name="closure_first_day_not_after_last")]
        indexes = [models.Index(fields=["mess", "last_day", "first_day"], name="closure_mess_days")]

    def __str__(self):
        return f"{self.mess.code} closed {self.first_day}–{self.last_day}"


class ClosureChange(models.Model):
    """One closure marked, changed or removed: by whom, when, and its days and reason before and
    after (empty where there were none). Kept on its own, so that the days a mess was said to be
    closed, and who said so, stay on record when a closure is removed; its officials read it."""

    class Action(models.TextChoices):
        ADDED = "added", _("Marked closed")
        CHANGED = "changed", _("Changed")
        REMOVED = "removed", _("Removed")

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="closure_changes", verbose_name=_("mess"))
    action = models.CharField(max_length=16, choices=Action.choices, verbose_name=_("action"))
    first_day_before = models.DateField(null=True, blank=True, verbose_name=_("first day before"))
    last_day_before = models.DateField(null=True, blank=True, verbose_name=_("last day before"))
    reason_before = models.CharField(max_length=100, blank=True, verbose_name=_("reason before"))
    first_day_after = models.DateField(null=True, blank=True, verbose_name=_("first day after"))
    last_day_after = models.DateField(null=True, blank=True, verbose_name=_("last day after"))
    reason_after = models.CharField(max_length=100, blank=True, verbose_name=_("reason after"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(auto_now_add=True, verbose_name=_("changed at"))

    class Meta:
        verbose_name = _("closure change")
        verbose_name_plural = _("closure changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["mess", "changed_at"], name="closurechange_mess_changed_at")]

    def __str__(self):
        return f"{self.mess.code} {self.get_action_display().lower()} at {self.changed_at:%Y-%m-%d %H:%M}"
