"""Critical-feedback notifications in Django admin, read-only: send_admin_notifications writes them
(mess/notifications.py)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mess.admin.base import ReadOnlyAdmin
from mess.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["date", "mess", "meal", "critical_count", "average_rating", "read_at", "updated_at"]
    list_filter = ["mess", "meal", "date"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name"]
    date_hierarchy = "date"
    fields = [
        "mess",
        "date",
        "meal",
        "critical_count",
        "average_rating",
        "summary",
        "digest_text",
        "comments_text",
        "created_at",
        "updated_at",
        "read_at",
    ]
    readonly_fields = fields

    # Plain strings: the read-only fields escape them and break their lines; students typed these.
    @admin.display(description=_("comments (why critical)"))
    def comments_text(self, notification):
        return "\n".join(f"{c['text']} ({c['why']})" if c.get("why") else c["text"] for c in notification.comments)

    @admin.display(description=_("digest"))
    def digest_text(self, notification):
        themes = notification.digest.get("themes", []) if notification.digest else []
        return "\n".join(f"{t['theme']}: {t['count']}, e.g. {t['example']}" for t in themes) or "-"
