"""Telegram: which chat of the mess's bot is whose, and where the bot is in its stream of updates
(mess/telegram.py holds the rules)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TelegramLink(models.Model):
    """A person's Telegram chat with the bot, and the one-time code that links it. One row per
    person: asking for a code makes or updates it; sending the code to the bot fills `chat_id` and
    clears the code; "stop" (or Unlink on the page) deletes it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_link", verbose_name=_("user"))
    # Empty until the code comes back from a chat; one chat is one person's (unique; NULLs repeat).
    chat_id = models.BigIntegerField(_("Telegram chat"), null=True, blank=True, unique=True)
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)
    # The code the person sends to the bot (empty once used); unique, so that a code names one person.
    code = models.CharField(_("code"), max_length=16, null=True, blank=True, unique=True)
    code_expires = models.DateTimeField(_("code expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram link")
        verbose_name_plural = _("Telegram links")

    def __str__(self):
        return f"{self.user.get_username()} ↔ {self.chat_id or '-'}"


class TelegramBot(models.Model):
    """The bot's own state, one row (pk 1): the last update it handled (getUpdates' offset is the
    next one), saved in the transaction that handles it, so that each update is handled once; and
    until when Telegram asked it to send nothing (a 429's retry_after)."""

    update_id = models.BigIntegerField(_("last update handled"), default=0)
    quiet_until = models.DateTimeField(_("sends nothing until"), null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram bot")
        verbose_name_plural = _("Telegram bot")

    def __str__(self):
        return f"update {self.update_id}"
