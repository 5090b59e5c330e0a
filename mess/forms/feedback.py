"""The students' page's forms (mess/views/feedback.py): a meal's rating, and the dishes of it they liked
and disliked."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mess.forms.common import TypedTextField
from mess.models import MAX_COMMENT, FeedbackCategory, MealWindow


class FeedbackForm(forms.Form):
    meal = forms.ChoiceField(widget=forms.HiddenInput, error_messages={"invalid_choice": _("This meal cannot be rated now.")})
    rating = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(1, 6)], coerce=int, widget=forms.RadioSelect, help_text=_("1 is very bad, 5 is very good.")
    )
    category = forms.ChoiceField(choices=FeedbackCategory.choices, initial=FeedbackCategory.FOOD)
    comment = TypedTextField(
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. What was good or bad?"),
    )

    def __init__(self, *args, meals: list[MealWindow], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meal"].choices = [(w.meal, w.get_meal_display()) for w in meals]


class DishVotesForm(forms.Form):
    """The dishes of the meal a student rates that they liked and disliked (from that day's menu),
    posted with the FeedbackForm of the meal."""

    liked = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    disliked = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, dishes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.dishes = dishes
        for name in ("liked", "disliked"):
            self.fields[name].choices = [(dish, dish) for dish in dishes]
            self.fields[name].error_messages["invalid_choice"] = gettext("%(value)s is not on this meal's menu today.")

    def clean(self):
        cleaned = super().clean()
        if both := set(cleaned.get("liked", ())) & set(cleaned.get("disliked", ())):
            raise forms.ValidationError(gettext("A dish is liked or disliked, not both: %(dishes)s.") % {"dishes": ", ".join(sorted(both))})
        return cleaned

    def votes(self) -> dict[str, bool]:
        """dish -> liked, of the valid form."""
        return {**{dish: True for dish in self.cleaned_data["liked"]}, **{dish: False for dish in self.cleaned_data["disliked"]}}

    def choice(self, dish: str) -> str:
        """ "liked", "disliked" or "" for `dish`, as the form shows it."""
        for name in ("liked", "disliked"):
            value = self[name].value() or []
            if dish in value:
                return name
        return ""
