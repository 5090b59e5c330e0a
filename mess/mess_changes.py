"""Changing mess. Admins open a window (its first and last day) with how many students each mess
can take in; during it a student asks to move from their mess to another that has room, saying why
(one request per window, which they may withdraw until the window closes).

After the window's last day the assign_mess_changes job assigns the pending requests in the order
they were made while each mess has room (its capacity less the students this window assigned to it
already); a request without room waits, so that an admin who raises a capacity and runs the job again
assigns more, until the move day, the first day of the month after the window. A run on or after
that day refuses what still waits ("no room") and moves each assigned student: their profile's mess
becomes the new one, from that day. What is decided never changes: a run decides only pending
requests and moves only students not moved yet.

Each decision is told to the student in one e-mail, stored with the decision and sent as stored
(mess/emails.py): never lost, never twice. Feedback, dish votes and absences keep the mess they were
made at (each has its own mess), so a move rewrites no history."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from mess.emails import Email, earlier_text, emails_check, emails_deliver, emails_store, emails_unsent
from mess.models import MAX_REASON, MessageKind, MessChangeCapacity, MessChangeRequest, MessChangeWindow, OutgoingEmail, Profile
from mess.refusals import Refused
from mess.text import plural, typed_text

EMAIL = "mess-change"  # the e-mail's template, and its OutgoingEmail kind
NO_ROOM = "The mess you asked for had no room left."
Status = MessChangeRequest.Status


def move_day(window: MessChangeWindow) -> datetime.date:
    """The first day of the month after the window's last day: when its assigned students move."""
    last = window.last_day
    return datetime.date(last.year + last.month // 12, last.month % 12 + 1, 1)


# Windows and capacities (Django admin)


def mess_change_window_save(*, window: MessChangeWindow) -> MessChangeWindow:
    """Stores `window`, new or changed. Refused, by field, when its days are out of order or overlap
    another window's, or when it has decided requests and its days change (they were decided on
    them)."""
    if window.first_day and window.last_day and window.last_day < window.first_day:
        raise Refused({"last_day": gettext("The last day is before the first day.")})
    with transaction.atomic():
        overlapping = MessChangeWindow.objects.filter(first_day__lte=window.last_day, last_day__gte=window.first_day).exclude(pk=window.pk)
        other = overlapping.first()
        if other is not None:
            raise Refused(
                {
                    "first_day": gettext("These days overlap another window (%(first)s to %(last)s).")
                    % {"first": date_format(other.first_day, "DATE_FORMAT"), "last": date_format(other.last_day, "DATE_FORMAT")}
                }
            )
        before = MessChangeWindow.objects.filter(pk=window.pk).first() if window.pk else None
        moved = before is not None and (before.first_day, before.last_day) != (window.first_day, window.last_day)
        if moved and before.requests.exclude(status=Status.PENDING).exists():
            raise Refused({"last_day": gettext("Requests of this window are decided already: its days stay as they were.")})
        window.save()
    return window


def mess_change_capacities_save(*, window: MessChangeWindow, capacities: list[MessChangeCapacity], deleted=()) -> None:
    """Stores the new and changed `capacities` of `window` and deletes the `deleted` ones, in one
    transaction. Lowering a capacity below the students already assigned changes none of them."""
    with transaction.atomic():
        MessChangeCapacity.objects.filter(pk__in=[c.pk for c in deleted if c.pk]).delete()
        for capacity in capacities:
            capacity.window = window
            capacity.save()


def mess_change_windows_delete(*, windows) -> int:
    """Deletes `windows` with their capacities; returns how many. Refused, deleting none, for a
    window that has requests: they keep their window."""
    ids = [w.pk for w in windows if w.pk]
    if MessChangeRequest.objects.filter(window_id__in=ids).exists():
        raise Refused({"first_day": gettext("A window with students' requests keeps them: it cannot be deleted.")})
    with transaction.atomic():
        deleted = MessChangeWindow.objects.filter(pk__in=ids).delete()[1].get(MessChangeWindow._meta.label, 0)
    return deleted


# Reads


def window_open(*, today: datetime.date | None = None) -> MessChangeWindow | None:
    """The window open on `today` (default: today's local date), if any."""
    today = today or timezone.localdate()
    return MessChangeWindow.objects.filter(first_day__lte=today, last_day__gte=today).first()


def rooms(*, window: MessChangeWindow) -> dict[int, int]:
    """How many more students each mess can take in through `window`, by mess id: its capacity less
    the students assigned to it there. Two queries."""
    assigned = dict(
        MessChangeRequest.objects.filter(window=window, status=Status.ASSIGNED)
        .values("to_mess")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("to_mess", "n")
    )
    return {
        mess_id: max(0, capacity - assigned.get(mess_id, 0))
        for mess_id, capacity in MessChangeCapacity.objects.filter(window=window).values_list("mess_id", "capacity")
    }


def messes_with_room(*, window: MessChangeWindow, but: int | None) -> list:
    """The active messes with room in `window`, but the mess `but` (the student's own), by name."""
    room = rooms(window=window)
    capacities = MessChangeCapacity.objects.filter(window=window, mess__is_active=True).select_related("mess").order_by("mess__name")
    return [c.mess for c in capacities if room.get(c.mess_id) and c.mess_id != but]


def mess_change_requests_of(*, student: AbstractBaseUser) -> list[MessChangeRequest]:
    """The student's requests, newest window first, with their messes and window. One query."""
    return list(
        MessChangeRequest.objects.filter(student=student).select_related("window", "from_mess", "to_mess").order_by("-window__first_day")
    )


# A student's writes


def mess_change_ask(
    *, student: AbstractBaseUser, to_mess_id: int | None, reason: str, today: datetime.date | None = None
) -> MessChangeRequest:
    """Stores the student's request to move from their mess to `to_mess_id`, during the open window.
    Refused, by field, nothing stored: no window open, a student without a mess, the same mess, a
    mess with no room (none left in this window, or inactive), an empty reason, one longer than
    MAX_REASON or holding a character that is not text (typed_text), a second request in the window."""
    today = today or timezone.localdate()
    window = window_open(today=today)
    if window is None:
        raise Refused({"to_mess": gettext("Mess changes are closed: there is no window open today.")})
    profile = Profile.objects.filter(user=student).select_related("mess").first()
    if profile is None or profile.mess_id is None:
        raise Refused({"to_mess": gettext("You are not assigned to a mess, so there is none to move from.")})
    if to_mess_id is None:
        raise Refused({"to_mess": gettext("Choose the mess you want to move to.")})
    if to_mess_id == profile.mess_id:
        raise Refused({"to_mess": gettext("You eat at that mess already: choose another.")})
    if to_mess_id not in {m.pk for m in messes_with_room(window=window, but=profile.mess_id)}:
        raise Refused({"to_mess": gettext("That mess has no room for students of other messes in this window.")})
    try:
        reason = typed_text(reason or "").strip()
    except ValueError as error:
        raise Refused({"reason": gettext("The reason %(problem)s.") % {"problem": error}}) from None
    if not reason:
        raise Refused({"reason": gettext("Say why you want to move.")})
    if len(reason) > MAX_REASON:
        raise Refused(
            {
                "reason": gettext("The reason is %(length)s characters long: at most %(most)s, please.")
                % {"length": len(reason), "most": MAX_REASON}
            }
        )
    with transaction.atomic():
        if MessChangeRequest.objects.filter(student=student, window=window).exists():
            raise Refused({"to_mess": gettext("You have asked already in this window: withdraw that request to ask again.")})
        return MessChangeRequest.objects.create(
            window=window, student=student, from_mess_id=profile.mess_id, to_mess_id=to_mess_id, reason=reason
        )


def mess_change_withdraw(*, student: AbstractBaseUser, request_id: int, today: datetime.date | None = None) -> None:
    """Deletes the student's own pending request `request_id` while its window is open. ValueError
    otherwise (another student's request is as unknown as one that does not exist)."""
    today = today or timezone.localdate()
    found = MessChangeRequest.objects.filter(pk=request_id, student=student).select_related("window").first()
    if found is None:
        raise ValueError(gettext("There is no such request of yours."))
    if found.status != Status.PENDING or found.window.last_day < today:
        raise ValueError(gettext("The window has closed: this request can no longer be withdrawn."))
    MessChangeRequest.objects.filter(pk=found.pk, status=Status.PENDING).delete()


# The job


def mess_changes_assign(*, today: datetime.date | None = None) -> str:
    """For each window closed before `today` (default: today's local date), assigns its pending
    requests in the order they were made while their mess has room (see `rooms`); on or after the
    window's move day, refuses those still waiting (NO_ROOM), then moves every assigned student not
    moved yet whose move day has come (their profile's mess and `since`). Each decision is stored
    with its e-mail to the student (if they have an address) in one transaction; decided requests
    and moved students are never touched again, so a second run does nothing new, and a run after a
    capacity was raised assigns only the waiting requests. A run first sends, as stored, the e-mails
    earlier runs did not get out; an e-mail that fails is left for the next run, which raises
    EmailsFailed at its end. Returns a one-line summary."""
    today = today or timezone.localdate()
    earlier = emails_deliver(emails=emails_unsent(kind=EMAIL), mark_sent=_requests_mark_sent)
    assigned = refused = 0
    stored: list[OutgoingEmail] = []
    windows = MessChangeWindow.objects.filter(last_day__lt=today, requests__status=Status.PENDING).distinct().order_by("first_day")
    for window in windows:
        decisions, emails = _decide(window=window, today=today)
        assigned += sum(1 for _, status, _ in decisions if status == Status.ASSIGNED)
        refused += sum(1 for _, status, _ in decisions if status == Status.REFUSED)
        stored += emails
    moved = _moves_apply(today=today)
    delivery = emails_deliver(emails=stored, mark_sent=_requests_mark_sent)
    emails_check(earlier, delivery)
    return (
        f"{earlier_text(earlier)}{plural(assigned, 'request')} assigned, {refused} refused, "
        f"{plural(moved, 'student')} moved, {plural(len(delivery.sent), 'e-mail')} sent"
    )


def _decide(*, window: MessChangeWindow, today: datetime.date) -> tuple[list, list[OutgoingEmail]]:
    moves_on = move_day(window)
    room = rooms(window=window)
    pending = MessChangeRequest.objects.filter(window=window, status=Status.PENDING).select_related("student", "to_mess", "from_mess")
    decisions = []
    for request in pending.order_by("created_at", "id"):
        if room.get(request.to_mess_id, 0) > 0:
            room[request.to_mess_id] -= 1
            decisions.append((request, Status.ASSIGNED, ""))
        elif today >= moves_on:
            decisions.append((request, Status.REFUSED, NO_ROOM))
    outgoing = [
        (Email(EMAIL, _email_context(request, status, why, moves_on), [request.student.email]), request)
        for request, status, why in decisions
        if request.student.email
    ]
    now = timezone.now()

    def store(stored: list[tuple[OutgoingEmail, MessChangeRequest]]) -> None:
        # The decisions are written in the write that stores their e-mails: a request is decided
        # exactly when its e-mail is stored. A run that raced this one finds it decided and stops.
        emails = {request.pk: email for email, request in stored}
        for request, status, why in decisions:
            done = MessChangeRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(
                status=status,
                refused_why=why,
                decided_at=now,
                moves_on=moves_on if status == Status.ASSIGNED else None,
                email=emails.get(request.pk),
            )
            if done != 1:
                raise RuntimeError(f"Request {request.pk} was decided by another run meanwhile: this run stops.")

    return decisions, emails_store(emails=outgoing, link=store, also_as=MessageKind.MESS_CHANGE)


def _moves_apply(*, today: datetime.date) -> int:
    """Moves the assigned students whose move day has come and who were not moved yet, in one
    transaction that holds their requests (a run that raced this one finds them moved). One query
    per new mess and move day, besides three."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            MessChangeRequest.objects.select_for_update()
            .filter(status=Status.ASSIGNED, moves_on__lte=today, moved_at__isnull=True)
            .values_list("pk", "student_id", "to_mess_id", "moves_on")
        )
        groups = defaultdict(list)
        for _, student_id, to_mess_id, moves_on in due:
            groups[to_mess_id, moves_on].append(student_id)
        for (to_mess_id, moves_on), student_ids in groups.items():
            Profile.objects.filter(user_id__in=student_ids).update(mess_id=to_mess_id, since=moves_on)
        return MessChangeRequest.objects.filter(pk__in=[row[0] for row in due], moved_at__isnull=True).update(moved_at=now)


def _requests_mark_sent(email: OutgoingEmail, sent_at: datetime.datetime) -> None:
    MessChangeRequest.objects.filter(email=email).update(notified_at=sent_at)


def _email_context(request: MessChangeRequest, status: str, why: str, moves_on: datetime.date) -> dict:
    return {
        "request": request,
        "assigned": status == Status.ASSIGNED,
        "why": why,
        "moves_on": moves_on,
        "link": settings.SITE_URL + reverse("mess:mess_change"),
    }
