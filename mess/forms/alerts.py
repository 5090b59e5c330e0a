"""The form of acknowledging an alert with a note (mess/views/alerts.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mess.alerts import MAX_ACKNOWLEDGEMENT
from mess.text import lazy_format


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=MAX_ACKNOWLEDGEMENT,
        help_text=lazy_format(
            _("A short note the other officials will see, e.g. “spoke to the cook about portion sizes” (at most %(n)s characters)."),
            n=MAX_ACKNOWLEDGEMENT,
        ),
        error_messages={"required": _("Say what was done about it.")},
    )
