"""An official's reply to a student's critical comment (mess/replies.py), posted from the inbox or
from a notification's own page, for the mess's officials and the admins: saved, it goes back to the
page it came from; refused, that page is shown again with the error beside the comment."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mess.forms.replies import ReplyForm
from mess.models import Feedback
from mess.replies import feedback_reply
from mess.views.access import mess_page
from mess.views.dashboard import dashboard_render
from mess.views.notifications import back_to, inbox_page, mess_with_inbox, notification_comments_render


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
            # said beside the comment, where the page lands, not in a banner at the top out of sight
            inbox = reverse("mess:notifications", kwargs={"code": code})
            back = back_to(request, inbox)
            anchor = "critical" if request.POST.get("from") == "dashboard" else "feedback"  # the dashboard lists it apart from the inbox
            return redirect(f"{back}{'&' if '?' in back else '?'}replied={pk}#{anchor}-{pk}")
    if not Feedback.objects.filter(pk=pk, mess=mess).exists():
        raise Http404("No such comment.")
    back = back_to(request, reverse("mess:notifications", kwargs={"code": code}))
    if request.POST.get("from") == "dashboard":  # the dashboard again, the error beside the comment
        return dashboard_render(request, mess=mess, posted=(pk, form))
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
    return render(request, "mess/notifications/notifications.html", {"mess": mess, "page": page, "back": back})
