"""Menus in Django admin: the weekly menus, one-day changes and non-veg menus and items, by the
menu pages' rules and through their functions (mess/menu_editing.py), so that each save or
deletion here is kept in the menu history as the officials' are."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from mess.admin.base import FeatureAdmin, refusals
from mess.menu_editing import (
    nonveg_item_set,
    nonveg_items_delete,
    nonveg_menu_set,
    nonveg_menus_delete,
    regular_menu_set,
    regular_menus_delete,
    temporary_menu_set,
    temporary_menus_delete,
)
from mess.menu_rules import Item, Slot, dishes_clean, item_name_clean, menu_date_check, price_check
from mess.models import MAX_DISHES, NonVegItem, NonVegMenu, RegularMenu, TemporaryMenu


class RuledForm(forms.ModelForm):
    """A form whose fields are checked by the menu rules named in `rules` (field -> rule), each
    refusal beside its field, as on the officials' pages."""

    rules: dict = {}

    def clean(self):
        cleaned = super().clean()
        for name, rule in self.rules.items():
            if cleaned.get(name) is not None:
                try:
                    cleaned[name] = rule(cleaned[name])
                except ValueError as error:
                    self.add_error(name, str(error))
        return cleaned


class WeeklyMenuForm(RuledForm):
    rules = {"dishes": dishes_clean}


class DayMenuForm(RuledForm):
    rules = {"dishes": dishes_clean, "date": menu_date_check}


class NonVegMenuForm(RuledForm):
    rules = {"date": menu_date_check}


class NonVegItemForm(RuledForm):
    rules = {"name": item_name_clean, "price": price_check}


class NonVegItemOwnForm(NonVegItemForm):
    """An item on its own page: also of a menu of today or later (the write says so beside the menu)."""

    def clean_menu(self):
        menu = self.cleaned_data["menu"]
        try:
            menu_date_check(menu.date)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return menu


def _dishes(menu) -> str:
    return ", ".join(menu.dishes.splitlines())


@admin.register(RegularMenu)
class RegularMenuAdmin(FeatureAdmin):
    form = WeeklyMenuForm
    list_display = ["mess", "weekday", "meal", "week", "is_veg", "dishes_summary"]
    list_filter = ["mess", "weekday", "meal", "week", "is_veg"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name", "dishes"]

    def save_model(self, request, obj, form, change):
        with refusals():
            stored = regular_menu_set(
                mess=obj.mess,
                week=obj.week,
                slot=Slot(obj.weekday, obj.meal, obj.is_veg),
                dishes=obj.dishes,
                changed_by=request.user,
                replacing_id=obj.pk,
            )
        obj.pk, obj.dishes = stored.pk, stored.dishes

    def delete_rows(self, request, queryset):
        regular_menus_delete(menus=queryset, changed_by=request.user)

    @admin.display(description=_("dishes"))
    def dishes_summary(self, menu):
        return _dishes(menu)


@admin.register(TemporaryMenu)
class TemporaryMenuAdmin(FeatureAdmin):
    form = DayMenuForm
    list_display = ["date", "mess", "meal", "dishes_summary", "created_at"]
    list_filter = ["mess", "meal", "date"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name", "dishes"]
    date_hierarchy = "date"
    readonly_fields = ["created_at"]

    def save_model(self, request, obj, form, change):
        with refusals():
            stored = temporary_menu_set(
                mess=obj.mess, date=obj.date, meal=obj.meal, dishes=obj.dishes, changed_by=request.user, replacing_id=obj.pk
            )
        obj.pk = stored.pk

    def delete_rows(self, request, queryset):
        temporary_menus_delete(menus=queryset, changed_by=request.user)

    @admin.display(description=_("dishes"))
    def dishes_summary(self, menu):
        return _dishes(menu)


class NonVegItemInline(admin.TabularInline):
    model = NonVegItem
    form = NonVegItemForm
    extra = 1
    min_num = 1  # a non-veg menu is its items: without any there is none
    max_num = MAX_DISHES

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, validate_min=True, validate_max=True, **kwargs)


@admin.register(NonVegMenu)
class NonVegMenuAdmin(FeatureAdmin):
    """A menu and its items are written together, once its items are known (save_related)."""

    form = NonVegMenuForm
    list_display = ["date", "mess", "meal", "item_count", "created_at"]
    list_filter = ["mess", "meal", "date"]
    search_fields = ["mess__code", "mess__name", "items__name"]
    date_hierarchy = "date"
    readonly_fields = ["created_at"]
    inlines = [NonVegItemInline]

    def get_queryset(self, request):
        # The items' menu autocomplete reads this queryset too, and a menu's name shows its mess's code.
        return super().get_queryset(request).select_related("mess").annotate(item_count=Count("items"))

    def save_model(self, request, obj, form, change):
        pass  # with its items, in save_related

    def save_related(self, request, form, formsets, change):
        (items,) = formsets
        items.save(commit=False)  # writes nothing: tells the change message what the form added, changed and deleted
        # The items as the form leaves them, in order: those stored and not deleted, then the new ones.
        kept = [row for row in items.forms if row not in items.deleted_forms and (row.instance.pk or row.has_changed())]
        menu = form.instance
        with refusals():
            stored = nonveg_menu_set(
                mess=menu.mess,
                date=menu.date,
                meal=menu.meal,
                items=[Item(row.instance.name, row.instance.price) for row in kept],
                changed_by=request.user,
                replacing_id=menu.pk,
            )
        menu.pk = stored.pk

    def delete_rows(self, request, queryset):
        nonveg_menus_delete(menus=queryset, changed_by=request.user)

    @admin.display(description=_("items"), ordering="item_count")
    def item_count(self, menu):
        return menu.item_count


@admin.register(NonVegItem)
class NonVegItemAdmin(FeatureAdmin):
    """An item here is written as a change of its menu's items (both menus' when it moves)."""

    form = NonVegItemOwnForm
    list_display = ["name", "price", "menu"]
    list_filter = ["menu__mess", "menu__meal", "menu__date"]
    list_select_related = ["menu__mess"]
    search_fields = ["name", "menu__mess__code", "menu__mess__name"]
    date_hierarchy = "menu__date"
    autocomplete_fields = ["menu"]

    def save_model(self, request, obj, form, change):
        with refusals(field="menu"):
            stored = nonveg_item_set(menu=obj.menu, name=obj.name, price=obj.price, changed_by=request.user, replacing_id=obj.pk)
        obj.pk = stored.pk

    def delete_rows(self, request, queryset):
        nonveg_items_delete(items=queryset, changed_by=request.user)
