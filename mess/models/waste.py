"""Food waste: each floor's kilograms and head count after each meal, and the history of every change."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mess.models.messes import EARLIEST_DATE, Floor, Meal, Mess, not_in_future

MAX_WASTE_KG = Decimal("1000")  # of one floor after one meal
MAX_DINERS = 2**31 - 1  # what the head-count column holds
MAX_COOKED_KG = Decimal("10000")  # of one mess for one meal


class WasteRecord(models.Model):
    """Food thrown away on one floor after one meal of one day."""

    # No index of its own: the unique (floor, date, meal) below serves every lookup by floor, and each
    # index more is work for every record written (a million-row import makes them visible at once).
    floor = models.ForeignKey(Floor, on_delete=models.PROTECT, related_name="waste_records", db_index=False, verbose_name=_("floor"))
    date = models.DateField(validators=[MinValueValidator(EARLIEST_DATE), not_in_future], verbose_name=_("date"))
    meal = models.CharField(max_length=16, choices=Meal.choices, verbose_name=_("meal"))
    total_kg = models.DecimalField(
        _("total (kg)"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_WASTE_KG)]
    )
    diners = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Head count of the meal, when known."), verbose_name=_("diners")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(auto_now=True, verbose_name=_("recorded at"))

    class Meta:
        verbose_name = _("waste record")
        verbose_name_plural = _("waste records")
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
        RECORDED = "recorded", _("Recorded")
        CHANGED = "changed", _("Changed")
        DELETED = "deleted", _("Deleted")

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="waste_changes", verbose_name=_("mess"))
    floor = models.ForeignKey(Floor, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("floor"))
    floor_name = models.CharField(max_length=64, verbose_name=_("floor name"))
    date = models.DateField(_("date"))
    meal = models.CharField(max_length=16, choices=Meal.choices, verbose_name=_("meal"))
    action = models.CharField(max_length=16, choices=Action.choices, verbose_name=_("action"))
    kg_before = models.DecimalField(_("kg before"), max_digits=6, decimal_places=2, null=True, blank=True)
    diners_before = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("diners before"))
    kg_after = models.DecimalField(_("kg after"), max_digits=6, decimal_places=2, null=True, blank=True)
    diners_after = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("diners after"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(auto_now_add=True, verbose_name=_("changed at"))

    class Meta:
        verbose_name = _("waste change")
        verbose_name_plural = _("waste changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["mess", "changed_at"], name="wastechange_mess_changed_at")]

    def __str__(self):
        return f"{self.floor_name} ({self.mess.code}) {self.date} {self.get_meal_display()}: {self.get_action_display().lower()}"


class CookedFood(models.Model):
    """The kilograms of food a mess cooked for one meal (one figure a meal, not a floor's), where it
    weighs them: the waste is then also a share of what was cooked, and the cook sheet says kilograms."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="cooked", verbose_name=_("mess"))
    date = models.DateField(validators=[MinValueValidator(EARLIEST_DATE), not_in_future], verbose_name=_("date"))
    meal = models.CharField(max_length=16, choices=Meal.choices, verbose_name=_("meal"))
    kg = models.DecimalField(
        _("cooked (kg)"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_COOKED_KG)]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(auto_now=True, verbose_name=_("recorded at"))

    class Meta:
        verbose_name = _("food cooked")
        verbose_name_plural = _("food cooked")
        ordering = ["-date", "mess__code", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["mess", "date", "meal"], name="cookedfood_one_per_meal"),
            models.CheckConstraint(condition=Q(kg__gte=0, kg__lte=MAX_COOKED_KG), name="cookedfood_kg_0_to_10000"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="cookedfood_meal_valid"),
        ]

    def __str__(self):
        return f"{self.mess.code} {self.date} {self.get_meal_display()}: {self.kg} kg cooked"
