"""Messes, their floors, meals and service windows, and the days they are closed."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

EARLIEST_DATE = datetime.date(2000, 1, 1)  # of waste and feedback (and of the days jobs look at)


def not_in_future(day: datetime.date) -> None:
    """Waste and feedback are of days that have been (in local time); menus may be dated ahead."""
    if day > timezone.localdate():
        raise ValidationError("%(day)s is in the future.", params={"day": day})


class Meal(models.TextChoices):
    """The four meals of a mess day, in the order they are served. The values are what every
    `meal` column stores and what the import files and commands accept."""

    BREAKFAST = "breakfast", "Breakfast"
    LUNCH = "lunch", "Lunch"
    SNACKS = "snacks", "Snacks"
    DINNER = "dinner", "Dinner"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class MealWindow(models.Model):
    """When a meal is served, in local time. One row per meal, edited by admins; the feedback form,
    the notification schedules and the reports read these rather than hard-coding hours."""

    meal = models.CharField(max_length=16, choices=Meal.choices, unique=True)
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")), name="mealwindow_starts_before_end"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="mealwindow_meal_valid"),
        ]

    def __str__(self):
        return f"{self.get_meal_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class Mess(models.Model):
    code = models.SlugField(max_length=32, unique=True, help_text="Short name used in URLs and import files, e.g. mess1.")
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    waste_threshold_kg = models.DecimalField(
        "waste threshold (kg per day)",
        max_digits=7,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="A floor whose waste per recorded day over the alert window is above this raises a high-waste alert.",
    )
    waste_threshold_g_per_diner = models.DecimalField(
        "waste threshold (g per diner)",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        default=Decimal("150"),
        db_default=Decimal("150"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="A floor whose waste per diner over the alert window is above this raises an alert; empty turns that alert off.",
    )
    rating_threshold = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("3.0"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("5"))],
        help_text="A meal whose average rating over the alert window is below this raises a low-rating alert.",
    )
    min_ratings = models.PositiveIntegerField(
        default=10,
        db_default=10,
        validators=[MinValueValidator(1)],
        help_text="How many ratings a meal needs over the alert window before its average can raise a low-rating alert.",
    )
    alert_window_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="How many days, ending today, the alerts look at.",
    )
    rotation_starts_on = models.DateField(
        "week 1 starts on",
        null=True,
        blank=True,
        help_text="For a mess that alternates two weekly menus: a Monday of week 1. Weeks count from it, 1, 2, 1, 2, ...",
    )

    class Meta:
        verbose_name_plural = "messes"
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
        ]

    def __str__(self):
        return self.name


class Floor(models.Model):
    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="floors")
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["mess__code", "name"]
        constraints = [models.UniqueConstraint(fields=["mess", "name"], name="floor_unique_name_per_mess")]

    def __str__(self):
        return f"{self.name} ({self.mess.code})"


class Closure(models.Model):
    """Days a mess is closed (a holiday, a vacation), first and last included: they raise no
    missing-waste reminders, count in no alert's recorded days, and the daily report says so."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-first_day", "mess__code"]
        constraints = [models.CheckConstraint(condition=Q(first_day__lte=models.F("last_day")), name="closure_first_day_not_after_last")]
        indexes = [models.Index(fields=["mess", "last_day", "first_day"], name="closure_mess_days")]

    def __str__(self):
        return f"{self.mess.code} closed {self.first_day}–{self.last_day}"
