"""The students' request to change mess (mess/views/mess_changes.py); the rules are mess/mess_changes.py's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mess.forms.common import TypedTextField
from mess.models import MAX_REASON


class MessChangeForm(forms.Form):
    """The mess to move to, among those with room, and why; mess_change_ask says what is wrong."""

    to_mess = forms.TypedChoiceField(label=_("Move to"), coerce=int, empty_value=None)
    reason = TypedTextField(
        label=_("Why"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("At most %(n)s characters. The admins read it.") % {"n": MAX_REASON},
    )

    def __init__(self, *args, messes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_mess"].choices = [("", _("Choose a mess")), *((m.pk, m.name) for m in messes)]
