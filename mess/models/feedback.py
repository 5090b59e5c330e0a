"""Students' feedback: ratings, comments and dish votes, and the complaint terms that make a comment critical."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from mess.models.messes import EARLIEST_DATE, Meal, Mess, not_in_future
from mess.text import validate_typed_text

MAX_COMMENT = 1000  # characters of a feedback comment
VIEW_FEEDBACK_AUTHORS = "view_feedback_authors"  # the permission to export feedback with its students' names


class FeedbackCategory(models.TextChoices):
    FOOD = "food", _("Food")
    HYGIENE = "hygiene", _("Hygiene")
    SERVICE = "service", _("Service")
    OTHER = "other", _("Other")


class Feedback(models.Model):
    """A student's rating of one meal on one day."""

    # No indexes of their own: the unique (student, date, meal) and the index (mess, date, meal) below
    # serve every lookup by student and by mess.
    # None once the entry is older than FEEDBACK_RETENTION_DAYS (mess.feedback_privacy.feedback_anonymise):
    # its rating, comment and dish votes stay for the figures, linked to nobody.
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="feedback",
        db_index=False,
        null=True,
        blank=True,
        verbose_name=_("student"),
    )
    mess = models.ForeignKey(Mess, on_delete=models.PROTECT, related_name="feedback", db_index=False, verbose_name=_("mess"))
    date = models.DateField(validators=[MinValueValidator(EARLIEST_DATE), not_in_future], verbose_name=_("date"))
    meal = models.CharField(max_length=16, choices=Meal.choices, verbose_name=_("meal"))
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)], verbose_name=_("rating"))
    category = models.CharField(max_length=16, choices=FeedbackCategory.choices, default=FeedbackCategory.FOOD, verbose_name=_("category"))
    comment = models.TextField(blank=True, max_length=MAX_COMMENT, validators=[validate_typed_text], verbose_name=_("comment"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    # The e-mail that tells of this entry, stored before it is sent (see mess/emails.py), and when the
    # mail server accepted it; an entry is put in one e-mail only.
    email = models.ForeignKey(
        "OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+", verbose_name=_("email")
    )
    notified_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("notified at"))
    # The verdict of mess.triage when the entry was saved (or the terms changed before it was notified):
    # whether the officials must hear of it at once, why in words, and the complaint themes it names.
    is_critical = models.BooleanField(_("critical"), default=False, editable=False)
    critical_why = models.CharField(_("why critical"), max_length=255, blank=True, editable=False)
    critical_themes = models.JSONField(default=list, blank=True, editable=False, verbose_name=_("critical themes"))
    # An official's answer to the comment, shown to the student under it.
    reply = models.TextField(
        blank=True, default="", db_default="", max_length=MAX_COMMENT, validators=[validate_typed_text], verbose_name=_("reply")
    )
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("replied by"),
    )
    replied_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("replied at"))

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-date", "meal", "-created_at"]
        # Not in the Admins group (mess.people.admins_group_sync): given to a person on purpose.
        permissions = [(VIEW_FEEDBACK_AUTHORS, "Can see who wrote feedback (export it with names)")]
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
        # without the student: Django admin shows it (and logs it) to people who may not see who wrote feedback
        return f"feedback {self.pk} of {self.date} {self.get_meal_display()}: {self.rating}"


class FeedbackNamedExport(models.Model):
    """A feedback export with the students' names in it: who took it, when, of which mess (None: every
    mess) and days, and how many entries it held. Written by mess.feedback_privacy, never changed."""

    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("exported by"))
    exported_at = models.DateTimeField(auto_now_add=True, verbose_name=_("exported at"))
    mess = models.ForeignKey(Mess, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("mess"))
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    rows = models.PositiveIntegerField(_("rows"))

    class Meta:
        verbose_name = _("feedback named export")
        verbose_name_plural = _("feedback named exports")
        ordering = ["-exported_at", "-id"]

    def __str__(self):
        return f"{self.exported_by} exported {self.rows} named feedback entries of {self.mess or 'every mess'}, {self.start} to {self.end}"


class DishVote(models.Model):
    """A dish of the meal a student rated that they liked or disliked. Keeps the dish's text, since
    the nightly clean-up removes past one-day and non-veg menus."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="dish_votes", verbose_name=_("feedback"))
    # The feedback's mess and date, copied so the dish counts read one table through one index.
    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("mess"))
    date = models.DateField(_("date"))
    dish = models.CharField(max_length=100, verbose_name=_("dish"))
    liked = models.BooleanField(_("liked"))

    class Meta:
        verbose_name = _("dish vote")
        verbose_name_plural = _("dish votes")
        constraints = [models.UniqueConstraint(fields=["feedback", "dish"], name="dishvote_one_per_feedback_dish")]
        # the dish counts: WHERE mess = .. AND date >= .. GROUP BY dish, liked
        indexes = [models.Index(fields=["mess", "date", "dish", "liked"], name="dishvote_mess_date_dish")]

    def __str__(self):
        return f"{self.dish}: {'liked' if self.liked else 'disliked'}"


class ComplaintTheme(models.Model):
    """A kind of food-safety problem students write about (a foreign object, illness, spoiled food,
    dirt): a comment that names one of its terms is critical whatever its rating (mess/triage.py)."""

    code = models.SlugField(max_length=32, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=64, validators=[validate_typed_text], verbose_name=_("name"))

    class Meta:
        verbose_name = _("complaint theme")
        verbose_name_plural = _("complaint themes")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ComplaintTerm(models.Model):
    """A word or words, as students write them, that name a theme's problem: "cockroach", "food
    poisoning", "keeda", a common misspelling. Matched as whole words, plurals included."""

    theme = models.ForeignKey(ComplaintTheme, on_delete=models.CASCADE, related_name="terms", verbose_name=_("theme"))
    words = models.CharField(
        max_length=64,
        unique=True,
        validators=[validate_typed_text],
        help_text=_("Lower case, singular: plurals are found by themselves."),
        verbose_name=_("words"),
    )

    class Meta:
        verbose_name = _("complaint term")
        verbose_name_plural = _("complaint terms")
        ordering = ["theme__name", "words"]

    def __str__(self):
        return self.words
