"""A mess's notifications inbox, page by page, for its officials and the admins, and their replies to
the students' critical comments."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mess.forms.replies import ReplyForm
from mess.models import Feedback, Mess
from mess.notifications import mess_for_dashboard, notifications_page
from mess.replies import feedback_reply
from mess.views.access import mess_page
from mess.views.notification_comments import notification_comments_render


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
    return render(request, "mess/notifications.html", {"mess": mess, "page": page})


@mess_page
@require_POST
def reply(request, code, pk):
    mess = mess_with_inbox(code)
    form = ReplyForm(request.POST, auto_id=f"id_reply_{pk}_%s")
    if form.is_valid():
        try:
            feedback_reply(mess=mess, feedback_id=pk, reply=form.cleaned_data["reply"], replied_by=request.user)
        except Feedback.DoesNotExist:
            raise Http404("No such comment.") from None
        except ValueError as error:
            form.add_error("reply", f"{str(error)[0].upper()}{str(error)[1:]}.")
        else:
            messages.success(request, "Reply saved: the student sees it under their comment.")
            inbox = reverse("mess:notifications", kwargs={"code": code})
            return redirect(f"{back_to(request, inbox)}#feedback-{pk}")
    if not Feedback.objects.filter(pk=pk, mess=mess).exists():
        raise Http404("No such comment.")
    back = back_to(request, reverse("mess:notifications", kwargs={"code": code}))
    notification_id = request.POST.get("notification", "")
    if notification_id:  # posted from a notification's own page: that page again, the error beside the comment
        if not notification_id.isdigit():
            raise Http404("No such notification.")
        return notification_comments_render(
            request, mess=mess, notification_id=int(notification_id), number=request.POST.get("page"), posted=(pk, form), back=back
        )
    # The inbox's page it was posted from again, with the error beside the comment; its forms go
    # back where this one would have.
    page = inbox_page(mess=mess, number=request.POST.get("page"), posted=(pk, form))
    return render(request, "mess/notifications.html", {"mess": mess, "page": page, "back": back})
