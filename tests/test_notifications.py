"""send_admin_notifications: notifications_send stores a Notification per mess, date and meal with
critical feedback, and e-mails each critical entry in one e-mail per mess, never losing it."""

import datetime
import itertools
import smtplib
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.emails import EmailsFailed
from mess.models import Feedback, MealWindow, Mess, Notification, Role
from mess.notifications import notifications_send
from scheduling.models import JobRun
from tests.factories import judged
from tests.helpers import create_person

User = get_user_model()

TODAY = datetime.date(2026, 3, 10)
YESTERDAY = datetime.date(2026, 3, 9)
# What a date-less lunch run at 14:00 covers: the meals whose window ended in the last 7 days, and lunch.
COVERED_AT_LUNCH = "covered 2026-03-03 snacks to 2026-03-10 lunch (28 meals)"


def ist(date, hour, minute=0):
    return datetime.datetime.combine(date, datetime.time(hour, minute), tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)))


_students = itertools.count()


def feedback(mess, date, meal, rating, comment="", category="food", at=None):
    student = User.objects.create(username=f"s{next(_students)}")
    with time_machine.travel(at or ist(date, 12), tick=False):
        return judged(Feedback(student=student, mess=mess, date=date, meal=meal, rating=rating, comment=comment, category=category))


@pytest.fixture
def people(official, other_official, admin):
    """An official of each mess and an admin, all with e-mail addresses."""


# What is critical, and what the notification says


@time_machine.travel(ist(TODAY, 14), tick=False)
def test_it_notifies_low_ratings_with_a_comment_and_hygiene_complaints(mess1, people):
    low = feedback(mess1, TODAY, "lunch", 2, "Dal was cold", at=ist(TODAY, 12, 10))
    hygiene = feedback(mess1, TODAY, "lunch", 5, "Hair in the rice", category="hygiene", at=ist(TODAY, 12, 20))
    silent_hygiene = feedback(mess1, TODAY, "lunch", 4, category="hygiene", at=ist(TODAY, 12, 30))
    feedback(mess1, TODAY, "lunch", 1)  # no comment: not critical
    feedback(mess1, TODAY, "lunch", 3, "A bit salty")  # rated 3: not critical
    feedback(mess1, TODAY, "breakfast", 1, "Burnt toast", category="service", at=ist(TODAY, 8))

    summary = notifications_send(meal="lunch")

    assert summary == "2 notifications (2 new, 0 updated), 4 critical entries e-mailed in 1 e-mail; " + COVERED_AT_LUNCH
    lunch = Notification.objects.get(meal="lunch")
    assert (lunch.mess, lunch.date, lunch.critical_count) == (mess1, TODAY, 3)
    assert str(lunch.average_rating) == "3.00"  # (2 + 5 + 4 + 1 + 3) / 5, over all the meal's feedback
    assert [c["text"] for c in lunch.comments] == ["Hair in the rice", "Dal was cold"]  # newest first, blank ones left out
    assert [c["why"] for c in lunch.comments] == ["a hygiene complaint; foreign object: hair", "a rating of 2 with a comment"]
    assert Notification.objects.get(meal="breakfast").critical_count == 1
    assert set(Feedback.objects.filter(notified_at=ist(TODAY, 14)).values_list("pk", flat=True)) == {
        low.pk,
        hygiene.pk,
        silent_hygiene.pk,
        Feedback.objects.get(meal="breakfast").pk,
    }


@time_machine.travel(ist(TODAY, 14), tick=False)
def test_it_keeps_the_newest_twenty_comments(mess1, people):
    entries = [feedback(mess1, TODAY, "lunch", 1, f"complaint {i}", at=ist(TODAY, 12) + datetime.timedelta(minutes=i)) for i in range(25)]
    notifications_send(meal="lunch")
    notification = Notification.objects.get()
    assert notification.critical_count == 25
    assert [c["text"] for c in notification.comments] == [f"complaint {i}" for i in range(24, 4, -1)]
    body, html = mail.outbox[0].body, mail.outbox[0].alternatives[0][0]
    for text in (body, html):
        listed = [e.comment for e in entries if f"{e.comment}\n" in text or f"{e.comment}<" in text]
        assert listed == [f"complaint {i}" for i in range(5, 25)]
        assert "And 5 older: see them in ManageIt." in text


