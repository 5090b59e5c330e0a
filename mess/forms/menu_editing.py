"""The forms of the menu pages (mess/views/menu_editing.py): they parse what officials type and check it by the rules of
mess/menu_editing.py, so that each problem shows beside its field; the services write it."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mess.forms.common import DateInput, FigureField, checked
from mess.menu_rules import Slot, dishes_clean, item_name_clean, menu_date_check, price_check
from mess.models import MAX_DISHES, Meal, Weekday
from mess.text import folded, lazy_format


class DishesField(forms.CharField):
    """A menu's dishes, one per line, as mess.menu_editing.dishes_clean keeps them."""

    widget = forms.Textarea

    def __init__(self, *, required_dishes: bool = True, **kwargs):
        self.required_dishes = required_dishes
        kwargs.setdefault("help_text", lazy_format(_("One dish per line, at most %(most)s."), most=MAX_DISHES))
        super().__init__(strip=False, required=required_dishes, **kwargs)

    def to_python(self, value):
        return checked(lambda text: dishes_clean(text, required=self.required_dishes), super().to_python(value))


def slot_field_name(slot: Slot) -> str:
    return f"{'veg' if slot.is_veg else 'nonveg'}-{slot.weekday}-{slot.meal}"


def week_slots(*, is_veg: bool) -> list[Slot]:
    return [Slot(day, meal, is_veg) for day in Weekday.values for meal in Meal.values]


MOST_ROWS = 31  # a meal's 30 dishes and a line to spare


class WeeklyMenuForm(forms.Form):
    """The weekly menu of one week as a grid: a box per weekday and meal, vegetarian and non-veg.
    An empty box means no menu for that meal. Each box also carries, hidden, what it said when the
    page was opened, so that only the boxes the official changed are saved: another official's
    change to other boxes meanwhile is kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for slot in week_slots(is_veg=True) + week_slots(is_veg=False):
            self.fields[slot_field_name(slot)] = DishesField(
                required_dishes=False,
                label=slot.label,
                help_text="",
                show_hidden_initial=True,
                widget=forms.Textarea(attrs={"rows": 4, "cols": 20}),
            )
        for name in self.fields:  # every dish in sight: a box as tall as its dishes, and one line to add another
            lines = len(str(self[name].value() or "").splitlines())
            self.fields[name].widget.attrs["rows"] = max(4, min(lines + 1, MOST_ROWS))

    def menus(self) -> dict[Slot, str]:
        """The dishes typed in the boxes the official changed, by slot (once the form is valid)."""
        changed = set(self.changed_data)
        slots = week_slots(is_veg=True) + week_slots(is_veg=False)
        return {slot: self.cleaned_data[slot_field_name(slot)] for slot in slots if slot_field_name(slot) in changed}


class RotationForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Week 1 starts on"),
        required=False,
        widget=DateInput,
        help_text=_("A Monday. Weeks then alternate 1, 2, 1, 2 from it. Leave empty to serve one weekly menu."),
    )


class DayMealForm(forms.Form):
    """Which date and meal a page shows, or a removal is about: today or later."""

    date = forms.DateField(widget=DateInput)
    meal = forms.ChoiceField(choices=Meal.choices)

    def clean_date(self):
        return checked(menu_date_check, self.cleaned_data["date"])

    @classmethod
    def today(cls) -> dict:
        return {"date": timezone.localdate(), "meal": Meal.LUNCH}


class DayMenuForm(DayMealForm):
    """A one-day change: what a meal of a date serves instead of the weekly menu."""

    dishes = DishesField(widget=forms.Textarea(attrs={"rows": 6}))


class ItemForm(forms.Form):
    """A non-veg item: its name and price. A row left empty is no item."""

    name = forms.CharField(required=False, strip=False)
    price = FigureField(
        label=_("Price (₹)"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )

    def clean_name(self):
        name = self.cleaned_data["name"]
        return checked(item_name_clean, name) if name.strip() else ""

    def clean_price(self):
        price = self.cleaned_data["price"]
        return None if price is None else checked(price_check, price)

    def clean(self):
        cleaned = super().clean()
        name, price = cleaned.get("name"), cleaned.get("price")
        if name and price is None and "price" not in self.errors:
            self.add_error("price", gettext("Give the item's price."))
        if not name and price is not None and "name" not in self.errors:
            self.add_error("name", gettext("Name the item."))
        return cleaned

    @property
    def is_empty(self) -> bool:
        return not self.cleaned_data.get("name") and self.cleaned_data.get("price") is None


class BaseItemFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = {}
        for form in self.forms:
            if form.is_empty:
                continue
            key = folded(form.cleaned_data["name"])
            if key in seen:
                form.add_error("name", gettext("This item is listed twice."))
            seen[key] = form


ItemFormSet = forms.formset_factory(
    ItemForm, formset=BaseItemFormSet, extra=3, max_num=MAX_DISHES, validate_max=True, absolute_max=MAX_DISHES + 10
)
