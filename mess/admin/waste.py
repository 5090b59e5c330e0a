"""Waste in Django admin: the records, written by the waste page's functions (mess/waste.py), so
that each is checked as there (not a meal still to come, figures in range), kept in the waste
history and followed by the day's figures; and that history, read-only."""

from django.contrib import admin

from mess.admin.base import FeatureAdmin, ReadOnlyAdmin, refusals
from mess.figures import grams_per_diner
from mess.models import WasteChange, WasteRecord
from mess.waste import waste_record_save, waste_records_delete


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

    @admin.display(description="mess", ordering="floor__mess__code")
    def mess(self, record):
        return record.floor.mess

    @admin.display(description="floor", ordering="floor__name")
    def floor_name(self, record):
        return record.floor.name

    @admin.display(description="g per diner")
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
