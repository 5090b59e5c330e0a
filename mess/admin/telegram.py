"""Telegram links in Django admin: people link their own chat (/settings/telegram/), so admins read
who is linked since when and may unlink a chat, through mess/telegram.py. The codes are not shown:
a code shown to another person could link their chat to its owner's account."""

from django.contrib import admin

from mess.admin.base import DeleteOnlyAdmin
from mess.models import TelegramLink
from mess.telegram import telegram_links_delete


@admin.register(TelegramLink)
class TelegramLinkAdmin(DeleteOnlyAdmin):
    list_display = ["user", "chat_id", "linked_at", "code_expires"]
    list_filter = [("chat_id", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = ["user", "chat_id", "linked_at", "code_expires"]
    readonly_fields = fields

    def delete_rows(self, request, queryset):
        telegram_links_delete(links=queryset)
