"""The waste page's forms (mess/views/waste.py): the meal it shows, and the kilograms and head count of
every floor after that meal in one form, with what was cooked for it; the rules are mess/waste.py's."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mess.figures import cents
from mess.forms.common import DateInput, FigureField, recorded_date
from mess.models import MAX_COOKED_KG, MAX_DINERS, MAX_WASTE_KG, CookedFood, Floor, Meal, WasteRecord
from mess.text import lazy_format
from mess.waste import Cooked, FloorWaste, waste_meal_check


def waste_meal_refused(cleaned: dict, *, mess=None) -> str | None:
    """Why the waste of the cleaned `date` and `meal` cannot be recorded (a meal that has not started
    yet at `mess`, or the cleaned floor's: mess.waste.waste_meal_check), or None; the officials' form
    and the admin's say the same."""
    date, meal = cleaned.get("date"), cleaned.get("meal")
    if mess is None and cleaned.get("floor") is not None:
        mess = cleaned["floor"].mess
    if date and meal:
        try:
            waste_meal_check(date=date, meal=meal, mess=mess)
        except ValueError as error:
            return f"{error}: waste is recorded after the meal."
    return None


class WasteMealPickForm(forms.Form):
    """The meal whose waste the waste page shows and records: a date and a meal that has started."""

    date = forms.DateField(widget=DateInput)
    meal = forms.ChoiceField(choices=Meal.choices)

    def __init__(self, *args, mess=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.mess = mess  # whose windows say which meals have started

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(gettext("The date is in the future: waste is recorded after the meal."))
        return recorded_date(date)

    def clean(self):
        cleaned = super().clean()
        if why := waste_meal_refused(cleaned, mess=self.mess):
            self.add_error("meal", why)
        return cleaned


class WasteMealForm(WasteMealPickForm):
    """The kilograms and head count of every floor of a mess after one meal, in one form: a
    `kg_<floor id>` and a `diners_<floor id>` field per floor, prefilled with what is recorded.
    A floor left empty (or not sent) is not recorded; a recorded one cannot be emptied (it is
    deleted instead). `cooked_kg`, optional, is the meal's one figure of food cooked: emptied, the
    recorded one is removed; not sent, it is left as it is.
    `confirm` carries the official's confirmation of unusual figures (see `unusual_key`)."""

    confirm = forms.CharField(required=False, widget=forms.HiddenInput)
    cooked_kg = FigureField(
        label=_("Cooked for the meal (kg)"),
        required=False,
        min_value=0,
        max_value=MAX_COOKED_KG,
        max_digits=7,
        decimal_places=2,
        help_text=_(
            "Optional: what the kitchen cooked for this meal, weighed before serving, one figure for the mess. "
            "The dashboard then shows the waste as a share of it, and the cook sheet says how many kilograms to cook."
        ),
        error_messages={
            "min_value": _("What was cooked cannot be negative."),
            "max_value": lazy_format(_("More than %(most)s kg is not plausible."), most=f"{MAX_COOKED_KG:.0f}"),
        },
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", "min": "0"}),
    )

    def __init__(self, *args, floors: list[Floor], stored: dict[int, WasteRecord], cooked: CookedFood | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.floors, self.stored, self.stored_cooked = floors, stored, cooked
        self.fields["cooked_kg"].initial = cooked.kg if cooked else None
        self.unusual: dict[int, str] = {}  # floor id -> why its figure asks for confirmation (mess.waste.waste_unusual)
        self.fields["date"].widget = forms.HiddenInput()
        self.fields["meal"].widget = forms.HiddenInput()
        for floor in floors:
            record = stored.get(floor.pk)
            self.fields[f"kg_{floor.pk}"] = FigureField(
                label=gettext("%(floor)s: kg") % {"floor": floor.name},
                required=False,
                min_value=0,
                max_value=MAX_WASTE_KG,
                max_digits=6,
                decimal_places=2,
                initial=record.total_kg if record else None,
                error_messages={
                    "min_value": _("Waste cannot be negative."),
                    "max_value": gettext("More than %(most)s kg is not a plausible amount: check the figure.")
                    % {"most": f"{MAX_WASTE_KG:.0f}"},
                },
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", "min": "0"}),
            )
            self.fields[f"diners_{floor.pk}"] = forms.IntegerField(
                label=gettext("%(floor)s: diners") % {"floor": floor.name},
                required=False,
                min_value=0,
                max_value=MAX_DINERS,
                initial=record.diners if record else None,
                error_messages={
                    "min_value": _("The head count cannot be negative."),
                    "max_value": gettext("More than %(most)s diners is not a head count: check the figure.") % {"most": MAX_DINERS},
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"}),
            )

    def clean(self):
        cleaned = super().clean()
        figures = []
        for floor in self.floors:
            kg_field, diners_field = f"kg_{floor.pk}", f"diners_{floor.pk}"
            if kg_field in self.errors or diners_field in self.errors or kg_field not in self.data:
                continue  # a floor the form did not send is left as it is
            kg, diners = cleaned.get(kg_field), cleaned.get(diners_field)
            if kg is None:
                if floor.pk in self.stored:
                    self.add_error(kg_field, gettext("An empty figure does not remove a record: give the figure, or delete the record."))
                elif diners is not None:
                    self.add_error(kg_field, gettext("Give the kilograms too, or leave the head count empty."))
                continue
            figures.append(FloorWaste(floor=floor, total_kg=kg, diners=diners))
        self.cooked = Cooked(kg=cleaned.get("cooked_kg")) if "cooked_kg" in self.data and "cooked_kg" not in self.errors else None
        cooked_changes = self.cooked is not None and self.cooked.kg != (self.stored_cooked.kg if self.stored_cooked else None)
        if not figures and not cooked_changes and not self.errors:
            raise forms.ValidationError(gettext("Give the waste of at least one floor, or what was cooked."))
        self.figures = figures
        return cleaned

    def rows(self) -> list[dict]:
        """Each floor with its two fields, its stored record and why its figure is unusual, for the template."""
        return [
            {
                "floor": floor,
                "kg": self[f"kg_{floor.pk}"],
                "diners": self[f"diners_{floor.pk}"],
                "record": self.stored.get(floor.pk),
                "unusual": self.unusual.get(floor.pk),
            }
            for floor in self.floors
        ]

    def changed_figures(self) -> list[FloorWaste]:
        """The figures (of a valid form) that differ from what is recorded: what a save would write."""
        changed = []
        for figure in self.figures:
            record = self.stored.get(figure.floor.pk)
            if record is None or (record.total_kg, record.diners) != (figure.total_kg, figure.diners):
                changed.append(figure)
        return changed


def unusual_key(figures: list[FloorWaste]) -> str:
    """What an official confirms when they confirm unusual figures: these floors with these
    figures. Changing one of them after confirming asks again."""
    return ";".join(
        f"{f.floor.pk}:{cents(f.total_kg)}:{'' if f.diners is None else f.diners}" for f in sorted(figures, key=lambda f: f.floor.pk)
    )
