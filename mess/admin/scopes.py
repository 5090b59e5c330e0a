"""Groups of messes and their group admins in Django admin, their only door (mess/scopes.py), and
what a group admin may do here: change the alert thresholds and the waste's worth and goal of their
groups' messes, and see no other mess."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from mess.admin.base import FeatureAdmin, refusals
from mess.context_processors import request_access
from mess.models import GroupAdmin, MessGroup
from mess.refusals import Refused
from mess.scopes import group_admin_save, group_admins_delete, mess_group_check, mess_group_save, mess_groups_delete


class MessGroupForm(forms.ModelForm):
    """A group, its place among the groups checked by mess_group_check beside its field (a cycle, a
    fourth level); mess_group_save checks again."""

    def clean(self):
        cleaned = super().clean()
        group = MessGroup(pk=self.instance.pk, parent=cleaned.get("parent"))
        try:
            mess_group_check(group=group)
        except Refused as refused:
            for field, message in refused.errors.items():
                self.add_error(field, message)
        return cleaned


@admin.register(MessGroup)
class MessGroupAdmin(FeatureAdmin):
    """A campus, a hostel block, a district: groups hold groups at most three levels deep; a mess is
        put in a group on its own page (Messes › the mess › group of messes), and its admins under Group
    admins."""

    form = MessGroupForm
    list_display = ["code", "name", "parent", "mess_count"]
    list_select_related = ["parent"]
    list_filter = ["parent"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(mess_count=Count("messes"))

    def save_model(self, request, obj, form, change):
        with refusals():
            mess_group_save(group=obj)

    def delete_rows(self, request, queryset):
        mess_groups_delete(groups=queryset)

    @admin.display(description=_("messes"), ordering="mess_count")
    def mess_count(self, group):
        return group.mess_count


@admin.register(GroupAdmin)
class GroupAdminAdmin(FeatureAdmin):
    """Who runs a group: they do what admins do for its messes and its sub-groups' (the overview, the
    dashboards, the exports, menus, announcements, and in here the messes' thresholds, with staff
    status ticked), and hear about those messes as they choose."""

    list_display = ["user", "group"]
    list_select_related = ["user", "group"]
    list_filter = ["group"]
    search_fields = ["user__username", "user__email", "group__code", "group__name"]
    autocomplete_fields = ["user", "group"]

    def save_model(self, request, obj, form, change):
        with refusals():
            group_admin_save(group_admin=obj)

    def delete_rows(self, request, queryset):
        group_admins_delete(rows=queryset)


# What a group admin may change of their groups' messes here: the alerts' thresholds and the waste's
# worth and goal. The rest of a mess (its code, name, group, floors, cut-offs) is the admins'.
GROUP_ADMIN_FIELDS = (
    "waste_threshold_kg",
    "waste_threshold_g_per_diner",
    "rating_threshold",
    "min_ratings",
    "alert_window_days",
    "food_cost_per_kg",
    "co2e_per_kg",
    "kg_per_meal",
    "baseline_start",
    "baseline_end",
    "waste_goal_percent",
)


class GroupScopedMixin:
    """For a ModelAdmin of messes: a group admin (with staff status) without the model's own
    permissions sees and changes their groups' messes only, and of them GROUP_ADMIN_FIELDS only;
    admins and users with the permissions are as before."""

    def _group_admin(self, request):
        access = request_access(request)
        return access if access.is_group_admin and not request.user.has_perm("mess.change_mess") else None

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self._group_admin(request) is not None

    def has_view_permission(self, request, obj=None):
        access = self._group_admin(request)
        if access is not None:
            return obj is None or obj.pk in access.mess_ids
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return (
            self.has_view_permission(request, obj)
            if self._group_admin(request) is not None
            else super().has_change_permission(request, obj)
        )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        access = self._group_admin(request)
        return queryset if access is None else queryset.filter(pk__in=access.mess_ids)

    def get_readonly_fields(self, request, obj=None):
        if self._group_admin(request) is None:
            return super().get_readonly_fields(request, obj)
        return [f.name for f in self.model._meta.fields if f.name not in GROUP_ADMIN_FIELDS and f.editable]

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        # The filter by group would name every group: a group admin's list is their groups' already.
        return [f for f in filters if f != "group"] if self._group_admin(request) is not None else filters

    def get_inlines(self, request, obj):
        return [] if self._group_admin(request) is not None else super().get_inlines(request, obj)
