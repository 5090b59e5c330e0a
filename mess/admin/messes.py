"""Messes, their floors and the meals' windows in Django admin, their only door (mess/messes.py,
mess/meals.py)."""

from django import forms
from django.contrib import admin
from django.db.models import Count, F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mess.admin.base import FeatureAdmin, refusals
from mess.admin.scopes import GroupScopedMixin
from mess.meals import meal_window_check, meal_window_remove, meal_window_update
from mess.messes import baseline_check, floor_save, floors_delete, floors_save, mess_save, messes_delete
from mess.models import Floor, MealWindow, Mess
from mess.refusals import Refused


class MealWindowForm(forms.ModelForm):
    """The hours of a meal, by default or at one mess, checked by meal_window_check beside the field
    each problem is about (before the model's own constraints would say it in a database's words)."""

    def clean(self):
        cleaned = super().clean()
        mess = cleaned.get("mess", self.instance.mess) if self.instance.pk is None else self.instance.mess
        meal = cleaned.get("meal", self.instance.meal) if self.instance.pk is None else self.instance.meal
        if self.instance.pk is None and mess is None and "mess" in self.fields:
            self.add_error("mess", _("Choose the mess these hours are for: each meal's default window is there already."))
            return cleaned
        if self.instance.pk is None and mess is not None and meal and MealWindow.objects.filter(mess=mess, meal=meal).exists():
            self.add_error("meal", _("%(mess)s has its own window of this meal already: change that one.") % {"mess": mess.code})
            return cleaned
        if meal and cleaned.get("starts_at") and cleaned.get("ends_at"):
            try:
                meal_window_check(meal=meal, starts_at=cleaned["starts_at"], ends_at=cleaned["ends_at"], mess=mess)
            except Refused as refused:
                for field, message in refused.errors.items():
                    self.add_error(field, message)
        return cleaned


@admin.register(MealWindow)
class MealWindowAdmin(FeatureAdmin):
    """One default window per meal, created by a migration, whose hours admins move; and a mess's
    own window of a meal, which admins add, move or delete (the mess then follows the default
    again). The schedules that follow the windows move with them (meal_window_update,
    meal_window_remove)."""

    form = MealWindowForm
    list_display = ["meal", "applies_at", "starts_at", "ends_at"]
    list_filter = ["meal", ("mess", admin.EmptyFieldListFilter), "mess"]
    ordering = [F("mess__code").asc(nulls_first=True), "starts_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("mess")

    def get_readonly_fields(self, request, obj=None):
        return ["mess", "meal"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.mess_id is not None

    def save_model(self, request, obj, form, change):
        with refusals():
            moved = meal_window_update(meal=obj.meal, starts_at=obj.starts_at, ends_at=obj.ends_at, mess=obj.mess)
        if moved:
            self.message_user(
                request,
                ngettext(
                    "Moved the schedule %(names)s with the meal's new hours.",
                    "Moved the schedules %(names)s with the meal's new hours.",
                    len(moved),
                )
                % {"names": ", ".join(moved)},
            )

    def delete_rows(self, request, queryset):
        for window in queryset.select_related("mess"):
            meal_window_remove(window=window)

    @admin.display(description=_("applies at"), ordering="mess__code")
    def applies_at(self, window):
        if window.mess_id is None:
            return _("every mess without its own (default)")
        return _("%(mess)s only (its own)") % {"mess": window.mess.code}


class MessForm(forms.ModelForm):
    """A mess, its baseline period checked by baseline_check beside the field each problem is about
    (before the model's own constraint would say it in a database's words); mess_save checks again."""

    def clean(self):
        cleaned = super().clean()
        if "baseline_start" in self.errors or "baseline_end" in self.errors:
            return cleaned  # a day that is not one is said already
        try:
            baseline_check(start=cleaned.get("baseline_start"), end=cleaned.get("baseline_end"))
        except Refused as refused:
            for field, message in refused.errors.items():
                self.add_error(field, message)
        return cleaned


class FloorInline(admin.TabularInline):
    model = Floor
    extra = 0


@admin.register(Mess)
class MessAdmin(GroupScopedMixin, FeatureAdmin):
    """A mess with its floors (mess_save, floors_save): a move of the week 1 start is kept in the menu
    history, and a change of what the alerts read has them re-evaluated soon after. A group admin
    changes the thresholds and the waste's worth of their groups' messes only (GroupScopedMixin)."""

    list_display = [
        "code",
        "name",
        "is_active",
        "group",
        "floor_count",
        "waste_threshold_kg",
        "waste_threshold_g_per_diner",
        "rating_threshold",
        "min_ratings",
        "alert_window_days",
    ]
    form = MessForm
    list_filter = ["is_active", "group"]
    search_fields = ["code", "name"]
    inlines = [FloorInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "is_active", "group"]}),
        (
            _("Alerts"),
            {"fields": ["waste_threshold_kg", "waste_threshold_g_per_diner", "rating_threshold", "min_ratings", "alert_window_days"]},
        ),
        (_("Menus"), {"fields": ["rotation_starts_on", "public_opinions"]}),
        (
            _("Cooking for those who come"),
            {
                "fields": ["absence_cutoff_minutes", "menu_message_minutes", "cook_margin_percent", "kitchen_email"],
                "description": _(
                    "Students skip a meal until its cut-off; then the cook sheet goes to the kitchen and the officials who chose it."
                ),
            },
        ),
        (
            _("Waste's worth and goal"),
            {
                "fields": ["food_cost_per_kg", "co2e_per_kg", "kg_per_meal", "baseline_start", "baseline_end", "waste_goal_percent"],
                "description": _("What a kilogram of waste is worth, and the goal of wasting less per diner than in a baseline period."),
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(floor_count=Count("floors")).select_related("group")

    def save_model(self, request, obj, form, change):
        with refusals():
            mess_save(mess=obj, changed_by=request.user)

    def save_formset(self, request, form, formset, change):
        floors = formset.save(commit=False)  # the form's floors, not written
        with refusals():
            floors_save(mess=form.instance, floors=floors, deleted=formset.deleted_objects)

    def delete_rows(self, request, queryset):
        messes_delete(messes=list(queryset))

    @admin.display(description=_("floors"), ordering="floor_count")
    def floor_count(self, mess):
        return mess.floor_count


@admin.register(Floor)
class FloorAdmin(FeatureAdmin):
    list_display = ["name", "mess"]
    list_filter = ["mess"]
    search_fields = ["name", "mess__code", "mess__name"]

    def get_queryset(self, request):
        # Not list_select_related: the waste records' floor autocomplete reads this queryset too, and a
        # floor's name shows its mess's code.
        return super().get_queryset(request).select_related("mess")

    def save_model(self, request, obj, form, change):
        floor_save(floor=obj)

    def delete_rows(self, request, queryset):
        floors_delete(floors=list(queryset))
