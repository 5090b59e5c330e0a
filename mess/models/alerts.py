"""Alerts: the conditions generate_alerts raises and resolves."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mess.models.messes import Mess


class AlertKind(models.TextChoices):
    HIGH_WASTE = "high_waste", _("High waste")
    HIGH_WASTE_PER_DINER = "high_waste_per_diner", _("High waste per diner")
    LOW_RATING = "low_rating", _("Low rating")


class Alert(models.Model):
    """A condition generate_alerts found: a floor wasting too much, or a meal rated too low, over
    the mess's alert window. Kept open and updated while the condition holds, resolved after."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("mess"))
    kind = models.CharField(max_length=32, choices=AlertKind.choices, verbose_name=_("kind"))
    subject = models.CharField(max_length=64, help_text=_("The floor's name or the meal."), verbose_name=_("subject"))
    value = models.DecimalField(
        max_digits=9, decimal_places=2, help_text=_("Kilograms per day, grams per diner, or the average rating."), verbose_name=_("value")
    )
    threshold = models.DecimalField(max_digits=9, decimal_places=2, verbose_name=_("threshold"))
    basis = models.PositiveIntegerField(
        default=0, db_default=0, help_text=_("What the value rests on: recorded days, diners, or ratings."), verbose_name=_("basis")
    )
    window_start = models.DateField(_("window start"))
    window_end = models.DateField(_("window end"))
    first_seen_at = models.DateTimeField(_("first seen at"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    # An official's acknowledgement: the alert stays open until its condition clears.
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("acknowledged by")
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("acknowledged at"))
    acknowledgement = models.CharField(max_length=200, blank=True, verbose_name=_("acknowledgement"))
    # True while open, NULL once resolved: the unique constraint below then allows one open alert
    # per mess, kind and subject and any number of resolved ones, on MySQL too (no partial indexes).
    is_open = models.BooleanField(null=True, default=True, editable=False, verbose_name=_("is open"))

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
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
