"""The form of acknowledging an alert with a note (mess/views/alerts.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mess.alerts import MAX_ACKNOWLEDGEMENT


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=MAX_ACKNOWLEDGEMENT,
        help_text="A short note the other officials will see, e.g. “spoke to the cook about portion sizes”"
        f" (at most {MAX_ACKNOWLEDGEMENT} characters).",
        error_messages={"required": _("Say what was done about it.")},
    )
