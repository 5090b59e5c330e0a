"""The closed-days page's form (mess/views/closures.py), checked by the rules of mess/closures.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mess.closures import closure_problems
from mess.forms.common import DateInput, TypedTextField
from mess.models import Mess


class ClosureForm(forms.Form):
    """Days a mess is closed; the rules are mess.closures', each message shown beside its field."""

    first_day = forms.DateField(label=_("First day"), widget=DateInput)
    last_day = forms.DateField(label=_("Last day"), widget=DateInput, help_text=_("The same as the first day for a single day."))
    reason = TypedTextField(
        label=_("Reason"),
        required=False,
        max_length=100,
        help_text=_("A holiday, a vacation: needed when the days already have waste or feedback recorded."),
    )

    def __init__(self, *args, mess: Mess, by_admin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.mess, self.by_admin = mess, by_admin

    def clean(self):
        cleaned = super().clean()
        first_day, last_day = cleaned.get("first_day"), cleaned.get("last_day")
        if first_day and last_day and "reason" not in self.errors:
            problems = closure_problems(
                mess=self.mess, first_day=first_day, last_day=last_day, reason=cleaned.get("reason", ""), by_admin=self.by_admin
            )
            for field, message in problems.items():
                self.add_error(field, message)
        return cleaned
