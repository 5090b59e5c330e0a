"""The web pages' forms: they parse and check what people typed; the services write it."""

import datetime
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from mess.logins import login_allowed, login_failed
from mess.meals import day_check
from mess.models import MAX_COMMENT, MAX_DINERS, MAX_WASTE_KG, FeedbackCategory, Floor, Meal, MealWindow, Mess
from mess.text import duration, folded, typed_text


class DateInput(forms.DateInput):
    input_type = "date"


class TypedTextField(forms.CharField):
    """Text a person types: newlines as \n, and no other control character (mess/text.py)."""

    def to_python(self, value):
        try:
            return typed_text(super().to_python(value))
        except ValueError as error:
            raise forms.ValidationError(f"The text {error}; write it again without it.") from None


def _recorded_date(day: datetime.date, *, latest: datetime.date | None = None) -> datetime.date:
    """`day`, checked as a date of waste or feedback (mess.meals.day_check)."""
    try:
        return day_check(day, latest=latest)
    except ValueError as error:
        raise forms.ValidationError(f"{str(error)[0].upper()}{str(error)[1:]}.") from None


class WasteForm(forms.Form):
    floor = forms.ModelChoiceField(
        queryset=Floor.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choose one of this mess's floors."},
    )
    date = forms.DateField(widget=DateInput)
    meal = forms.ChoiceField(choices=Meal.choices)
    total_kg = forms.DecimalField(
        label="Total (kg)",
        min_value=0,
        max_value=MAX_WASTE_KG,
        max_digits=6,
        decimal_places=2,
        error_messages={
            "min_value": "Waste cannot be negative.",
            "max_value": f"More than {MAX_WASTE_KG:.0f} kg is not a plausible amount: check the figure.",
        },
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    diners = forms.IntegerField(
        min_value=0,
        max_value=MAX_DINERS,
        required=False,
        help_text="Head count of the meal, if known.",
        error_messages={"min_value": "The head count cannot be negative."},
    )

    def __init__(self, *args, mess: Mess, **kwargs):
        super().__init__(*args, **kwargs)
        floors = Floor.objects.filter(mess=mess).order_by("name")
        self.fields["floor"].queryset = floors
        # Listed once: the select would otherwise read the floors twice (its options, and whether
        # its first option is empty).
        self.fields["floor"].choices = [(f.pk, f.name) for f in floors]

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError("The date is in the future: waste is recorded after the meal.")
        return _recorded_date(date)


class FeedbackForm(forms.Form):
    meal = forms.ChoiceField(widget=forms.HiddenInput, error_messages={"invalid_choice": "This meal cannot be rated now."})
    rating = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(1, 6)], coerce=int, widget=forms.RadioSelect, help_text="1 is very bad, 5 is very good."
    )
    category = forms.ChoiceField(choices=FeedbackCategory.choices, initial=FeedbackCategory.FOOD)
    comment = TypedTextField(
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. What was good or bad?",
    )

    def __init__(self, *args, meals: list[MealWindow], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meal"].choices = [(w.meal, w.get_meal_display()) for w in meals]


class DateRangeForm(forms.Form):
    start = forms.DateField(widget=DateInput)
    end = forms.DateField(widget=DateInput)

    def clean_start(self):
        return _recorded_date(self.cleaned_data["start"], latest=datetime.date.max)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise forms.ValidationError("The end date is before the start date.")
        return cleaned


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, with each wrong old password counted as a failed login (mess/logins.py): once the
    user is locked out at their address, no old password is even checked."""

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        username = self.user.get_username()
        if not login_allowed(self.request, username=username):
            raise forms.ValidationError("Too many wrong passwords: wait a while before trying again.")
        try:
            return super().clean_old_password()
        except forms.ValidationError:
            login_failed(self.request, username=username)
            raise


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, for every active user with the address: students imported without a
    password (an unusable one, which Django's form skips) set their first password this way. The
    page says the same whether or not the address is known."""

    def get_users(self, email):
        User = get_user_model()
        field = User.get_email_field_name()
        wanted = folded(email)
        for user in User._default_manager.filter(**{f"{field}__iexact": email, "is_active": True}):
            if folded(getattr(user, field)) == wanted:  # as Django's own form compares them
                yield user

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        context["expires"] = duration(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT))
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
