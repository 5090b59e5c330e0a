"""The date range of the CSV exports of waste and feedback (mess/views/exports.py)."""

import datetime

from django import forms
from django.utils.translation import gettext

from mess.forms.common import DateInput, recorded_date


class DateRangeForm(forms.Form):
    start = forms.DateField(widget=DateInput)
    end = forms.DateField(widget=DateInput)

    def clean_start(self):
        return recorded_date(self.cleaned_data["start"], latest=datetime.date.max)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise forms.ValidationError(gettext("The end date is before the start date."))
        return cleaned
