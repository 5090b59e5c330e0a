"""Announcements: a notice a mess's officials (or an admin) post for its students, shown at the top
of the students' page and of the mess's public menu on the days it runs; and their history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mess.models.messes import Mess
from mess.text import validate_typed_text

MAX_ANNOUNCEMENT_TITLE = 120  # characters of an announcement's title
MAX_ANNOUNCEMENT_TEXT = 1000  # characters of an announcement's text


class Announcement(models.Model):
    """A notice to the students of `mess` ("Closed Sunday dinner for pest control"), shown from
    `first_day` to `last_day`, both included. Written by mess.announcements alone."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="announcements")
    title = models.CharField(max_length=MAX_ANNOUNCEMENT_TITLE, validators=[validate_typed_text])
    text = models.TextField(max_length=MAX_ANNOUNCEMENT_TEXT, validators=[validate_typed_text])
    first_day = models.DateField()
    last_day = models.DateField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    posted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-first_day", "-posted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(first_day__lte=models.F("last_day")), name="announcement_first_day_not_after_last")
        ]
        # announcements_shown: a mess's announcements running on a day
        indexes = [models.Index(fields=["mess", "last_day", "first_day"], name="announcement_mess_days")]

    def __str__(self):
        return f"{self.mess.code}: {self.title}"


class AnnouncementChange(models.Model):
    """One announcement posted, changed or removed: by whom, when, and what it said before and after
    (empty where there was nothing). Kept on its own, so that what the students were told, and by
    whom, stays on record when an announcement is removed; the mess's officials read it."""

    class Action(models.TextChoices):
        ADDED = "added", _("Posted")
        CHANGED = "changed", _("Changed")
        REMOVED = "removed", _("Removed")

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="announcement_changes")
    announcement_id = models.PositiveIntegerField()  # not a key: the history outlives the announcement
    action = models.CharField(max_length=16, choices=Action.choices)
    title_before = models.CharField(max_length=MAX_ANNOUNCEMENT_TITLE, blank=True)
    text_before = models.TextField(blank=True)
    first_day_before = models.DateField(null=True, blank=True)
    last_day_before = models.DateField(null=True, blank=True)
    title_after = models.CharField(max_length=MAX_ANNOUNCEMENT_TITLE, blank=True)
    text_after = models.TextField(blank=True)
    first_day_after = models.DateField(null=True, blank=True)
    last_day_after = models.DateField(null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        # announcement_changes_of: a mess's history, newest first
        indexes = [models.Index(fields=["mess", "changed_at"], name="announcementchange_mess_at")]

    def __str__(self):
        return f"{self.mess.code} announcement {self.get_action_display().lower()} at {self.changed_at:%Y-%m-%d %H:%M}"