@time_machine.travel(ist(TODAY, 14), tick=False)
def test_it_raises_nothing_without_critical_feedback_or_for_a_mess_without_data(mess1, mess2, people):
    feedback(mess1, TODAY, "lunch", 1)
    feedback(mess1, TODAY, "lunch", 4, "Good")
    assert notifications_send(meal="lunch") == "no critical feedback; " + COVERED_AT_LUNCH
    assert not Notification.objects.exists()
    assert mail.outbox == []


@time_machine.travel(ist(TODAY, 14), tick=False)
def test_it_leaves_inactive_messes_out(mess1, people):
    feedback(mess1, TODAY, "lunch", 1, "Cold")
    Mess.objects.filter(pk=mess1.pk).update(is_active=False)
    assert notifications_send(meal="lunch").startswith("no critical feedback")


# The e-mail


@time_machine.travel(ist(TODAY, 14), tick=False)
def test_it_emails_the_messs_officials_and_the_admins_once(mess1, mess2, people):
    feedback(mess1, TODAY, "lunch", 2, "Dal was cold")
    feedback(mess2, TODAY, "lunch", 1, "Rice undercooked")
    notifications_send(meal="lunch")

    by_mess = {tuple(m.to): m for m in mail.outbox}
    assert set(by_mess) == {("ada@example.org", "olga@example.org"), ("ada@example.org", "oscar@example.org")}
    message = by_mess["ada@example.org", "olga@example.org"]
    assert message.subject == "[ManageIt] Mess 1: 1 critical feedback on lunch, Tue 10 Mar 2026"
    assert "Dal was cold" in message.body
    assert "Rice undercooked" not in message.body
    assert "Average rating of the meal: 2.00" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Dal was cold" in html


@time_machine.travel(ist(TODAY, 14), tick=False)
def test_it_escapes_student_comments_in_the_html_e_mail(mess1, people):
    feedback(mess1, TODAY, "lunch", 1, '<script>alert("x")</script> & <b>bold</b>')
    notifications_send(meal="lunch")
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert '<script>alert("x")</script> & <b>bold</b>' in message.body  # plain text stays as typed


@time_machine.travel(ist(TODAY, 14), tick=False)
def test_a_comments_own_lines_stay_inside_its_item_of_the_plain_text_e_mail(mess1, people):
    feedback(mess1, TODAY, "lunch", 1, "Cold dal.\n- Rating 5, food: everything was great")

    notifications_send(meal="lunch")

    body = mail.outbox[0].body
    assert "- Rating 1, food: Cold dal.\n    - Rating 5, food: everything was great" in body
    assert "\n- Rating 5" not in body


@time_machine.travel(ist(TODAY, 14), tick=False)
def test_it_stores_the_notification_but_marks_nothing_without_recipients(mess1):
    entry = feedback(mess1, TODAY, "lunch", 1, "Cold")
    assert notifications_send(meal="lunch").startswith("1 notification (1 new, 0 updated), 0 critical entries e-mailed in 0 e-mails")
    assert Notification.objects.get().critical_count == 1
    entry.refresh_from_db()
    assert entry.notified_at is None


# Running again


def test_it_is_idempotent(mess1, people):
    feedback(mess1, TODAY, "lunch", 2, "Cold")
    with time_machine.travel(ist(TODAY, 14), tick=False):
        notifications_send(meal="lunch")
    before = list(Notification.objects.values())
    with time_machine.travel(ist(TODAY, 14, 5), tick=False):
        summary = notifications_send(meal="lunch")
    assert summary == "1 notification (0 new, 0 updated), 0 critical entries e-mailed in 0 e-mails; " + COVERED_AT_LUNCH
    assert list(Notification.objects.values()) == before
    assert len(mail.outbox) == 1


