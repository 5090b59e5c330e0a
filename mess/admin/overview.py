"""The day and week totals and the waste baselines the overview reads, in Django admin, read-only:
refresh_day_totals and the writes of waste and feedback keep them (mess/overview.py,
mess/waste_value.py)."""

from django.contrib import admin

from mess.admin.base import ReadOnlyAdmin
from mess.models import DayTotals, WasteBaseline, WeekTotals


@admin.register(DayTotals)
class DayTotalsAdmin(ReadOnlyAdmin):
    list_display = ["date", "mess", "waste_records", "waste_kg", "feedback_count", "rating_sum", "computed_at"]
    list_filter = ["mess", "date"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name"]
    fields = ["mess", "date", "waste_records", "waste_kg", "counted_kg", "diners", "feedback_count", "rating_sum", "computed_at"]
    readonly_fields = fields


@admin.register(WeekTotals)
class WeekTotalsAdmin(ReadOnlyAdmin):
    list_display = ["mess", "through", "days", "waste_records", "waste_kg", "feedback_count", "rating_sum", "computed_at"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name"]
    fields = [
        "mess",
        "through",
        "days",
        "waste_records",
        "open_waste_records",
        "waste_kg",
        "counted_kg",
        "diners",
        "feedback_count",
        "rating_sum",
        "computed_at",
    ]
    readonly_fields = fields


@admin.register(WasteBaseline)
class WasteBaselineAdmin(ReadOnlyAdmin):
    list_display = ["mess", "chosen", "start", "end", "days", "kg", "diners", "computed_on"]
    list_filter = ["chosen"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name"]
    fields = ["mess", "chosen", "start", "end", "days", "kg", "diners", "computed_on", "computed_at"]
    readonly_fields = fields
