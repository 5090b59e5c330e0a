"""Students who will not eat: a day off, a weekend at home, a festival leave (mess/absences.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mess.models.messes import Meal, Mess


class Absence(models.Model):
    """A student who will not eat at their mess: every meal from `first_day` to `last_day`, or only
    `meal` on those days. Kept with the mess they ate at when they said so, so that the figures of
    those days stay with it."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences", db_index=False, verbose_name=_("student")
    )
    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="absences", db_index=False, verbose_name=_("mess"))
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    meal = models.CharField(
        max_length=16, choices=Meal.choices, blank=True, help_text=_("Empty: every meal of those days."), verbose_name=_("meal")
    )
    # When the mess learned of it: a meal's cook sheet, and the forecast tried on past days, count the
    # absences known by that meal's cut-off. None: imported, and taken as known before any cut-off.
    known_at = models.DateTimeField(null=True, blank=True, verbose_name=_("known at"))

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["first_day", "student_id", "meal"]
        constraints = [
            models.CheckConstraint(condition=Q(first_day__lte=models.F("last_day")), name="absence_first_day_not_after_last"),
            models.CheckConstraint(condition=Q(meal="") | Q(meal__in=Meal.values), name="absence_meal_valid"),
        ]
        indexes = [
            # the head counts of a mess's days: WHERE mess = .. AND last_day >= .. AND first_day <= ..
            models.Index(fields=["mess", "last_day", "first_day"], name="absence_mess_days"),
            # a student's own: WHERE student = .. AND last_day >= ..
            models.Index(fields=["student", "last_day"], name="absence_student_days"),
        ]

    def __str__(self):
        return f"{self.student_id} away {self.first_day}–{self.last_day} {self.meal or 'every meal'}"
