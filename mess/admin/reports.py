"""Daily reports in Django admin, read-only: send_daily_report writes them (mess/reports.py)."""

from django.contrib import admin

from mess.admin.base import ReadOnlyAdmin
from mess.models import DailyReport


@admin.register(DailyReport)
class DailyReportAdmin(ReadOnlyAdmin):
    list_display = ["date", "mess", "emailed_at", "updated_at"]
    list_filter = ["mess", "date"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name"]
    date_hierarchy = "date"
    # The text body only, escaped like every read-only field: the HTML body quotes students' comments,
    # and rendering it here would trust them.
    fields = ["mess", "date", "text_body", "emailed_at", "created_at", "updated_at"]
    readonly_fields = fields
