"""A mess's announcements, for its officials and the admins: posting one (an admin to several
messes, or all), changing and removing one, and their history (the rules are in
mess/announcements.py). The students' page and the public menu show them (mess/views/feedback.py,
mess/views/menus.py)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from mess.announcements import (
    AnnouncementRefused,
    announcement_change,
    announcement_changes_of,
    announcement_post,
    announcement_remove,
    announcements_of_mess,
)
from mess.context_processors import request_access
from mess.forms.announcements import AdminAnnouncementForm, AnnouncementForm
from mess.models import Announcement, Mess
from mess.views.access import mess_page

HISTORY_SHOWN = 20  # changes of the announcements the page lists, newest first


def _refusals(form, refused: AnnouncementRefused) -> None:
    for field, message in refused.errors.items():
        form.add_error(field if field in form.fields else None, message)


@mess_page
def announcements(request, code):
    mess = get_object_or_404(Mess, code=code)
    access = request_access(request)
    by_admin = access.sees_overview  # a group admin posts to their groups' messes as an admin to all
    Form, kwargs = (AdminAnnouncementForm, {"mess": mess, "scope": access.mess_ids}) if by_admin else (AnnouncementForm, {})
    if request.method == "POST":
        form = Form(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                posted = announcement_post(
                    messes=form.chosen_messes() if by_admin else [mess],
                    title=data["title"],
                    text=data["text"],
                    first_day=data["first_day"],
                    last_day=data["last_day"],
                    posted_by=request.user,
                )
            except AnnouncementRefused as refused:  # the day turned over meanwhile
                _refusals(form, refused)
            else:
                where = ", ".join(a.mess.name for a in posted)
                messages.success(request, _("Posted the announcement to %(messes)s.") % {"messes": where})
                return redirect("mess:announcements", code=mess.code)
    else:
        form = Form(**kwargs)
    coming, past = announcements_of_mess(mess=mess)
    context = {
        "mess": mess,
        "form": form,
        "coming": coming,
        "past": past,
        "history": announcement_changes_of(mess=mess)[:HISTORY_SHOWN],
        "by_admin": by_admin,
    }
    return render(request, "mess/announcements/announcements.html", context)


@mess_page
def announcement_edit(request, code, pk):
    mess = get_object_or_404(Mess, code=code)
    announcement = get_object_or_404(Announcement, pk=pk, mess=mess)
    if request.method == "POST":
        form = AnnouncementForm(request.POST, first_day_was=announcement.first_day)
        if form.is_valid():
            data = form.cleaned_data
            try:
                announcement_change(
                    mess=mess,
                    announcement_id=announcement.pk,
                    title=data["title"],
                    text=data["text"],
                    first_day=data["first_day"],
                    last_day=data["last_day"],
                    changed_by=request.user,
                )
            except Announcement.DoesNotExist:  # removed meanwhile
                raise Http404("No such announcement.") from None
            except AnnouncementRefused as refused:
                _refusals(form, refused)
            else:
                messages.success(request, _("Changed the announcement “%(title)s”.") % {"title": data["title"]})
                return redirect("mess:announcements", code=mess.code)
    else:
        fields = ("title", "text", "first_day", "last_day")
        form = AnnouncementForm(initial={f: getattr(announcement, f) for f in fields}, first_day_was=announcement.first_day)
    return render(request, "mess/announcements/edit.html", {"mess": mess, "announcement": announcement, "form": form})


@mess_page
def announcement_delete(request, code, pk):
    """GET asks to confirm; only a POST removes."""
    mess = get_object_or_404(Mess, code=code)
    if request.method == "POST":
        try:
            announcement = announcement_remove(mess=mess, announcement_id=pk, removed_by=request.user)
        except Announcement.DoesNotExist:
            raise Http404("No such announcement.") from None
        removed = _("Removed the announcement “%(title)s”. The history keeps what it said.")
        messages.success(request, removed % {"title": announcement.title})
        return redirect("mess:announcements", code=mess.code)
    announcement = get_object_or_404(Announcement.objects.select_related("posted_by"), pk=pk, mess=mess)
    return render(request, "mess/announcements/delete.html", {"mess": mess, "announcement": announcement})
