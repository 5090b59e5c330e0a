"""The form of acknowledging an alert with a note (mess/views/alerts.py)."""

from django import forms

from mess.alerts import MAX_ACKNOWLEDGEMENT


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        max_length=MAX_ACKNOWLEDGEMENT,
        help_text="A short note the other officials will see, e.g. “spoke to the cook about portion sizes”"
        f" (at most {MAX_ACKNOWLEDGEMENT} characters).",
        error_messages={"required": "Say what was done about it."},
    )
