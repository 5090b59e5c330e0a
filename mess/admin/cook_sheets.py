"""Cook sheets in Django admin, read-only: send_cook_sheet stores what it told the kitchen
(mess/cook_sheets.py), and the dashboard sets each beside the head count recorded afterwards."""

from django.contrib import admin

from mess.admin.base import ReadOnlyAdmin
from mess.models import CookSheet


@admin.register(CookSheet)
class CookSheetAdmin(ReadOnlyAdmin):
    list_display = ["date", "mess", "meal", "students", "absent", "forecast", "to_cook", "cook_kg", "emailed_at"]
    list_filter = ["mess", "meal", "date"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name"]
    date_hierarchy = "date"
    fields = ["mess", "date", "meal", "students", "absent", "forecast", "explanation", "to_cook", "cook_kg", "created_at", "emailed_at"]
    readonly_fields = fields
