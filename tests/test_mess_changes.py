"""Changing mess (mess/mess_changes.py): asking during an open window and its refusals, the job that
assigns in order while capacity lasts, its idempotence and its re-run after a capacity was raised,
the move day and the move, history that stays with its mess, the e-mails (once each), the command,
and the page."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from mess.feedback import feedback_save
from mess.mess_changes import (
    NO_ROOM,
    mess_change_ask,
    mess_change_capacities_save,
    mess_change_window_save,
    mess_change_withdraw,
    mess_changes_assign,
)
from mess.models import Absence, DishVote, Feedback, Mess, MessChangeCapacity, MessChangeRequest, MessChangeWindow, OutgoingEmail, Role
from mess.refusals import Refused
from scheduling.models import JobRun
from tests.factories import IST, feedback
from tests.helpers import create_person

FIRST, LAST = datetime.date(2026, 3, 2), datetime.date(2026, 3, 15)
OPEN = datetime.date(2026, 3, 10)
AFTER = datetime.date(2026, 3, 16)  # the first day after the window
MOVE = datetime.date(2026, 4, 1)


@pytest.fixture
def mess3(db):
    return Mess.objects.create(code="mess3", name="Mess 3")


@pytest.fixture
def window(mess1, mess2, mess3):
    window = mess_change_window_save(window=MessChangeWindow(first_day=FIRST, last_day=LAST))
    mess_change_capacities_save(
        window=window, capacities=[MessChangeCapacity(mess=mess2, capacity=2), MessChangeCapacity(mess=mess3, capacity=1)]
    )
    return window


def students(mess, n, start=0):
    return [create_person(username=f"s{i}", role=Role.STUDENT, mess=mess, email=f"s{i}@example.org") for i in range(start, start + n)]


def ask(student, mess, reason="Closer to my hostel"):
    return mess_change_ask(student=student, to_mess_id=mess.pk, reason=reason, today=OPEN)


def statuses():
    return list(MessChangeRequest.objects.order_by("created_at", "id").values_list("student__username", "status", "refused_why"))


def capacity(window, mess, n):
    MessChangeCapacity.objects.filter(window=window, mess=mess).update(capacity=n)


# Asking


def test_a_student_asks_to_move_to_a_mess_with_room(window, mess1, mess2):
    (s0,) = students(mess1, 1)
    request = ask(s0, mess2, "  Closer to my hostel  ")
    assert (request.from_mess, request.to_mess, request.reason, request.status) == (mess1, mess2, "Closer to my hostel", "pending")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"today": AFTER}, "to_mess"),  # the window is closed
        ({"today": FIRST - datetime.timedelta(days=1)}, "to_mess"),  # not open yet
        ({"to_mess": "mess1"}, "to_mess"),  # the same mess
        ({"to_mess": "nowhere"}, "to_mess"),  # a mess that takes in nobody in this window
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"reason": "Closer\u202e to home"}, "reason"),  # a right-to-left override is not text
    ],
)
def test_a_request_is_refused_by_field_and_nothing_is_stored(window, mess1, mess2, change, field):
    (s0,) = students(mess1, 1)
    nowhere = Mess.objects.create(code="nowhere", name="Nowhere")
    to = {"mess1": mess1, "nowhere": nowhere}.get(change.get("to_mess"), mess2)
    with pytest.raises(Refused) as refused:
        mess_change_ask(student=s0, to_mess_id=to.pk, reason=change.get("reason", "Closer"), today=change.get("today", OPEN))
    assert field in refused.value.errors
    assert not MessChangeRequest.objects.exists()


def test_a_mess_without_room_is_refused(window, mess1, mess3):
    (s0,) = students(mess1, 1)
    capacity(window, mess3, 0)
    with pytest.raises(Refused, match="no room"):
        ask(s0, mess3)


def test_one_request_per_student_per_window_which_they_may_withdraw_while_it_is_open(window, mess1, mess2, mess3):
    s0, s1 = students(mess1, 2)
    first = ask(s0, mess2)
    with pytest.raises(Refused):
        ask(s0, mess3)
    with pytest.raises(ValueError):
        mess_change_withdraw(student=s1, request_id=first.pk, today=OPEN)  # not theirs
    mess_change_withdraw(student=s0, request_id=first.pk, today=OPEN)
    assert ask(s0, mess3).to_mess == mess3

    with pytest.raises(ValueError):
        mess_change_withdraw(student=s0, request_id=MessChangeRequest.objects.get().pk, today=AFTER)  # closed


# The job


def test_it_assigns_in_the_order_asked_while_capacity_lasts_and_refuses_the_rest_on_the_move_day(window, mess1, mess2, mess3):
    s = students(mess1, 5)
    for student, to in zip(s, [mess2, mess3, mess2, mess2, mess3], strict=True):
        ask(student, to)

    summary = mess_changes_assign(today=AFTER)

    assert summary == "3 requests assigned, 0 refused, 0 students moved, 3 e-mails sent"
    assert statuses() == [
        ("s0", "assigned", ""),
        ("s1", "assigned", ""),
        ("s2", "assigned", ""),
        ("s3", "pending", ""),
        ("s4", "pending", ""),
    ]
    assert MessChangeRequest.objects.filter(status="assigned").values_list("moves_on", flat=True).distinct().get() == MOVE

    assert mess_changes_assign(today=MOVE) == "0 requests assigned, 2 refused, 3 students moved, 2 e-mails sent"
    assert statuses()[3:] == [("s3", "refused", NO_ROOM), ("s4", "refused", NO_ROOM)]
    assert sorted(m.to[0] for m in mail.outbox) == [f"s{i}@example.org" for i in range(5)]  # each told once
    assert "refused" in mail.outbox[-1].subject and "Mess 3" in mail.outbox[-1].subject


def test_a_second_run_changes_nothing_and_sends_nothing(window, mess1, mess2):
    (s0,) = students(mess1, 1)
    ask(s0, mess2)
    mess_changes_assign(today=MOVE)
    decided = list(MessChangeRequest.objects.values())

    assert mess_changes_assign(today=MOVE) == "0 requests assigned, 0 refused, 0 students moved, 0 e-mails sent"
    assert list(MessChangeRequest.objects.values()) == decided
    assert len(mail.outbox) == 1 and OutgoingEmail.objects.count() == 1


def test_a_run_after_a_capacity_was_raised_assigns_the_waiting_and_touches_no_decided_one(window, mess1, mess2):
    s = students(mess1, 4)
    for student in s:
        ask(student, mess2)
    mess_changes_assign(today=AFTER)
    first = {r.pk: (r.status, r.decided_at, r.email_id) for r in MessChangeRequest.objects.filter(status="assigned")}

    capacity(window, mess2, 3)
    assert mess_changes_assign(today=AFTER).startswith("1 request assigned, 0 refused")

    assert statuses() == [("s0", "assigned", ""), ("s1", "assigned", ""), ("s2", "assigned", ""), ("s3", "pending", "")]
    assert {r.pk: (r.status, r.decided_at, r.email_id) for r in MessChangeRequest.objects.filter(pk__in=first)} == first
    capacity(window, mess2, 1)  # lowered below those assigned: none is taken back
    mess_changes_assign(today=MOVE)
    assert statuses()[:3] == [("s0", "assigned", ""), ("s1", "assigned", ""), ("s2", "assigned", "")]
    assert len(mail.outbox) == 4


def test_students_move_on_the_first_day_of_the_next_month_once(window, mess1, mess2):
    (s0,) = students(mess1, 1)
    ask(s0, mess2)
    mess_changes_assign(today=AFTER)
    mess_changes_assign(today=MOVE - datetime.timedelta(days=1))
    s0.profile.refresh_from_db()
    assert s0.profile.mess == mess1

    mess_changes_assign(today=MOVE)
    s0.profile.refresh_from_db()
    assert (s0.profile.mess, s0.profile.since) == (mess2, MOVE)
    assert MessChangeRequest.objects.get().moved_at is not None


def test_a_window_ending_in_december_moves_in_january(mess1, mess2):
    window = mess_change_window_save(window=MessChangeWindow(first_day=datetime.date(2026, 12, 1), last_day=datetime.date(2026, 12, 31)))
    mess_change_capacities_save(window=window, capacities=[MessChangeCapacity(mess=mess2, capacity=1)])
    (s0,) = students(mess1, 1)
    mess_change_ask(student=s0, to_mess_id=mess2.pk, reason="Friends", today=datetime.date(2026, 12, 5))
    mess_changes_assign(today=datetime.date(2027, 1, 1))
    s0.profile.refresh_from_db()
    assert s0.profile.mess == mess2 and MessChangeRequest.objects.get().moves_on == datetime.date(2027, 1, 1)


@time_machine.travel(datetime.datetime(2026, 3, 10, 13, 0, tzinfo=IST), tick=False)
def test_history_stays_with_the_mess_it_was_made_at(window, mess1, mess2):
    (s0,) = students(mess1, 1)
    old = feedback(mess1, datetime.date(2026, 3, 9), "lunch", 2, student=s0)
    DishVote.objects.create(feedback=old, mess=mess1, date=old.date, dish="Poha", liked=False)
    Absence.objects.create(student=s0, mess=mess1, first_day=datetime.date(2026, 3, 5), last_day=datetime.date(2026, 3, 6))
    ask(s0, mess2)
    mess_changes_assign(today=MOVE)

    assert Feedback.objects.get(pk=old.pk).mess == mess1
    assert DishVote.objects.get().mess == mess1
    assert Absence.objects.get().mess == mess1
    feedback_save(student=s0, meal="lunch", rating=4, category="food", comment="")
    assert Feedback.objects.exclude(pk=old.pk).get().mess == mess2  # what follows is the new mess's


def test_a_failed_email_is_sent_by_the_next_run_not_twice(window, mess1, mess2, settings):
    (s0,) = students(mess1, 1)
    ask(s0, mess2)
    settings.EMAIL_BACKEND = "tests.test_mess_changes.Refusing"
    with pytest.raises(Exception, match="not sent"):
        mess_changes_assign(today=AFTER)
    assert MessChangeRequest.objects.get().status == "assigned"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert mess_changes_assign(today=AFTER).startswith("1 e-mail of an earlier run sent; 0 requests assigned")
    assert mess_changes_assign(today=AFTER).endswith("0 e-mails sent")
    assert len(mail.outbox) == 1 and MessChangeRequest.objects.get().notified_at is not None


class Refusing:
    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        raise OSError("the mail server is down")

    def close(self):
        pass


# The command


def test_the_command_prints_its_summary_and_records_its_run(window, mess1, mess2):
    (s0,) = students(mess1, 1)
    ask(s0, mess2)
    out = StringIO()
    call_command("assign_mess_changes", "--today", "2026-03-16", stdout=out)
    assert out.getvalue().strip() == "1 request assigned, 0 refused, 0 students moved, 1 e-mail sent"
    assert JobRun.objects.get(job="assign_mess_changes").summary == out.getvalue().strip()


def test_the_command_fails_on_a_bad_day(db):
    with pytest.raises(CommandError):
        call_command("assign_mess_changes", "--today", "16-03-2026")
