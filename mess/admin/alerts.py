"""Alerts in Django admin, read-only: generate_alerts raises and resolves them (mess/alerts.py), and
officials acknowledge them on their pages."""

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mess.admin.base import ReadOnlyAdmin
from mess.alerts import alert_wording
from mess.models import Alert


class AlertStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(is_open=True)
        if self.value() == "resolved":
            return queryset.filter(is_open__isnull=True)
        return queryset


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = [
        "mess",
        "kind",
        "subject",
        "figures",
        "window_start",
        "window_end",
        "is_open",
        "acknowledged",
        "last_seen_at",
        "resolved_at",
    ]
    list_filter = [AlertStatusFilter, "mess", "kind", "window_end"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name", "subject"]
    fields = [
        "mess",
        "kind",
        "subject",
        "figures",
        "value",
        "threshold",
        "basis",
        "window_start",
        "window_end",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
        "acknowledged_by",
        "acknowledged_at",
        "acknowledgement",
    ]
    readonly_fields = fields

    @admin.display(description=_("figures"))
    def figures(self, alert):
        words = alert_wording(kind=alert.kind, subject=alert.subject, value=alert.value, threshold=alert.threshold, basis=alert.basis)
        return " ".join(
            filter(None, [words["value"], gettext("(threshold %(threshold)s)") % {"threshold": words["threshold"]}, words["basis"]])
        )

    @admin.display(description=_("acknowledged"), boolean=True, ordering="acknowledged_at")
    def acknowledged(self, alert):
        return alert.acknowledged_at is not None
