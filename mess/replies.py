"""Replies to students: from the notifications inbox, an official of the mess or an admin answers a
critical comment, and the student reads the answer under their comment on their feedback page.
A reply is text someone typed, checked and escaped like the comments themselves. A student who
chose it (it is on by default) also gets the first reply to each comment on their phone
(mess/messages.py)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from mess.messages import messages_store
from mess.models import MAX_COMMENT, Feedback, Mess, MessageKind, Notification
from mess.text import typed_text
from mess.triage import CRITICAL_FEEDBACK


def feedback_reply(*, mess: Mess, feedback_id: int, reply: str, replied_by) -> None:
    """Stores `reply`, stripped, as the answer to the critical entry `feedback_id` of `mess` that has
    a comment, with who replied and when; a second reply replaces the first. Raises
    ValueError, changing nothing, for an empty reply, one longer than MAX_COMMENT characters or one
    holding a control character (see typed_text); Feedback.DoesNotExist when `mess` has no such
    critical entry with a comment (another mess's entry included). The notification of the comment's
    meal is marked read: whoever answers a comment has read it. The student, unless anonymised,
    is told on the channels they chose for replies, once per comment (messages_store)."""
    try:
        reply = typed_text(reply).strip()
    except ValueError as error:
        raise ValueError(gettext("the reply %(problem)s") % {"problem": error}) from None
    if not reply:
        raise ValueError(gettext("the reply is empty"))
    if len(reply) > MAX_COMMENT:
        raise ValueError(gettext("the reply is longer than %(most)s characters") % {"most": MAX_COMMENT})
    with transaction.atomic():
        replied = (
            Feedback.objects.filter(CRITICAL_FEEDBACK, pk=feedback_id, mess=mess)
            .exclude(comment="")
            .update(reply=reply, replied_by=replied_by, replied_at=timezone.now())
        )
        if not replied:
            raise Feedback.DoesNotExist(f"{mess.code} has no critical comment {feedback_id}")
        date, meal, student_id = Feedback.objects.filter(pk=feedback_id).values_list("date", "meal", "student_id").get()
        Notification.objects.filter(mess=mess, date=date, meal=meal, read_at__isnull=True).update(read_at=timezone.now())
        # The student hears of the first reply on their phone; a corrected reply is read on the page.
        messages_store(
            kind=MessageKind.REPLY,
            key=str(feedback_id),
            users=[student_id] if student_id else [],
            title=gettext_lazy("The mess replied to your comment"),
            body=reply,
            url=reverse("mess:feedback"),
        )
