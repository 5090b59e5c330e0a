"""The absences' forms (mess/views/absences.py): the meal a student skips or takes back, and a leave
from one day to another; the rules are mess/absences.py's. (The days of a mess's list are the
exports' DateRangeForm.)"""

from django import forms
from django.utils.translation import gettext_lazy as _

from mess.absences import LEAVE_AHEAD, LEAVE_LONGEST
from mess.forms.common import DateInput
from mess.models import Meal
from mess.text import lazy_format


class AbsenceMealForm(forms.Form):
    """One meal of one day, as the button beside it on the students' page sends it."""

    date = forms.DateField()
    meal = forms.ChoiceField(choices=Meal.choices)


class LeaveForm(forms.Form):
    """Every meal from one day to another; absence_leave says what is wrong, beside the field."""

    first_day = forms.DateField(label=_("First day away"), widget=DateInput)
    last_day = forms.DateField(
        label=_("Last day away"),
        widget=DateInput,
        help_text=lazy_format(
            _("The same as the first day for one day. A leave lasts at most %(longest)s days and ends at most %(ahead)s days from today."),
            longest=LEAVE_LONGEST,
            ahead=LEAVE_AHEAD,
        ),
    )
