"""The settings page's forms for messages to phones (mess/views/email_choices.py, mess/views/push.py):
which kinds a person gets on which channel, and a browser's push subscription."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mess.models import MAX_PUSH_ENDPOINT, Channel, MessageKind

KIND_HELP = {
    MessageKind.REPLY: _("When an official of your mess answers one of your comments."),
    MessageKind.ANNOUNCEMENT: _("When your mess posts a notice, such as a closed meal."),
    MessageKind.MENU_CHANGE: _("When today's menu at your mess is changed."),
    MessageKind.MENU: _("The meal's menu, a little before each meal (your mess sets how long)."),
    MessageKind.CUTOFF_REMINDER: _("An hour before you can no longer say you will skip a meal, if you have not said so."),
    MessageKind.MESS_CHANGE: _("Whether your request to change mess was granted."),
    MessageKind.CRITICAL: _("A meal's critical feedback, as in the e-mail, when you get that e-mail."),
    MessageKind.MISSING_WASTE: _("Floors that recorded no waste for a meal, when you get that e-mail."),
    MessageKind.DAILY_REPORT: _("The day's report, when you get that e-mail."),
    MessageKind.COOK_SHEET: _("A meal's cook sheet at its cut-off, when you get that e-mail."),
}


class ChannelChoicesForm(forms.Form):
    """A box per kind and channel (`kind__channel`), of the kinds a person may choose and the channels
    set up here; `rows()` gives them by kind, for the page's table."""

    def __init__(self, *args, kinds, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds, self.channels = list(kinds), list(channels)
        for kind in self.kinds:
            for channel in self.channels:
                label = _("%(kind)s by %(channel)s") % {"kind": MessageKind(kind).label, "channel": Channel(channel).label}
                self.fields[f"{kind}__{channel}"] = forms.BooleanField(label=label, required=False)

    def rows(self) -> list[tuple[str, str, list]]:
        """(the kind's label, its help, its boxes by channel) for each kind."""
        return [
            (MessageKind(kind).label, KIND_HELP[kind], [self[f"{kind}__{channel}"] for channel in self.channels]) for kind in self.kinds
        ]

    def column_labels(self) -> list[str]:
        return [Channel(channel).label for channel in self.channels]

    def choices(self) -> dict[tuple[str, str], bool]:
        """What was chosen, by (kind, channel)."""
        return {tuple(name.split("__", 1)): value for name, value in self.cleaned_data.items()}


def channel_initial(choices: dict[tuple[str, str], bool]) -> dict[str, bool]:
    return {f"{kind}__{channel}": on for (kind, channel), on in choices.items()}


class PushSubscriptionForm(forms.Form):
    """What a browser hands over when it subscribes (static/js/push.js posts it)."""

    endpoint = forms.CharField(max_length=MAX_PUSH_ENDPOINT)
    p256dh = forms.CharField(max_length=200, required=False)
    auth = forms.CharField(max_length=100, required=False)
