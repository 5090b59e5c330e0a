"""Announcements in Django admin: admins post, change and delete them under the page's rules and
through its functions (mess/announcements.py), each kept in the history, which is read-only."""

from django import forms
from django.contrib import admin

from mess.admin.base import FeatureAdmin, ReadOnlyAdmin, refusals
from mess.announcements import announcement_change, announcement_post, announcement_problems, announcements_delete
from mess.models import Announcement, AnnouncementChange


class AnnouncementForm(forms.ModelForm):
    """Checked by announcement_problems beside each field (a past first day is kept on a change, not
    set); the functions check again."""

    def clean(self):
        cleaned = super().clean()
        fields = ("title", "text", "first_day", "last_day")
        if all(cleaned.get(field) for field in fields):
            first_day_was = self.instance.first_day if self.instance.pk else None
            problems = announcement_problems(**{field: cleaned[field] for field in fields}, first_day_was=first_day_was)
            for field, message in problems.items():
                self.add_error(field, message)
        return cleaned


@admin.register(Announcement)
class AnnouncementAdmin(FeatureAdmin):
    form = AnnouncementForm
    list_display = ["title", "mess", "first_day", "last_day", "posted_by", "posted_at"]
    list_filter = ["mess"]
    list_select_related = ["mess", "posted_by"]
    search_fields = ["mess__code", "mess__name", "title", "text"]
    date_hierarchy = "first_day"

    def get_readonly_fields(self, request, obj=None):
        return ["mess"] if obj else []  # an announcement stays with its mess; post it to another instead

    def save_model(self, request, obj, form, change):
        said = {"title": obj.title, "text": obj.text, "first_day": obj.first_day, "last_day": obj.last_day}
        with refusals():
            if change:
                saved = announcement_change(mess=obj.mess, announcement_id=obj.pk, changed_by=request.user, **said)
            else:
                saved = announcement_post(messes=[obj.mess], posted_by=request.user, **said)[0]
        obj.pk = saved.pk

    def delete_rows(self, request, queryset):
        announcements_delete(announcements=queryset, deleted_by=request.user)


@admin.register(AnnouncementChange)
class AnnouncementChangeAdmin(ReadOnlyAdmin):
    """The announcements' history: who posted, changed or removed which, and what it said; written by
    mess.announcements alone."""

    list_display = ["changed_at", "mess", "action", "title_before", "title_after", "changed_by"]
    list_filter = ["mess", "action"]
    list_select_related = ["mess", "changed_by"]
    search_fields = ["mess__code", "mess__name", "title_before", "title_after", "text_before", "text_after"]
    date_hierarchy = "changed_at"
