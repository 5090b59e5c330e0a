"""The mess domain: messes and their floors, meals and their service windows, menus, food waste,
students' feedback, and what the jobs produce from them (alerts, notifications, daily reports).

Models hold data, constraints and row-local helpers; each feature's rules, reads and writes live in
its own module (alerts.py, waste.py, ...; see the README's "Where things are").
"""

import datetime
from decimal import Decimal
from email.utils import format_datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from mess.text import validate_typed_text

# The limits a record keeps, checked by the database, the forms, the services and the imports alike.
MAX_WASTE_KG = Decimal("1000")  # of one floor after one meal
MAX_DINERS = 2**31 - 1  # what the head-count column holds
MAX_COMMENT = 1000  # characters of a feedback comment
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


class Profile(models.Model):
    """Ties a user to the mess they eat at (students) or run (officials). Whether they are a
    student or an official is their group; admins have a permission instead and need no mess."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    mess = models.ForeignKey(Mess, on_delete=models.PROTECT, null=True, blank=True, related_name="profiles")
    # When ManageIt last e-mailed them a link to set their password (an invitation).
    invited_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The e-mails they choose to get (mess/people.py reads them; all by default).
    emails_critical = models.BooleanField("critical feedback e-mails", default=True, db_default=True)
    emails_missing_waste = models.BooleanField("missing-waste reminders", default=True, db_default=True)
    emails_daily_report = models.BooleanField("daily reports", default=True, db_default=True)
    emails_job_problems = models.BooleanField("job problems (admins)", default=True, db_default=True)

    def __str__(self):
        return f"{self.user.get_username()} @ {self.mess.code if self.mess else '-'}"


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


class MenuWeek(models.IntegerChoices):
    """Which weeks a regular menu is served in: every week, or week 1 or week 2 of a mess that
    alternates two weekly menus (counted from the mess's `rotation_starts_on`)."""

    EVERY = 0, "Every week"
    FIRST = 1, "Week 1"
    SECOND = 2, "Week 2"


MAX_DISHES = 30  # of one menu


class RegularMenu(models.Model):
    """The weekly menu: what a mess serves at a meal on a weekday, unless a temporary menu overrides it."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="regular_menus")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    meal = models.CharField(max_length=16, choices=Meal.choices)
    week = models.PositiveSmallIntegerField(choices=MenuWeek.choices, default=MenuWeek.EVERY, db_default=MenuWeek.EVERY)
    dishes = models.TextField(help_text="One dish per line.")
    is_veg = models.BooleanField("vegetarian", default=True)

    class Meta:
        ordering = ["mess__code", "week", "weekday", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["mess", "weekday", "meal", "week", "is_veg"], name="regularmenu_unique_slot_week"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="regularmenu_weekday_valid"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="regularmenu_meal_valid"),
            models.CheckConstraint(condition=Q(week__in=MenuWeek.values), name="regularmenu_week_valid"),
        ]

    def __str__(self):
        return f"{self.mess.code} {self.get_weekday_display()} {self.get_meal_display()}"


class TemporaryMenu(models.Model):
    """A one-day override of the regular menu. It carries its own date, so a missed clean-up can
    never bring an old override back on a later day."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="temporary_menus")
    date = models.DateField()
    meal = models.CharField(max_length=16, choices=Meal.choices)
    dishes = models.TextField(help_text="One dish per line.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "mess__code", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["mess", "date", "meal"], name="temporarymenu_unique_per_meal"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="temporarymenu_meal_valid"),
        ]
        # cleanup_old_menu: WHERE date < today
        indexes = [models.Index(fields=["date"], name="temporarymenu_date")]

    def __str__(self):
        return f"{self.mess.code} {self.date} {self.get_meal_display()}"


class NonVegMenu(models.Model):
    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="nonveg_menus")
    date = models.DateField()
    meal = models.CharField(max_length=16, choices=Meal.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "non-veg menu"
        ordering = ["-date", "mess__code", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["mess", "date", "meal"], name="nonvegmenu_unique_per_meal"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="nonvegmenu_meal_valid"),
        ]
        # cleanup_old_menu: WHERE date < today
        indexes = [models.Index(fields=["date"], name="nonvegmenu_date")]

    def __str__(self):
        return f"{self.mess.code} {self.date} {self.get_meal_display()} (non-veg)"


