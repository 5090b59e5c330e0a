"""Messages that reach a phone (mess/channels.py, mess/messages.py): what each person chose to get on
which channel, the browsers that subscribed to Web Push, and the outbox of messages stored before
they are sent."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mess.models.outputs import Outbox

MAX_PUSH_ENDPOINT = 700  # characters: push services' URLs are a few hundred; 700 × 4 bytes still fits MariaDB's unique index


class Channel(models.TextChoices):
    """The ways besides e-mail that ManageIt tells a person something."""

    PUSH = "push", _("Web Push")
    TELEGRAM = "telegram", _("Telegram")


class MessageKind(models.TextChoices):
    """What a message is about: each person chooses, kind by kind and channel by channel, what they get."""

    REPLY = "reply", _("A reply to my comment")
    ANNOUNCEMENT = "announcement", _("Announcements")
    MENU_CHANGE = "menu_change", _("A change to today's menu")
    MENU = "menu", _("The menu before each meal")
    CUTOFF_REMINDER = "cutoff_reminder", _("A reminder before a meal's cut-off")
    MESS_CHANGE = "mess_change", _("The answer to my mess change request")
    # the officials' and admins' e-mails, on their phones too (mess/emails.py `emails_store(also_as=)`)
    CRITICAL = "critical", _("Critical feedback")
    MISSING_WASTE = "missing_waste", _("Missing-waste reminders")
    DAILY_REPORT = "daily_report", _("Daily reports")
    COOK_SHEET = "cook_sheet", _("Cook sheets")


class ChannelChoice(models.Model):
    """Whether `user` gets messages of `kind` on `channel`. No row: the kind's default
    (mess.messages.KIND_DEFAULTS: only a reply to one's comment is on)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_choices", verbose_name=_("user"))
    kind = models.CharField(max_length=32, choices=MessageKind.choices, verbose_name=_("kind"))
    channel = models.CharField(max_length=16, choices=Channel.choices, verbose_name=_("channel"))
    on = models.BooleanField(_("on"))

    class Meta:
        verbose_name = _("channel choice")
        verbose_name_plural = _("channel choices")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="channelchoice_one_per_kind_channel"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="channelchoice_channel_valid"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind} {self.channel}: {'on' if self.on else 'off'}"


class PushSubscription(models.Model):
    """A browser that agreed to show `user` ManageIt's notifications: where its push service takes
    them (`endpoint`) and the keys each message is encrypted with. Removed when the person turns
    notifications off there, or when the push service answers 404 or 410 (the browser is gone)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions", verbose_name=_("user"))
    endpoint = models.CharField(max_length=MAX_PUSH_ENDPOINT, unique=True, verbose_name=_("endpoint"))
    p256dh = models.CharField(max_length=200, verbose_name=_("browser's public key"))
    auth = models.CharField(max_length=100, verbose_name=_("authentication secret"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        ordering = ["user_id", "created_at", "id"]

    def __str__(self):
        return f"{self.user_id}: {self.endpoint[:60]}"


class OutgoingMessage(Outbox):
    """One message to one person on one channel, stored before it is first sent and sent as stored
    (mess/channels.py). Stored once whatever produces it twice: (channel, user, kind, key) is unique,
    `key` naming what it tells of (the feedback replied to, the announcement)."""

    channel = models.CharField(max_length=16, choices=Channel.choices, verbose_name=_("channel"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outgoing_messages", verbose_name=_("user"))
    kind = models.CharField(max_length=32, choices=MessageKind.choices, verbose_name=_("kind"))
    key = models.CharField(max_length=100, verbose_name=_("key"))
    title = models.CharField(max_length=255, verbose_name=_("title"))
    body = models.TextField(blank=True, verbose_name=_("body"))
    url = models.CharField(max_length=500, blank=True, help_text=_("The page it opens."), verbose_name=_("link"))
    given_up_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the channel had refused it for good often enough, or its address was gone, to stop trying."),
        verbose_name=_("given up at"),
    )

    class Meta(Outbox.Meta):
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        constraints = [
            models.UniqueConstraint(fields=["channel", "user", "kind", "key"], name="outgoingmessage_once"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="outgoingmessage_channel_valid"),
        ]
        # each run: WHERE sent_at IS NULL AND given_up_at IS NULL ORDER BY created_at
        indexes = [models.Index(fields=["sent_at", "given_up_at", "created_at"], name="outgoingmessage_unsent")]

    def __str__(self):
        return f"{self.title} ({self.channel}, {self.state})"
