"""Absences in Django admin: students make them (the feedback page, import_absences), so admins read
them, by mess, day and meal, find a student's by username, and delete a wrong one through
mess/absences.py (the cook sheets already sent stay as they were)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mess.absences import absences_delete
from mess.admin.base import DeleteOnlyAdmin
from mess.models import Absence


@admin.register(Absence)
class AbsenceAdmin(DeleteOnlyAdmin):
    list_display = ["first_day", "last_day", "meal_or_every", "student", "mess", "known_at"]
    list_filter = ["mess", "meal", "first_day"]
    list_select_related = ["student", "mess"]
    search_fields = ["student__username"]
    date_hierarchy = "first_day"

    def delete_rows(self, request, queryset):
        absences_delete(absences=queryset)

    @admin.display(description=_("meal"), ordering="meal")
    def meal_or_every(self, absence):
        return absence.get_meal_display() if absence.meal else "every meal"
