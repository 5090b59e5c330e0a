"""The absences' forms (mess/views/absences.py): the meal a student skips or takes back, and a leave
from one day to another; the rules are mess/absences.py's. (The days of a mess's list are the
exports' DateRangeForm.)"""

from django import forms

from mess.absences import LEAVE_AHEAD, LEAVE_LONGEST
from mess.forms.common import DateInput
from mess.models import Meal


class AbsenceMealForm(forms.Form):
    """One meal of one day, as the button beside it on the students' page sends it."""

    date = forms.DateField()
    meal = forms.ChoiceField(choices=Meal.choices)


class LeaveForm(forms.Form):
    """Every meal from one day to another; absence_leave says what is wrong, beside the field."""

    first_day = forms.DateField(label="First day away", widget=DateInput)
    last_day = forms.DateField(
        label="Last day away",
        widget=DateInput,
        help_text=f"The same as the first day for one day. A leave lasts at most {LEAVE_LONGEST} days and ends at most "
        f"{LEAVE_AHEAD} days from today.",
    )
