"""Students' feedback in Django admin: read-only, since it is the students' own words and rating
(a changed comment would answer a reply it never had); an admin may delete an entry, a spam comment
say, through feedback_delete, which brings its day's figures up to date. Who wrote an entry is shown
only to those who may see who wrote feedback (mess.feedback_privacy); the log of the exports with
names is read-only."""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from mess.admin.base import DeleteOnlyAdmin, ReadOnlyAdmin
from mess.feedback import feedback_delete
from mess.feedback_privacy import may_see_feedback_authors
from mess.models import Feedback, FeedbackNamedExport


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

    def get_list_display(self, request):
        return [f for f in self.list_display if f != "student" or may_see_feedback_authors(request.user)]

    def get_search_fields(self, request):
        return [f for f in self.search_fields if not f.startswith("student") or may_see_feedback_authors(request.user)]

    def get_exclude(self, request, obj=None):
        return [] if may_see_feedback_authors(request.user) else ["student"]

    def get_list_select_related(self, request):
        return [f for f in self.list_select_related if f != "student" or may_see_feedback_authors(request.user)]

    def delete_rows(self, request, queryset):
        feedback_delete(entries=queryset)

    @admin.display(description=_("comment"))
    def comment_summary(self, feedback):
        return Truncator(feedback.comment).chars(80)


@admin.register(FeedbackNamedExport)
class FeedbackNamedExportAdmin(ReadOnlyAdmin):
    list_display = ["exported_at", "exported_by", "mess", "start", "end", "rows"]
    list_filter = ["mess", "exported_at"]
    list_select_related = ["exported_by", "mess"]
    search_fields = ["exported_by__username"]
    date_hierarchy = "exported_at"
