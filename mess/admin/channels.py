"""Messages to phones in Django admin (mess/channels.py, mess/messages.py): the outbox, whose
messages not sent yet, their attempts and last error say what the next run sends again; the
browsers subscribed to Web Push; and each person's choices. Read-only; an admin may give up
messages not sent yet, which messages_give_up does."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mess.admin.base import ReadOnlyAdmin
from mess.channels import messages_give_up
from mess.models import ChannelChoice, OutgoingMessage, PushSubscription


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(ReadOnlyAdmin):
    list_display = ["title", "channel", "kind", "user", "created_at", "sent_at", "attempts", "given_up_at", "last_error"]
    list_filter = ["channel", "kind", ("sent_at", admin.EmptyFieldListFilter), ("given_up_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["title", "user__username", "key"]
    date_hierarchy = "created_at"
    actions = ["give_up"]
    fields = ["channel", "kind", "key", "user", "title", "body", "url", "created_at", "sent_at", "attempts", "given_up_at", "last_error"]
    readonly_fields = fields

    def has_give_up_permission(self, request):
        return request.user.has_perm("mess.change_outgoingmessage")

    @admin.action(description=_("Give up sending the selected messages"), permissions=["give_up"])
    def give_up(self, request, queryset):
        given_up = messages_give_up(messages=queryset)
        self.message_user(
            request,
            ngettext("Gave up %(count)s message not sent yet.", "Gave up %(count)s messages not sent yet.", given_up) % {"count": given_up},
            messages.SUCCESS,
        )


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["user", "endpoint", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "endpoint"]
    # the keys are the browser's: no one needs to read them
    fields = ["user", "endpoint", "created_at"]
    readonly_fields = fields


@admin.register(ChannelChoice)
class ChannelChoiceAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "channel", "on"]
    list_filter = ["kind", "channel", "on"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
