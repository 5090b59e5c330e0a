"""The announcements page's forms (mess/views/announcements.py), checked by the rules of
mess/announcements.py."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mess.announcements import announcement_problems
from mess.forms.common import DateInput, TypedTextField
from mess.models import MAX_ANNOUNCEMENT_TEXT, MAX_ANNOUNCEMENT_TITLE, Mess


class AnnouncementForm(forms.Form):
    """An announcement's words and days; the rules are mess.announcements', each message shown beside
    its field. `first_day_was` is the first day of the announcement being changed."""

    title = TypedTextField(label=_("Title"), max_length=MAX_ANNOUNCEMENT_TITLE)
    text = TypedTextField(
        label=_("Text"),
        max_length=MAX_ANNOUNCEMENT_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Shown to the students as you write it, line breaks kept."),
    )
    first_day = forms.DateField(label=_("First day"), widget=DateInput)
    last_day = forms.DateField(label=_("Last day"), widget=DateInput, help_text=_("The same as the first day for a single day."))

    def __init__(self, *args, first_day_was=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.first_day_was = first_day_was
        if not self.is_bound and "first_day" not in self.initial:
            self.initial["first_day"] = self.initial["last_day"] = timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        fields = ("title", "text", "first_day", "last_day")
        if all(cleaned.get(field) for field in fields):
            problems = announcement_problems(**{field: cleaned[field] for field in fields}, first_day_was=self.first_day_was)
            for field, message in problems.items():
                self.add_error(field, message)
        return cleaned


class AdminAnnouncementForm(AnnouncementForm):
    """An admin's new announcement: to the messes chosen, or to every active mess; a group admin's,
    among the messes of their groups (`scope`, their ids; None: every mess)."""

    messes = forms.ModelMultipleChoiceField(
        label=_("Messes"), queryset=Mess.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    all_messes = forms.BooleanField(label=_("Every mess"), required=False, help_text=_("Posts it to every active mess."))

    field_order = ["messes", "all_messes", "title", "text", "first_day", "last_day"]

    def __init__(self, *args, mess: Mess, scope: frozenset[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = Mess.objects.all() if scope is None else Mess.objects.filter(pk__in=scope)
        if scope is not None:
            self.fields["all_messes"].label = _("Every mess of my groups")
        self.fields["messes"].queryset = self.scope.filter(Q(is_active=True) | Q(pk=mess.pk)).order_by("name")
        if not self.is_bound:
            self.initial["messes"] = [mess.pk]

    def chosen_messes(self) -> list[Mess]:
        if self.cleaned_data.get("all_messes"):
            return list(self.scope.filter(is_active=True).order_by("name"))
        return list(self.cleaned_data.get("messes") or [])

    def clean(self):
        cleaned = super().clean()
        if "messes" not in self.errors and not cleaned.get("all_messes") and not cleaned.get("messes"):
            self.add_error("messes", _("Choose at least one mess, or every mess."))
        return cleaned
