"""The form of an official's reply to a student's critical comment (mess/views/replies.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mess.forms.common import TypedTextField
from mess.models import MAX_COMMENT


class ReplyForm(forms.Form):
    """An official's reply to a student's comment, checked like the comments (mess/text.py)."""

    reply = TypedTextField(
        max_length=MAX_COMMENT,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write a reply first.")},
        help_text=_("The student sees it under their comment."),
    )