class NonVegItem(models.Model):
    menu = models.ForeignKey(NonVegMenu, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        verbose_name = "non-veg item"
        constraints = [
            models.UniqueConstraint(fields=["menu", "name"], name="nonvegitem_unique_name_per_menu"),
            models.CheckConstraint(condition=Q(price__gte=0), name="nonvegitem_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.name} ₹{self.price}"


class MenuChange(models.Model):
    """Who changed which menu, when, and what it said before and after: kept on its own, so the
    nightly clean-up of past one-day and non-veg menus leaves their history."""

    class Kind(models.TextChoices):
        REGULAR = "regular", "Weekly menu"
        TEMPORARY = "temporary", "One-day change"
        NONVEG = "nonveg", "Non-veg items"
        ROTATION = "rotation", "Week 1 start"

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="menu_changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    meal = models.CharField(max_length=16, choices=Meal.choices, blank=True, help_text="Blank for the week 1 start, which is every meal's.")
    date = models.DateField(null=True, blank=True, help_text="Of a one-day change or non-veg items.")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True, help_text="Of the weekly menu.")
    week = models.PositiveSmallIntegerField(choices=MenuWeek.choices, null=True, blank=True)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["mess", "changed_at"], name="menuchange_mess_changed_at")]

    def __str__(self):
        return f"{self.mess.code} {self.get_kind_display()} {self.get_meal_display()} at {self.changed_at:%Y-%m-%d %H:%M}"


class WasteRecord(models.Model):
    """Food thrown away on one floor after one meal of one day."""

    # No index of its own: the unique (floor, date, meal) below serves every lookup by floor, and each
    # index more is work for every record written (a million-row import makes them visible at once).
    floor = models.ForeignKey(Floor, on_delete=models.PROTECT, related_name="waste_records", db_index=False)
    date = models.DateField(validators=[MinValueValidator(EARLIEST_DATE), not_in_future])
    meal = models.CharField(max_length=16, choices=Meal.choices)
    total_kg = models.DecimalField(
        "total (kg)", max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_WASTE_KG)]
    )
    diners = models.PositiveIntegerField(null=True, blank=True, help_text="Head count of the meal, when known.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "floor_id", "meal"]
        constraints = [
            # Also serves "by floor and date" (the floor's history on the dashboard).
            models.UniqueConstraint(fields=["floor", "date", "meal"], name="wasterecord_unique_per_floor_meal"),
            models.CheckConstraint(condition=Q(total_kg__gte=0, total_kg__lte=MAX_WASTE_KG), name="wasterecord_kg_0_to_1000"),
            models.CheckConstraint(condition=Q(diners__isnull=True) | Q(diners__gte=0), name="wasterecord_diners_not_negative"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="wasterecord_meal_valid"),
        ]
        # generate_alerts and the reports: WHERE date BETWEEN .. GROUP BY floor (covering total_kg)
        indexes = [models.Index(fields=["date", "floor", "total_kg"], name="wasterecord_date_floor")]

    def __str__(self):
        return f"{self.floor} {self.date} {self.get_meal_display()}: {self.total_kg} kg"


class WasteChange(models.Model):
    """One change to the waste records: who recorded, changed or deleted which floor's waste of which
    meal, when, and the figures before and after (empty for a record that did not exist)."""

    class Action(models.TextChoices):
        RECORDED = "recorded", "Recorded"
        CHANGED = "changed", "Changed"
        DELETED = "deleted", "Deleted"

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="waste_changes")
    floor = models.ForeignKey(Floor, on_delete=models.SET_NULL, null=True, related_name="+")
    floor_name = models.CharField(max_length=64)
    date = models.DateField()
    meal = models.CharField(max_length=16, choices=Meal.choices)
    action = models.CharField(max_length=16, choices=Action.choices)
    kg_before = models.DecimalField("kg before", max_digits=6, decimal_places=2, null=True, blank=True)
    diners_before = models.PositiveIntegerField(null=True, blank=True)
    kg_after = models.DecimalField("kg after", max_digits=6, decimal_places=2, null=True, blank=True)
    diners_after = models.PositiveIntegerField(null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["mess", "changed_at"], name="wastechange_mess_changed_at")]

    def __str__(self):
        return f"{self.floor_name} ({self.mess.code}) {self.date} {self.get_meal_display()}: {self.get_action_display().lower()}"


class FeedbackCategory(models.TextChoices):
    FOOD = "food", "Food"
    HYGIENE = "hygiene", "Hygiene"
    SERVICE = "service", "Service"
    OTHER = "other", "Other"


