"""Missing-waste reminders in Django admin, read-only: send_waste_reminders writes them
(mess/missing_waste.py)."""

from django.contrib import admin

from mess.admin.base import ReadOnlyAdmin
from mess.models import WasteReminder


@admin.register(WasteReminder)
class WasteReminderAdmin(ReadOnlyAdmin):
    list_display = ["date", "mess", "meal", "floors", "emailed_at"]
    list_filter = ["mess", "meal", "date"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name"]
    date_hierarchy = "date"
    fields = ["mess", "date", "meal", "floors", "created_at", "emailed_at"]
    readonly_fields = fields
