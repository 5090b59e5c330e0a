"""One notification's own page: every critical comment of its meal, paged, each with a form to reply
(the inbox shows the newest MAX_COMMENTS of each notification), for the mess's officials and the
admins."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from mess.forms.replies import ReplyForm
from mess.models import Mess, Notification
from mess.notifications import notification_comments
from mess.views.access import mess_page


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
    return render(request, "mess/notification.html", {"mess": mess, "notification": notification, "page": page, "back": back})


@mess_page
def notification(request, code, pk):
    mess = get_object_or_404(Mess, code=code)
    return notification_comments_render(request, mess=mess, notification_id=pk, number=request.GET.get("page"))