class Feedback(models.Model):
    """A student's rating of one meal on one day."""

    # No indexes of their own: the unique (student, date, meal) and the index (mess, date, meal) below
    # serve every lookup by student and by mess.
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback", db_index=False)
    mess = models.ForeignKey(Mess, on_delete=models.PROTECT, related_name="feedback", db_index=False)
    date = models.DateField(validators=[MinValueValidator(EARLIEST_DATE), not_in_future])
    meal = models.CharField(max_length=16, choices=Meal.choices)
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    category = models.CharField(max_length=16, choices=FeedbackCategory.choices, default=FeedbackCategory.FOOD)
    comment = models.TextField(blank=True, max_length=MAX_COMMENT, validators=[validate_typed_text])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The e-mail that tells of this entry, stored before it is sent (see mess/emails.py), and when the
    # mail server accepted it; an entry is put in one e-mail only.
    email = models.ForeignKey("OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+")
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The verdict of mess.triage when the entry was saved (or the terms changed before it was notified):
    # whether the officials must hear of it at once, why in words, and the complaint themes it names.
    is_critical = models.BooleanField("critical", default=False, editable=False)
    critical_why = models.CharField("why critical", max_length=255, blank=True, editable=False)
    critical_themes = models.JSONField(default=list, blank=True, editable=False)
    # An official's answer to the comment, shown to the student under it.
    reply = models.TextField(blank=True, default="", db_default="", max_length=MAX_COMMENT, validators=[validate_typed_text])
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "feedback"
        ordering = ["-date", "meal", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["student", "date", "meal"], name="feedback_one_per_student_meal"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"),
            models.CheckConstraint(condition=LessThanOrEqual(Length("comment"), MAX_COMMENT), name="feedback_comment_max_length"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="feedback_meal_valid"),
            models.CheckConstraint(condition=Q(category__in=FeedbackCategory.values), name="feedback_category_valid"),
        ]
        indexes = [
            # notifications, reports and the dashboard: WHERE mess = .. AND date = .. AND meal = ..
            models.Index(fields=["mess", "date", "meal"], name="feedback_mess_date_meal"),
            # generate_alerts: WHERE date BETWEEN .. GROUP BY mess, meal (covering rating)
            models.Index(fields=["date", "mess", "meal", "rating"], name="feedback_date_mess_meal"),
        ]

    def __str__(self):
        return f"{self.student} {self.date} {self.get_meal_display()}: {self.rating}"


class DishVote(models.Model):
    """A dish of the meal a student rated that they liked or disliked. Keeps the dish's text, since
    the nightly clean-up removes past one-day and non-veg menus."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="dish_votes")
    # The feedback's mess and date, copied so the dish counts read one table through one index.
    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="+", db_index=False)
    date = models.DateField()
    dish = models.CharField(max_length=100)
    liked = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["feedback", "dish"], name="dishvote_one_per_feedback_dish")]
        # the dish counts: WHERE mess = .. AND date >= .. GROUP BY dish, liked
        indexes = [models.Index(fields=["mess", "date", "dish", "liked"], name="dishvote_mess_date_dish")]

    def __str__(self):
        return f"{self.dish}: {'liked' if self.liked else 'disliked'}"


class ComplaintTheme(models.Model):
    """A kind of food-safety problem students write about (a foreign object, illness, spoiled food,
    dirt): a comment that names one of its terms is critical whatever its rating (mess/triage.py)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ComplaintTerm(models.Model):
    """A word or words, as students write them, that name a theme's problem: "cockroach", "food
    poisoning", "keeda", a common misspelling. Matched as whole words, plurals included."""

    theme = models.ForeignKey(ComplaintTheme, on_delete=models.CASCADE, related_name="terms")
    words = models.CharField(max_length=64, unique=True, help_text="Lower case, singular: plurals are found by themselves.")

    class Meta:
        ordering = ["theme__name", "words"]

    def __str__(self):
        return self.words


class AlertKind(models.TextChoices):
    HIGH_WASTE = "high_waste", "High waste"
    HIGH_WASTE_PER_DINER = "high_waste_per_diner", "High waste per diner"
    LOW_RATING = "low_rating", "Low rating"


