"""Waste in Django admin: the records, written by the waste page's functions (mess/waste.py), so
that each is checked as there (not a meal still to come, figures in range), kept in the waste
history and followed by the day's figures; that history, read-only; and what each mess cooked for
a meal, through the waste page's function too."""

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mess.admin.base import FeatureAdmin, ReadOnlyAdmin, refusals
from mess.figures import grams_per_diner
from mess.models import CookedFood, WasteChange, WasteRecord
from mess.waste import meal_cooked_save, waste_record_save, waste_records_delete


@admin.register(WasteRecord)
class WasteRecordAdmin(FeatureAdmin):
    list_display = ["date", "mess", "floor_name", "meal", "total_kg", "diners", "grams_per_diner", "recorded_by"]
    list_filter = ["floor__mess", "meal", "date"]
    list_select_related = ["floor__mess", "recorded_by"]
    search_fields = ["floor__name", "floor__mess__code", "floor__mess__name", "recorded_by__username"]
    date_hierarchy = "date"
    autocomplete_fields = ["floor"]
    readonly_fields = ["recorded_by", "recorded_at"]  # whoever saved it last, here or on the waste page

    def save_model(self, request, obj, form, change):
        with refusals():
            saved = waste_record_save(
                mess=obj.floor.mess,
                floor=obj.floor,
                date=obj.date,
                meal=obj.meal,
                total_kg=obj.total_kg,
                diners=obj.diners,
                recorded_by=request.user,
                replacing_id=obj.pk,
            )
        obj.pk = saved.record.pk

    def delete_rows(self, request, queryset):
        waste_records_delete(records=queryset, deleted_by=request.user)

    @admin.display(description=_("mess"), ordering="floor__mess__code")
    def mess(self, record):
        return record.floor.mess

    @admin.display(description=_("floor"), ordering="floor__name")
    def floor_name(self, record):
        return record.floor.name

    @admin.display(description=_("g per diner"))
    def grams_per_diner(self, record):
        return grams_per_diner(record.total_kg, record.diners)


@admin.register(WasteChange)
class WasteChangeAdmin(ReadOnlyAdmin):
    """The history of the waste records: who recorded, changed or deleted what, and when; written by
    mess.waste alone."""

    list_display = [
        "changed_at",
        "mess",
        "floor_name",
        "date",
        "meal",
        "action",
        "kg_before",
        "diners_before",
        "kg_after",
        "diners_after",
        "changed_by",
    ]
    list_filter = ["mess", "action", "meal", "date", "changed_at"]
    list_select_related = ["mess", "changed_by"]
    search_fields = ["floor_name", "mess__code", "mess__name", "changed_by__username"]
    date_hierarchy = "changed_at"


@admin.register(CookedFood)
class CookedFoodAdmin(FeatureAdmin):
    """One figure a meal (meal_cooked_save), as the waste page records it: a row's mess, date and meal
    stay as they are, and its kilograms change."""

    list_display = ["date", "mess", "meal", "kg", "recorded_by", "recorded_at"]
    list_filter = ["mess", "meal", "date"]
    list_select_related = ["mess", "recorded_by"]
    search_fields = ["mess__code", "mess__name"]
    date_hierarchy = "date"

    def get_readonly_fields(self, request, obj=None):
        return ["mess", "date", "meal", "recorded_by", "recorded_at"] if obj else ["recorded_by", "recorded_at"]

    def save_model(self, request, obj, form, change):
        with refusals(field="meal"):  # a meal that has not started: nothing was cooked for it yet
            meal_cooked_save(mess=obj.mess, date=obj.date, meal=obj.meal, kg=obj.kg, recorded_by=request.user)
        obj.pk = CookedFood.objects.filter(mess=obj.mess, date=obj.date, meal=obj.meal).values_list("pk", flat=True).first()

    def delete_rows(self, request, queryset):
        with transaction.atomic():
            for cooked in queryset.select_related("mess"):
                meal_cooked_save(mess=cooked.mess, date=cooked.date, meal=cooked.meal, kg=None, recorded_by=request.user)
