"""The jobs' e-mails in Django admin (mess/emails.py): those not sent yet, how often they were
tried and the last error say what the next run will send again. Read-only; an admin may give up
e-mails not sent yet (an address that will never answer), which emails_give_up does."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mess.admin.base import ReadOnlyAdmin
from mess.emails import emails_give_up
from mess.models import OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    list_display = ["subject", "created_at", "sent_at", "attempts", "given_up_at", "last_error"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter), ("given_up_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "message_id"]
    date_hierarchy = "created_at"
    actions = ["give_up"]
    # The text body only, as for the daily reports: the HTML body quotes students' comments.
    fields = [
        "kind",
        "from_email",
        "to",
        "subject",
        "message_id",
        "text_body",
        "created_at",
        "sent_at",
        "attempts",
        "given_up_at",
        "last_error",
    ]
    readonly_fields = fields

    def has_give_up_permission(self, request):
        return request.user.has_perm("mess.change_outgoingemail")

    @admin.action(description=_("Give up sending the selected e-mails"), permissions=["give_up"])
    def give_up(self, request, queryset):
        given_up = emails_give_up(emails=queryset)
        self.message_user(
            request,
            ngettext("Gave up %(count)s e-mail not sent yet.", "Gave up %(count)s e-mails not sent yet.", given_up) % {"count": given_up},
            messages.SUCCESS,
        )
