"""Announcements: notices a mess's officials post for its students ("Closed Sunday dinner for pest
control"), shown at the top of the students' page and of the mess's public menu from their first
day to their last; an admin posts one to several messes, or all, at once.

An announcement has a title of at most MAX_ANNOUNCEMENT_TITLE characters and a text of at most
MAX_ANNOUNCEMENT_TEXT, both typed text (mess/text.py: no control or invisible format character). It
runs from its first day to its last, both included: a new one starts today or later, and none ends
more than AHEAD days from today. Every announcement posted, changed or removed is kept in a history
(AnnouncementChange) the mess's officials read."""

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from mess.messages import messages_store, students_of
from mess.models import MAX_ANNOUNCEMENT_TEXT, MAX_ANNOUNCEMENT_TITLE, Announcement, AnnouncementChange, Mess, MessageKind
from mess.refusals import Refused
from mess.text import typed_text

AHEAD = 366  # days from today an announcement may run until at the latest
PAST_SHOWN = 20  # announcements that have ended the page lists, the latest first


class AnnouncementRefused(Refused):
    """An announcement that cannot be posted or changed; `errors` says why, by field."""


def announcement_problems(
    *,
    title: str,
    text: str,
    first_day: datetime.date,
    last_day: datetime.date,
    first_day_was: datetime.date | None = None,
) -> dict[str, str]:
    """What is wrong with an announcement saying `title` and `text` from `first_day` to `last_day`,
    by field (`title`, `text`, `first_day`, `last_day`): none when it may be posted. Both texts are
    given and typed text, within their lengths; the last day is not before the first, nor more than
    AHEAD days from today; the first day is today or later, but for a change that keeps the first
    day it had (`first_day_was`). No query."""
    problems = {}
    for field, value, longest in (("title", title, MAX_ANNOUNCEMENT_TITLE), ("text", text, MAX_ANNOUNCEMENT_TEXT)):
        try:
            value = typed_text(value).strip()
        except ValueError as error:
            problems[field] = _("The text %(error)s; write it again without it.") % {"error": error}
            continue
        if not value:
            problems[field] = _("This field is required.")
        elif len(value) > longest:
            problems[field] = _("At most %(longest)d characters; this has %(n)d.") % {"longest": longest, "n": len(value)}
    today = timezone.localdate()
    if first_day < today and first_day != first_day_was:
        problems["first_day"] = _("%(day)s has passed: an announcement starts today or later.") % {
            "day": date_format(first_day, "DATE_FORMAT")
        }
    if last_day < first_day:
        problems["last_day"] = _("The last day is before the first day.")
    elif last_day > today + datetime.timedelta(days=AHEAD):
        latest = today + datetime.timedelta(days=AHEAD)
        problems["last_day"] = _("An announcement runs at most a year ahead, until %(day)s.") % {"day": date_format(latest, "DATE_FORMAT")}
    return problems


def _checked(*, title: str, text: str, first_day, last_day, first_day_was=None) -> tuple[str, str]:
    problems = announcement_problems(title=title, text=text, first_day=first_day, last_day=last_day, first_day_was=first_day_was)
    if problems:
        raise AnnouncementRefused(problems)
    return typed_text(title).strip(), typed_text(text).strip()


def announcement_post(
    *,
    messes: list[Mess],
    title: str,
    text: str,
    first_day: datetime.date,
    last_day: datetime.date,
    posted_by=None,
) -> list[Announcement]:
    """Posts the announcement to each of `messes` (one announcement per mess, each changed or removed
    on its own), each kept in the history by `posted_by`, and returns them. The students of each
    mess who chose announcements are told on their channels, once (messages_store). Raises
    AnnouncementRefused (see announcement_problems; `messes` for none), and posts none then."""
    if not messes:
        raise AnnouncementRefused({"messes": _("Choose at least one mess.")})
    title, text = _checked(title=title, text=text, first_day=first_day, last_day=last_day)
    with transaction.atomic():
        posted = []
        for mess in messes:
            announcement = Announcement.objects.create(
                mess=mess, title=title, text=text, first_day=first_day, last_day=last_day, posted_by=posted_by
            )
            _history(announcement=announcement, before=None, changed_by=posted_by)
            posted.append(announcement)
            # Its students who chose announcements hear of it once, when it is posted: an edit is
            # read on the pages (the key is the announcement's own).
            messages_store(
                kind=MessageKind.ANNOUNCEMENT,
                key=str(announcement.pk),
                users=students_of(mess_ids=[mess.pk]),
                title=announcement.title,
                body=announcement.text,
                url=reverse("mess:feedback"),
            )
    return posted


