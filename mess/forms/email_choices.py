"""The e-mail settings page's form (mess/views/email_choices.py): which e-mails a person gets."""

from django import forms
from django.utils.translation import gettext_lazy as _


class EmailChoicesForm(forms.Form):
    """Which e-mails a person gets (mess.email_choices.EMAIL_CHOICES), of those they can get: job problems
    are the admins' alone, missing-waste reminders and cook sheets the officials' alone; a group admin
    who is no official gets neither (`group_admin`)."""

    emails_critical = forms.BooleanField(
        label=_("Critical feedback"), required=False, help_text=_("When a meal ends with low ratings with comments or hygiene complaints.")
    )
    emails_missing_waste = forms.BooleanField(
        label=_("Missing-waste reminders"),
        required=False,
        help_text=_("An hour after each meal, the floors that recorded no waste for it."),
    )
    emails_daily_report = forms.BooleanField(
        label=_("Daily reports"), required=False, help_text=_("Each morning, the previous day in figures.")
    )
    emails_cook_sheet = forms.BooleanField(
        label=_("Cook sheets"), required=False, help_text=_("At each meal's cut-off, how many are expected and how much to cook.")
    )
    emails_job_problems = forms.BooleanField(
        label=_("Job problems"), required=False, help_text=_("When a scheduled job starts failing, recovers, or runs late.")
    )

    def __init__(self, *args, is_admin: bool, group_admin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        hidden = ("emails_missing_waste", "emails_cook_sheet") if is_admin else ("emails_job_problems",)
        if group_admin:
            hidden = ("emails_missing_waste", "emails_cook_sheet", "emails_job_problems")
        for field in hidden:
            del self.fields[field]
