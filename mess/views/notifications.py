"""A mess's notifications (mess/notifications.py), for its officials and the admins: the inbox, page
by page; one notification's own page, with every critical comment of its meal, paged (the inbox shows
the newest MAX_COMMENTS of each); and marking one or all of them read. Each comment comes with a form
to reply, which posts to mess/views/replies.py."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from mess.forms.replies import ReplyForm
from mess.models import Mess, Notification
from mess.notifications import (
    mess_for_dashboard,
    notification_comments,
    notification_mark_read,
    notifications_mark_all_read,
    notifications_page,
)
from mess.views.access import mess_page


def mess_with_inbox(code: str) -> Mess:
    """The mess with this code and its notifications counted (see mess_for_dashboard), or 404."""
    try:
        return mess_for_dashboard(code=code)
    except Mess.DoesNotExist:
        raise Http404("No such mess.") from None


def inbox_page(*, mess: Mess, number, posted: tuple[int, ReplyForm] | None = None):
    """The inbox's page `number` of `mess`, with a reply form beside each comment: the form just
    posted, with its errors, for the comment `posted` names."""
    page = notifications_page(mess=mess, number=number)
    for notification in page.object_list:
        for entry in notification.entries:
            if posted is not None and posted[0] == entry.pk:
                entry.reply_form = posted[1]
                notification.open = True  # its <details> shows the error
            else:
                entry.reply_form = ReplyForm(initial={"reply": entry.reply}, auto_id=f"id_reply_{entry.pk}_%s")
    return page


def notification_comments_render(
    request, *, mess: Mess, notification_id: int, number, posted: tuple[int, ReplyForm] | None = None, back: str | None = None
):
    """The page `number` of the comments of notification `notification_id` of `mess` (404 when it has
    none such), with a reply form beside each: the form just posted, with its errors, for the
    comment `posted` names; the forms go back to `back` (by default this page)."""
    try:
        notification, page = notification_comments(mess=mess, notification_id=notification_id, number=number)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None
    for entry in page.object_list:
        if posted is not None and posted[0] == entry.pk:
            entry.reply_form = posted[1]
        else:
            entry.reply_form = ReplyForm(initial={"reply": entry.reply}, auto_id=f"id_reply_{entry.pk}_%s")
    return render(request, "mess/notifications/notification.html", {"mess": mess, "notification": notification, "page": page, "back": back})


def back_to(request, fallback: str) -> str:
    """Where a form posted from a page sends its user back: the page it came from (`next`), when
    that is a page of this site, or `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@mess_page
def notifications(request, code):
    mess = mess_with_inbox(code)
    page = inbox_page(mess=mess, number=request.GET.get("page"))
    return render(request, "mess/notifications/notifications.html", {"mess": mess, "page": page})


@mess_page
def notification(request, code, pk):
    mess = get_object_or_404(Mess, code=code)
    return notification_comments_render(request, mess=mess, notification_id=pk, number=request.GET.get("page"))


@mess_page
@require_POST
def notification_read(request, code, pk):
    mess = get_object_or_404(Mess, code=code)
    try:
        notification_mark_read(mess=mess, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None
    return redirect(back_to(request, reverse("mess:dashboard", kwargs={"code": code})) + "#notifications")


@mess_page
@require_POST
def notifications_read_all(request, code):
    mess = get_object_or_404(Mess, code=code)
    n = notifications_mark_all_read(mess=mess)
    messages.success(request, ngettext("Marked %(n)s notification as read.", "Marked %(n)s notifications as read.", n) % {"n": n})
    return redirect(back_to(request, reverse("mess:dashboard", kwargs={"code": code})) + "#notifications")