def announcement_change(
    *,
    mess: Mess,
    announcement_id: int,
    title: str,
    text: str,
    first_day: datetime.date,
    last_day: datetime.date,
    changed_by=None,
) -> Announcement:
    """Changes what announcement `announcement_id` of `mess` says and when it runs, keeps what it
    said before and after in the history, and returns it. Its first day may stay in the past (it has
    been running); a new past first day is refused. Raises Announcement.DoesNotExist for no such
    announcement of `mess`, AnnouncementRefused (see announcement_problems), and changes nothing then."""
    with transaction.atomic():
        announcement = Announcement.objects.select_for_update().get(pk=announcement_id, mess=mess)
        title, text = _checked(title=title, text=text, first_day=first_day, last_day=last_day, first_day_was=announcement.first_day)
        before = _said(announcement)
        announcement.title, announcement.text, announcement.first_day, announcement.last_day = title, text, first_day, last_day
        announcement.save()
        _history(announcement=announcement, before=before, changed_by=changed_by)
    return announcement


def announcement_remove(*, mess: Mess, announcement_id: int, removed_by=None) -> Announcement:
    """Removes announcement `announcement_id` of `mess` (the pages stop showing it at once), keeps
    what it said in the history, and returns it. Raises Announcement.DoesNotExist for no such
    announcement of `mess`."""
    with transaction.atomic():
        announcement = Announcement.objects.select_for_update().get(pk=announcement_id, mess=mess)
        Announcement.objects.filter(pk=announcement.pk).delete()  # the instance keeps its id for the history
        _history(announcement=announcement, before=_said(announcement), changed_by=removed_by, removed=True)
    return announcement


def announcements_delete(*, announcements: QuerySet[Announcement], deleted_by=None) -> int:
    """Removes `announcements` (an admin's deletion), each kept in the history. Returns how many."""
    with transaction.atomic():
        removed = list(announcements.select_for_update())
        Announcement.objects.filter(pk__in=[a.pk for a in removed]).delete()
        for announcement in removed:
            _history(announcement=announcement, before=_said(announcement), changed_by=deleted_by, removed=True)
    return len(removed)


def _said(announcement: Announcement) -> tuple:
    return (announcement.title, announcement.text, announcement.first_day, announcement.last_day)


def _history(*, announcement: Announcement, before: tuple | None, changed_by, removed: bool = False) -> AnnouncementChange:
    Action = AnnouncementChange.Action
    action = Action.ADDED if before is None else Action.REMOVED if removed else Action.CHANGED
    title_before, text_before, first_before, last_before = before or ("", "", None, None)
    title_after, text_after, first_after, last_after = ("", "", None, None) if removed else _said(announcement)
    return AnnouncementChange.objects.create(
        mess_id=announcement.mess_id,
        announcement_id=announcement.pk,
        action=action,
        title_before=title_before,
        text_before=text_before,
        first_day_before=first_before,
        last_day_before=last_before,
        title_after=title_after,
        text_after=text_after,
        first_day_after=first_after,
        last_day_after=last_after,
        changed_by=changed_by,
    )


def announcements_shown(*, mess_id: int, day: datetime.date) -> list[Announcement]:
    """The announcements of mess `mess_id` running on `day`, the newest posted first: what its
    students' page and public menu show that day. One query."""
    running = Announcement.objects.filter(mess_id=mess_id, first_day__lte=day, last_day__gte=day)
    return list(running.order_by("-posted_at", "-id"))


def announcements_of_mess(*, mess: Mess) -> tuple[list[Announcement], list[Announcement]]:
    """The announcements of `mess` for its officials' page: those running or still to come, by first
    day, and the PAST_SHOWN that ended last, the latest first. Two queries."""
    today = timezone.localdate()
    of_mess = Announcement.objects.filter(mess=mess).select_related("posted_by")
    coming = list(of_mess.filter(last_day__gte=today).order_by("first_day", "-posted_at", "-id"))
    past = list(of_mess.filter(last_day__lt=today).order_by("-last_day", "-posted_at", "-id")[:PAST_SHOWN])
    return coming, past


def announcement_changes_of(*, mess: Mess) -> QuerySet[AnnouncementChange]:
    """The announcements' history of `mess`, newest first, with who made each change."""
    return AnnouncementChange.objects.filter(mess=mess).select_related("changed_by").order_by("-changed_at", "-id")