class Alert(models.Model):
    """A condition generate_alerts found: a floor wasting too much, or a meal rated too low, over
    the mess's alert window. Kept open and updated while the condition holds, resolved after."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=32, choices=AlertKind.choices)
    subject = models.CharField(max_length=64, help_text="The floor's name or the meal.")
    value = models.DecimalField(max_digits=9, decimal_places=2, help_text="Kilograms per day, grams per diner, or the average rating.")
    threshold = models.DecimalField(max_digits=9, decimal_places=2)
    basis = models.PositiveIntegerField(default=0, db_default=0, help_text="What the value rests on: recorded days, diners, or ratings.")
    window_start = models.DateField()
    window_end = models.DateField()
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # An official's acknowledgement: the alert stays open until its condition clears.
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement = models.CharField(max_length=200, blank=True)
    # True while open, NULL once resolved: the unique constraint below then allows one open alert
    # per mess, kind and subject and any number of resolved ones, on MySQL too (no partial indexes).
    is_open = models.BooleanField(null=True, default=True, editable=False)

    class Meta:
        ordering = ["mess__code", "kind", "subject", "-first_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["mess", "kind", "subject", "is_open"], name="alert_one_open_per_subject"),
            models.CheckConstraint(condition=Q(kind__in=AlertKind.values), name="alert_kind_valid"),
            models.CheckConstraint(condition=Q(is_open=True) | Q(is_open__isnull=True), name="alert_is_open_true_or_null"),
            models.CheckConstraint(
                # is_open__isnull=False, not is_open=True: a CHECK passes when its condition is NULL
                condition=Q(is_open__isnull=False, resolved_at__isnull=True) | Q(is_open__isnull=True, resolved_at__isnull=False),
                name="alert_open_iff_unresolved",
            ),
        ]
        indexes = [
            # the dashboards and generate_alerts: WHERE is_open AND mess = ..
            models.Index(fields=["is_open", "mess"], name="alert_open_mess"),
            # the alert history: WHERE mess = .. AND first_seen_at >= ..
            models.Index(fields=["mess", "first_seen_at"], name="alert_mess_first_seen"),
        ]

    def __str__(self):
        return f"{self.mess.code} {self.get_kind_display()}: {self.subject} ({self.value})"


class Notification(models.Model):
    """Critical feedback of one meal of one mess, for that mess's officials and the admins."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="notifications")
    date = models.DateField()
    meal = models.CharField(max_length=16, choices=Meal.choices)
    critical_count = models.PositiveIntegerField()
    average_rating = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    comments = models.JSONField(default=list, blank=True, help_text='The newest comments: [{"text", "why"}], newest first.')
    # What it opens with: the complaint themes with their counts and an example each, and the rest
    # (mess.triage.critical_digest); and the language model's summary, when one is configured.
    digest = models.JSONField(default=dict, blank=True)
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "mess__code", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["mess", "date", "meal"], name="notification_one_per_meal"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="notification_meal_valid"),
        ]

    def __str__(self):
        return f"{self.mess.code} {self.date} {self.get_meal_display()}: {self.critical_count} critical"


class DailyReport(models.Model):
    """One mess's day: waste, ratings, critical feedback and alerts, as sent by send_daily_report."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="daily_reports")
    date = models.DateField()
    data = models.JSONField(default=dict)
    text_body = models.TextField()
    html_body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The e-mail of this report, stored before it is sent (see mess/emails.py), and when the mail
    # server accepted it.
    email = models.ForeignKey("OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+")
    emailed_at = models.DateTimeField(null=True, blank=True)
    # When the report was recomputed because the day's waste or feedback changed after it was made.
    corrected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "mess__code"]
        constraints = [models.UniqueConstraint(fields=["mess", "date"], name="dailyreport_one_per_mess_date")]

    def __str__(self):
        return f"{self.mess.code} {self.date}"


class WasteReminder(models.Model):
    """The floors of a mess that had recorded no waste for a meal of a day when the missing-waste
    job looked, e-mailed to its officials once per meal."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="waste_reminders")
    date = models.DateField()
    meal = models.CharField(max_length=16, choices=Meal.choices)
    floors = models.JSONField(default=list, help_text="The names of the floors with no record.")
    created_at = models.DateTimeField(auto_now_add=True)
    email = models.ForeignKey("OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+")
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "mess__code", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["mess", "date", "meal"], name="wastereminder_one_per_meal"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="wastereminder_meal_valid"),
        ]

    def __str__(self):
        return f"{self.mess.code} {self.date} {self.get_meal_display()}: {len(self.floors)} floors missing"


