"""Students' feedback in Django admin: read-only, since it is the students' own words and rating
(a changed comment would answer a reply it never had); an admin may delete an entry, a spam comment
say, through feedback_delete, which brings its day's figures up to date."""

from django.contrib import admin
from django.utils.text import Truncator

from mess.admin.base import DeleteOnlyAdmin
from mess.feedback import feedback_delete
from mess.models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(DeleteOnlyAdmin):
    list_display = [
        "date",
        "meal",
        "mess",
        "student",
        "rating",
        "category",
        "comment_summary",
        "is_critical",
        "critical_why",
        "notified_at",
    ]
    list_filter = ["is_critical", "mess", "meal", "rating", "category", "date"]
    list_select_related = ["mess", "student"]
    search_fields = ["student__username", "mess__code", "mess__name", "comment"]
    date_hierarchy = "date"

    def delete_rows(self, request, queryset):
        feedback_delete(entries=queryset)

    @admin.display(description="comment")
    def comment_summary(self, feedback):
        return Truncator(feedback.comment).chars(80)
