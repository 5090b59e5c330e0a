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

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="announcements", verbose_name=_("mess"))
    title = models.CharField(max_length=MAX_ANNOUNCEMENT_TITLE, validators=[validate_typed_text], verbose_name=_("title"))
    text = models.TextField(max_length=MAX_ANNOUNCEMENT_TEXT, validators=[validate_typed_text], verbose_name=_("text"))
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("posted by"),
    )
    posted_at = models.DateTimeField(auto_now_add=True, verbose_name=_("posted at"))

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
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

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="announcement_changes", verbose_name=_("mess"))
    announcement_id = models.PositiveIntegerField(_("announcement id"))  # not a key: the history outlives the announcement
    action = models.CharField(max_length=16, choices=Action.choices, verbose_name=_("action"))
    title_before = models.CharField(max_length=MAX_ANNOUNCEMENT_TITLE, blank=True, verbose_name=_("title before"))
    text_before = models.TextField(blank=True, verbose_name=_("text before"))
    first_day_before = models.DateField(null=True, blank=True, verbose_name=_("first day before"))
    last_day_before = models.DateField(null=True, blank=True, verbose_name=_("last day before"))
    title_after = models.CharField(max_length=MAX_ANNOUNCEMENT_TITLE, blank=True, verbose_name=_("title after"))
    text_after = models.TextField(blank=True, verbose_name=_("text after"))
    first_day_after = models.DateField(null=True, blank=True, verbose_name=_("first day after"))
    last_day_after = models.DateField(null=True, blank=True, verbose_name=_("last day after"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(auto_now_add=True, verbose_name=_("changed at"))

    class Meta:
        verbose_name = _("announcement change")
        verbose_name_plural = _("announcement changes")
        ordering = ["-changed_at", "-id"]
        # announcement_changes_of: a mess's history, newest first
        indexes = [models.Index(fields=["mess", "changed_at"], name="announcementchange_mess_at")]

    def __str__(self):
        return f"{self.mess.code} announcement {self.get_action_display().lower()} at {self.changed_at:%Y-%m-%d %H:%M}"
