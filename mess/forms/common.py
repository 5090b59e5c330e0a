"""What the pages' forms share: the date box, text a person types, a rule's ValueError as the form's
error, a figure that says one thing wrong at once, and the check of a date of waste or feedback."""

import datetime

from django import forms
from django.utils.translation import gettext

from mess.meals import day_check
from mess.text import typed_text


class DateInput(forms.DateInput):
    input_type = "date"


class TypedTextField(forms.CharField):
    """Text a person types: newlines as \n, and no other control character (mess/text.py)."""

    def to_python(self, value):
        try:
            return typed_text(super().to_python(value))
        except ValueError as error:
            raise forms.ValidationError(gettext("The text %(problem)s; write it again without it.") % {"problem": error}) from None


class FigureField(forms.DecimalField):
    """A figure a person types, kilograms or a price: a figure both out of range and too long
    (1000000000 kg) is told the range, once, rather than the range and the digits."""

    def run_validators(self, value):
        if value in self.empty_values:
            return
        for validator in self.validators:
            try:
                validator(value)
            except forms.ValidationError as error:
                if error.code in self.error_messages:
                    error.message = self.error_messages[error.code]
                raise


def checked(rule, value):
    """`rule(value)`, its ValueError as the form's error."""
    try:
        return rule(value)
    except ValueError as error:
        raise forms.ValidationError(str(error)) from None


def recorded_date(day: datetime.date, *, latest: datetime.date | None = None) -> datetime.date:
    """`day`, checked as a date of waste or feedback (mess.meals.day_check)."""
    try:
        return day_check(day, latest=latest)
    except ValueError as error:
        raise forms.ValidationError(f"{str(error)[0].upper()}{str(error)[1:]}.") from None
