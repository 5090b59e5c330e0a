"""Mess change windows and their capacities in Django admin (mess/mess_changes.py's functions), and
the students' requests, read-only: the students make them and the assign_mess_changes job decides."""

from django.contrib import admin

from mess.admin.base import FeatureAdmin, ReadOnlyAdmin, refusals
from mess.mess_changes import mess_change_capacities_save, mess_change_window_save, mess_change_windows_delete
from mess.models import MessChangeCapacity, MessChangeRequest, MessChangeWindow


class CapacityInline(admin.TabularInline):
    model = MessChangeCapacity
    extra = 1


@admin.register(MessChangeWindow)
class MessChangeWindowAdmin(FeatureAdmin):
    """A window's days and how many students each mess takes in (mess_change_window_save,
    mess_change_capacities_save). Raising a capacity after the window closed, then running
    assign_mess_changes again, assigns the requests still waiting."""

    list_display = ["__str__", "first_day", "last_day"]
    inlines = [CapacityInline]

    def save_model(self, request, obj, form, change):
        with refusals():
            mess_change_window_save(window=obj)

    def save_formset(self, request, form, formset, change):
        capacities = formset.save(commit=False)  # the form's capacities, not written
        with refusals():
            mess_change_capacities_save(window=form.instance, capacities=capacities, deleted=formset.deleted_objects)

    def delete_rows(self, request, queryset):
        mess_change_windows_delete(windows=list(queryset))


@admin.register(MessChangeRequest)
class MessChangeRequestAdmin(ReadOnlyAdmin):
    list_display = ["student", "from_mess", "to_mess", "created_at", "status", "refused_why", "moves_on", "moved_at", "notified_at"]
    list_filter = ["status", "window"]
    list_select_related = ["student", "from_mess", "to_mess"]
    search_fields = ["student__username"]