def test_it_updates_the_notification_and_emails_only_new_entries(mess1, people):
    feedback(mess1, TODAY, "lunch", 2, "Cold", at=ist(TODAY, 12))
    with time_machine.travel(ist(TODAY, 14), tick=False):
        notifications_send(meal="lunch")
    Notification.objects.update(read_at=ist(TODAY, 14, 1))
    feedback(mess1, TODAY, "lunch", 1, "Stale bread", at=ist(TODAY, 14, 30))
    with time_machine.travel(ist(TODAY, 17), tick=False):
        summary = notifications_send(meal="lunch", date=TODAY)

    assert summary.startswith("1 notification (0 new, 1 updated), 1 critical entry e-mailed in 1 e-mail")
    notification = Notification.objects.get()
    assert (notification.critical_count, [c["text"] for c in notification.comments]) == (2, ["Stale bread", "Cold"])
    assert str(notification.average_rating) == "1.50"
    assert notification.read_at is None  # news again
    assert len(mail.outbox) == 2
    assert "Stale bread" in mail.outbox[1].body and "Cold" not in mail.outbox[1].body
    assert "1 new critical feedback entry (2 in all for this meal)" in mail.outbox[1].body


class FailingForOscar(EmailBackend):
    """The mail server refuses any message to oscar."""

    def send_messages(self, messages):
        if any("oscar@example.org" in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({"oscar@example.org": (550, b"no")})
        return super().send_messages(messages)


def test_it_marks_only_what_was_sent_when_an_e_mail_fails_and_retries_it(mess1, mess2, people, settings):
    sent = feedback(mess1, TODAY, "lunch", 1, "Cold")
    refused = feedback(mess2, TODAY, "lunch", 1, "Raw")
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingForOscar"
    with time_machine.travel(ist(TODAY, 14), tick=False), pytest.raises(EmailsFailed, match="SMTPRecipientsRefused"):
        notifications_send(meal="lunch")
    sent.refresh_from_db()
    refused.refresh_from_db()
    assert sent.notified_at == ist(TODAY, 14)
    assert refused.notified_at is None
    assert [m.to for m in mail.outbox] == [["ada@example.org", "olga@example.org"]]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(ist(TODAY, 17), tick=False):
        assert notifications_send(meal="snacks").startswith(
            "1 e-mail of an earlier run sent; 2 notifications (0 new, 0 updated), 0 critical entries e-mailed in 0 e-mails"
        )
    assert [m.to for m in mail.outbox] == [["ada@example.org", "olga@example.org"], ["ada@example.org", "oscar@example.org"]]
    assert "Raw" in mail.outbox[1].body
    refused.refresh_from_db()
    assert refused.notified_at == ist(TODAY, 17)


# Which meals a run covers


def test_a_run_covers_the_meals_ended_in_the_last_7_days_and_the_named_one(mess1, people):
    week_ago = TODAY - datetime.timedelta(days=7)
    for date, meal in [
        (week_ago, "lunch"),  # ended exactly 7 days ago: left to the runs before
        (week_ago, "snacks"),
        (YESTERDAY, "dinner"),
        (TODAY, "breakfast"),
        (TODAY, "lunch"),
        (TODAY, "snacks"),  # not over yet
    ]:
        feedback(mess1, date, meal, 1, f"{date} {meal}")
    with time_machine.travel(ist(TODAY, 14), tick=False):
        summary = notifications_send(meal="lunch")
    assert summary.endswith(COVERED_AT_LUNCH)
    assert set(Notification.objects.values_list("date", "meal")) == {
        (week_ago, "snacks"),
        (YESTERDAY, "dinner"),
        (TODAY, "breakfast"),
        (TODAY, "lunch"),
    }


def test_a_critical_rating_given_after_its_meals_run_is_notified_by_the_next_run(mess1, people, mailoutbox):
    with time_machine.travel(ist(YESTERDAY, 9), tick=False):
        notifications_send(meal="breakfast")
    # students may rate until the day ends: this comes in at 22:00, after the day's last run
    feedback(mess1, YESTERDAY, "breakfast", 1, "Worms in the poha", at=ist(YESTERDAY, 22))
    with time_machine.travel(ist(TODAY, 9), tick=False):
        notifications_send(meal="breakfast")
    assert list(Notification.objects.values_list("date", "meal", "critical_count")) == [(YESTERDAY, "breakfast", 1)]
    assert len(mailoutbox) == 1 and "Worms in the poha" in mailoutbox[0].body


def test_a_run_after_a_week_of_downtime_sends_each_mess_one_e_mail_of_the_meals_it_missed(mess1, mess2, people, mailoutbox):
    missed = [
        (TODAY - datetime.timedelta(days=back), meal) for back in range(6, 0, -1) for meal in ("breakfast", "lunch", "snacks", "dinner")
    ]
    for day, meal in missed:
        feedback(mess1, day, meal, 1, f"mess 1 {meal} on {day}")
    for day, meal in missed[::2]:
        feedback(mess2, day, meal, 4, f"Hair in the {meal} on {day}")
    with time_machine.travel(ist(TODAY, 9), tick=False):
        summary = notifications_send(meal="breakfast")

    assert summary.startswith("36 notifications (36 new, 0 updated), 36 critical entries e-mailed in 2 e-mails")
    assert Notification.objects.filter(mess=mess1).count() == 24  # still one per meal
    assert [m.to for m in mailoutbox] == [["ada@example.org", "olga@example.org"], ["ada@example.org", "oscar@example.org"]]
    first = mailoutbox[0]
    # a week's meals would run to 300 characters: the subject stops at 100, the body says them all
    assert first.subject == "[ManageIt] Mess 1: 24 critical feedback on breakfast, lunch, snacks and dinner, Wed 4 Mar…"
    assert "breakfast, lunch, snacks and dinner, Mon 9 Mar 2026" in first.body
    assert first.body.startswith("Mess 1: critical feedback on 24 meals: breakfast, lunch, snacks and dinner, Wed 4 Mar; ")
    html = first.alternatives[0][0]
    for day, meal in missed:  # each meal its own section, with its digest, in serving order
        heading = f"Mess 1: {meal.capitalize()} of {day:%a} {day.day} {day:%b %Y}"
        assert first.body.count(heading) == 1 and html.count(heading) == 1, heading
        assert f"mess 1 {meal} on {day}" in first.body
    headings = [line for line in first.body.splitlines() if line.startswith("== ")]
    assert headings == [f"== Mess 1: {meal.capitalize()} of {day:%a} {day.day} {day:%b %Y}" for day, meal in missed]
    # each meal with its own digest
    assert mailoutbox[1].body.count("What they are about:\n- Foreign object: 1 entry, for example") == 12
    assert mailoutbox[1].subject.startswith("[ManageIt] Mess 2: 12 critical feedback on breakfast and snacks, Wed 4 Mar; ")


def test_a_meal_still_being_served_waits_for_its_end_unless_the_operator_says_now(mess1, people):
    # At 07:10 a hand run once e-mailed a breakfast served until 09:00, and its later comments never went out.
    feedback(mess1, TODAY, "dinner", 1, "Cold")
    with time_machine.travel(ist(TODAY, 20), tick=False):  # dinner is served until 21:00
        assert notifications_send(meal="dinner").endswith("covered 2026-03-03 dinner to 2026-03-10 snacks (28 meals)")
        assert not Notification.objects.exists()
        now = notifications_send(meal="dinner", served_now=True)
    assert now.endswith("covered 2026-03-03 dinner to 2026-03-10 dinner (29 meals)")
    assert Notification.objects.get().meal == "dinner"


def test_a_run_for_today_before_any_meal_is_over_says_so(mess1, people):
    with time_machine.travel(ist(TODAY, 8), tick=False):
        assert (
            notifications_send(meal="breakfast", date=TODAY)
            == "no meal of those is over yet: breakfast of 2026-03-10 is still being served"
        )


def test_the_commands_now_says_what_it_costs(capsys):
    with pytest.raises(SystemExit):
        call_command("send_admin_notifications", "--help")
    assert "its comments written after this run then go out in a second e-mail" in " ".join(capsys.readouterr().out.split())


def test_a_run_reads_the_meal_windows_admins_set(mess1, people):
    MealWindow.objects.filter(meal="snacks").update(starts_at=datetime.time(16), ends_at=datetime.time(16, 30))
    MealWindow.objects.filter(meal="dinner").update(starts_at=datetime.time(20), ends_at=datetime.time(23, 30))
    with time_machine.travel(ist(TODAY, 23), tick=False):
        assert notifications_send(meal="snacks").endswith("covered 2026-03-03 dinner to 2026-03-10 snacks (28 meals)")


def test_a_run_takes_today_in_india_around_midnight(mess1, people):
    day = datetime.date(2026, 3, 1)
    # 23:59 IST on 03-01: today is 03-01.
    with time_machine.travel(datetime.datetime(2026, 3, 1, 18, 29, tzinfo=datetime.UTC), tick=False):
        assert notifications_send(meal="dinner").endswith("covered 2026-02-23 breakfast to 2026-03-01 dinner (28 meals)")
    feedback(mess1, day, "dinner", 1, "Late and cold")
    # 00:01 IST on 03-02: today is 03-02, and the dinner of 03-01 is one of the meals that ended.
    with time_machine.travel(datetime.datetime(2026, 3, 1, 18, 31, tzinfo=datetime.UTC), tick=False):
        summary = notifications_send(meal="breakfast")
    assert summary.endswith("to 2026-03-01 dinner (28 meals)")  # 03-02's breakfast has not even begun
    assert Notification.objects.get().date == day


@time_machine.travel(ist(TODAY, 10), tick=False)
def test_a_run_for_a_date_covers_its_meal_and_the_earlier_ones(mess1, people):
    for meal in ["breakfast", "lunch", "snacks", "dinner"]:
        feedback(mess1, YESTERDAY, meal, 1, meal)
    assert notifications_send(meal="snacks", date=YESTERDAY).endswith("covered 2026-03-09 breakfast to 2026-03-09 snacks (3 meals)")
    assert set(Notification.objects.values_list("meal", flat=True)) == {"breakfast", "lunch", "snacks"}
    assert notifications_send(meal="breakfast", date=YESTERDAY).startswith("1 notification (0 new, 0 updated)")


@time_machine.travel(ist(TODAY, 10), tick=False)
def test_it_refuses_an_unknown_meal_or_a_future_date(db):
    with pytest.raises(ValueError, match="unknown meal 'brunch'"):
        notifications_send(meal="brunch")
    with pytest.raises(ValueError, match="2026-03-11 is in the future"):
        notifications_send(meal="lunch", date=datetime.date(2026, 3, 11))
    with pytest.raises(ValueError, match="0001-01-01 is before 2000-01-01"):
        notifications_send(meal="lunch", date=datetime.date(1, 1, 1))
    assert notifications_send(meal="dinner", date=TODAY).startswith("no critical feedback")


# Queries


def make_messes(n, prefix):
    messes = Mess.objects.bulk_create([Mess(code=f"{prefix}{i}", name=f"Mess {prefix}{i}") for i in range(n)])
    for m in messes:
        create_person(username=f"official-{m.code}", role=Role.OFFICIAL, mess=m, email=f"{m.code}@example.org")
        feedback(m, TODAY, "lunch", 1, "Cold")
        feedback(m, TODAY, "breakfast", 5, "Dirty plates", category="hygiene")
    return messes


@time_machine.travel(ist(TODAY, 14), tick=False)
def test_it_uses_as_many_queries_for_six_messes_as_for_two(db, admin, django_assert_num_queries):
    make_messes(2, "a")
    with CaptureQueriesContext(connection) as two:
        notifications_send(meal="lunch")
    assert len(mail.outbox) == 2  # one per mess
    Feedback.objects.all().delete()
    make_messes(6, "b")
    # and, for each e-mail, its attempt and one write that marks it and its entries as sent (5 with its savepoint)
    with django_assert_num_queries(len(two.captured_queries) + (6 - 2) * 6):  # six for each e-mail more: its claim among them
        notifications_send(meal="lunch")
    assert len(mail.outbox) == 2 + 6


# The command


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


@time_machine.travel(ist(TODAY, 12), tick=False)
def test_send_admin_notifications_takes_the_meal_in_any_case(mess1, student, official):
    judged(Feedback(student=student, mess=mess1, date=TODAY, meal="breakfast", rating=1, comment="Cold idli"))

    summary = run("send_admin_notifications", "--meal", "Breakfast")

    assert summary
    assert Notification.objects.get().critical_count == 1
    assert len(mail.outbox) == 1
    run("send_admin_notifications", "--meal", "breakfast")
    assert len(mail.outbox) == 1  # nothing new to send


@pytest.mark.parametrize("args", [["--meal", "brunch"], ["--meal", "lunch", "--date", "10-03-2026"], []])
def test_send_admin_notifications_refuses_bad_arguments(db, args):
    with pytest.raises(CommandError):
        call_command("send_admin_notifications", *args)
    assert not JobRun.objects.exists()