class OutgoingEmail(models.Model):
    """An e-mail of a job (a notification, a daily report) as it is sent, stored before it is first
    sent and sent as stored until the mail server accepts it (see mess/emails.py): a second copy,
    if any, has the same Message-ID and text, and mail programs show it once."""

    kind = models.CharField(max_length=32, help_text="The e-mail's template, and the job that sends it.")
    from_email = models.CharField(max_length=255)
    to = models.JSONField(default=list)
    subject = models.TextField()
    text_body = models.TextField()
    html_body = models.TextField()
    message_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    given_up_at = models.DateTimeField(
        null=True, blank=True, help_text="When the mail server had refused it for good (a 5xx answer) often enough to stop trying."
    )

    class Meta:
        verbose_name = "outgoing e-mail"
        ordering = ["-created_at", "-id"]
        # each run of a job: WHERE sent_at IS NULL AND kind = .. ORDER BY created_at
        indexes = [models.Index(fields=["sent_at", "kind", "created_at"], name="outgoingemail_unsent")]

    def __str__(self):
        state = "sent" if self.sent_at else "given up" if self.given_up_at else "not sent yet"
        return f"{self.subject} ({state})"

    def message(self) -> EmailMultiAlternatives:
        """The e-mail as it goes out, the same every time: its Message-ID, date, sender, recipients
        and text are the stored ones."""
        headers = {"Message-ID": self.message_id, "Date": format_datetime(self.created_at)}
        message = EmailMultiAlternatives(self.subject, self.text_body, self.from_email, self.to, headers=headers)
        message.attach_alternative(self.html_body, "text/html")
        return message


class DayTotals(models.Model):
    """One mess's finished day in figures, for the pages that compare messes over days (the admins'
    overview): kept for the last few days by the refresh_day_totals job and by the services that
    write waste or feedback of a past day. A missing row means "not computed": readers then sum the
    day's records themselves."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="day_totals")
    date = models.DateField()
    waste_records = models.PositiveIntegerField(default=0)
    waste_kg = models.DecimalField("waste (kg)", max_digits=12, decimal_places=2, default=Decimal(0))
    counted_kg = models.DecimalField(
        "waste with a head count (kg)", max_digits=12, decimal_places=2, default=Decimal(0), help_text="Of the meals with a head count."
    )
    diners = models.PositiveIntegerField(default=0, help_text="Head count of the meals with one.")
    feedback_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "day's totals"
        verbose_name_plural = "days' totals"
        ordering = ["-date", "mess__code"]
        constraints = [models.UniqueConstraint(fields=["date", "mess"], name="daytotals_one_per_date_mess")]

    def __str__(self):
        return f"{self.mess.code} {self.date}"


class Role(models.TextChoices):
    """The groups that give a user their role in one mess; admins have a permission instead (mess/people.py)."""

    STUDENT = "Students"
    OFFICIAL = "Mess officials"


class StagedImport(models.Model):
    """An import of waste or feedback on its way in: its rows wait in a staging table (StagedWaste,
    StagedFeedback), written in short transactions, until one short transaction makes them all
    visible at once. Rows left by an import that never finished (its process was killed) are
    deleted by the next import of a day later."""

    kind = models.CharField(max_length=16)
    started_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.kind} import of {self.started_at:%Y-%m-%d %H:%M}"


class StagedWaste(models.Model):
    """A waste record of a StagedImport, as it will be written (see there). Plain ids: the import
    checked them, and the table only ever holds rows on their way in."""

    staged_import = models.ForeignKey(StagedImport, on_delete=models.CASCADE, related_name="+")
    floor_id = models.BigIntegerField()
    date = models.DateField()
    meal = models.CharField(max_length=16)
    total_kg = models.DecimalField(max_digits=6, decimal_places=2)
    diners = models.PositiveIntegerField(null=True)
    recorded_by_id = models.BigIntegerField(null=True)

    def __str__(self):
        return f"staged waste of floor {self.floor_id} {self.date} {self.meal}"


class StagedFeedback(models.Model):
    """A feedback entry of a StagedImport, as it will be written (see there)."""

    staged_import = models.ForeignKey(StagedImport, on_delete=models.CASCADE, related_name="+")
    student_id = models.BigIntegerField()
    mess_id = models.BigIntegerField()
    date = models.DateField()
    meal = models.CharField(max_length=16)
    rating = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=16)
    comment = models.TextField(blank=True)
    is_critical = models.BooleanField(default=False)
    critical_why = models.CharField(max_length=255, blank=True)
    critical_themes = models.JSONField(default=list)

    def __str__(self):
        return f"staged feedback of student {self.student_id} {self.date} {self.meal}"
