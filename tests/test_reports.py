"""send_daily_report: daily_reports_send stores one DailyReport per active mess and day and e-mails
it, never losing the e-mail."""

import datetime
import itertools
import smtplib
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.emails import EmailsFailed
from mess.models import Alert, DailyReport, Feedback, Floor, Mess, OutgoingEmail, Role, WasteRecord
from mess.reports import daily_reports_send
from tests.factories import judged
from tests.helpers import create_person

User = get_user_model()

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
TODAY = datetime.date(2026, 3, 10)
YESTERDAY = datetime.date(2026, 3, 9)
SEVEN_AM = datetime.datetime(2026, 3, 10, 7, tzinfo=IST)


def ist(date, hour, minute=0):
    return datetime.datetime.combine(date, datetime.time(hour, minute), tzinfo=IST)


def days_before(date, n):
    return date - datetime.timedelta(days=n)


_students = itertools.count()


def feedback(mess, date, meal, rating, comment="", category="food"):
    student = User.objects.create(username=f"s{next(_students)}")
    return judged(Feedback(student=student, mess=mess, date=date, meal=meal, rating=rating, comment=comment, category=category))


def waste(floor, date, meal, kg, diners=None):
    return WasteRecord.objects.create(floor=floor, date=date, meal=meal, total_kg=Decimal(kg), diners=diners)


def alert(mess, subject, first_seen_at, resolved_at=None, kind="high_waste"):
    return Alert.objects.create(
        mess=mess,
        kind=kind,
        subject=subject,
        value=Decimal("60.5"),
        threshold=Decimal("50"),
        basis=3,
        window_start=datetime.date(2026, 2, 1),
        window_end=datetime.date(2026, 2, 7),
        first_seen_at=first_seen_at,
        last_seen_at=first_seen_at,
        resolved_at=resolved_at,
        is_open=None if resolved_at else True,
    )


@pytest.fixture
def people(official, other_official, admin):
    """An official of each mess and an admin, all with e-mail addresses."""


# What the report says


@time_machine.travel(SEVEN_AM, tick=False)
def test_it_reports_waste_ratings_critical_feedback_and_alerts(mess1, mess2, ground, first, people):
    waste(ground, YESTERDAY, "breakfast", "4.50", diners=90)
    waste(first, YESTERDAY, "breakfast", "3.00", diners=60)
    waste(ground, YESTERDAY, "lunch", "10.25")  # no head count: left out of the grams per diner
    waste(first, TODAY, "lunch", "99")  # another day
    waste(Floor.objects.get(name="Second"), YESTERDAY, "lunch", "77")  # another mess
    feedback(mess1, YESTERDAY, "lunch", 2, "Cold")
    feedback(mess1, YESTERDAY, "lunch", 4)
    feedback(mess1, YESTERDAY, "lunch", 4, category="hygiene")
    feedback(mess1, YESTERDAY, "dinner", 1)
    alert(mess1, "Ground", first_seen_at=ist(YESTERDAY, 10))

    assert daily_reports_send(date=YESTERDAY) == "2 daily reports (2 new, 0 updated) for 2026-03-09; 2 e-mailed"

    report = DailyReport.objects.get(mess=mess1)
    assert report.date == YESTERDAY
    assert report.emailed_at == SEVEN_AM
    assert report.data == {
        "mess": "mess1",
        "date": "2026-03-09",
        "closed": None,
        "waste_kg": "17.75",
        "valued": {"inr": None, "co2e_kg": "44.38", "meals": 42},  # no food cost set; 2.5 kg CO2e and 0.42 kg a meal
        "goal": "this week 50 g per diner: at the baseline, goal 20 %",  # its only day with a head count is the baseline
        "grams_per_diner": 50,  # 7.5 kg for 150 diners
        "waste_by_floor": [{"floor": "First", "kg": "3.00"}, {"floor": "Ground", "kg": "14.75"}],
        "waste_by_meal": [
            {"meal": "breakfast", "label": "Breakfast", "kg": "7.50", "diners": 150, "grams_per_diner": 50},
            {"meal": "lunch", "label": "Lunch", "kg": "10.25", "diners": None, "grams_per_diner": None},
            {"meal": "snacks", "label": "Snacks", "kg": None, "diners": None, "grams_per_diner": None},
            {"meal": "dinner", "label": "Dinner", "kg": None, "diners": None, "grams_per_diner": None},
        ],
        "feedback_count": 4,
        "average_rating": "2.75",
        "feedback_by_meal": [
            {"meal": "breakfast", "label": "Breakfast", "count": 0, "average_rating": None},
            {"meal": "lunch", "label": "Lunch", "count": 3, "average_rating": "3.33"},
            {"meal": "snacks", "label": "Snacks", "count": 0, "average_rating": None},
            {"meal": "dinner", "label": "Dinner", "count": 1, "average_rating": "1.00"},
        ],
        "critical_count": 2,
        # the hygiene complaint has no comment to show; no theme is named
        "critical": {"themes": [], "rest": [{"text": "Cold", "why": "a rating of 2 with a comment"}], "more": 0},
        "alerts": [{"kind": "high_waste", "label": "High waste", "subject": "Ground", "value": "60.50", "threshold": "50.00", "basis": 3}],
    }
    assert "Ground: 14.75 kg" in report.text_body
    assert "Breakfast: 7.50 kg (150 diners, 50 g each)" in report.text_body
    assert "Lunch: 3 entries, average 3.33" in report.text_body
    assert "High waste: Ground, 60.50 kg/day (threshold 50.00 kg/day) over 3 recorded days\n" in report.text_body
    assert "High waste: Ground, 60.50 kg/day (threshold 50.00 kg/day) over 3 recorded days</li>" in report.html_body
    assert "<td>Ground</td>" in report.html_body


@time_machine.travel(SEVEN_AM, tick=False)
def test_it_reports_a_mess_without_data(mess1, people):
    daily_reports_send()
    report = DailyReport.objects.get(mess=mess1)
    assert report.data["waste_kg"] == "0.00"
    assert report.data["grams_per_diner"] is None
    assert report.data["waste_by_floor"] == [{"floor": "First", "kg": None}, {"floor": "Ground", "kg": None}]
    assert report.data["feedback_count"] == 0 and report.data["average_rating"] is None
    assert report.data["critical_count"] == 0 and report.data["alerts"] == []
    assert "First: not recorded" in report.text_body
    assert "ALERTS ACTIVE THAT DAY: none" in report.text_body


@time_machine.travel(SEVEN_AM, tick=False)
def test_it_reports_only_active_messes(mess1, mess2, people):
    Mess.objects.filter(pk=mess2.pk).update(is_active=False)
    assert daily_reports_send(date=YESTERDAY) == "1 daily report (1 new, 0 updated) for 2026-03-09; 1 e-mailed"
    assert list(DailyReport.objects.values_list("mess__code", flat=True)) == ["mess1"]
    Mess.objects.update(is_active=False)
    assert daily_reports_send() == "no active messes"


def test_it_lists_the_alerts_active_on_the_date_by_local_date(mess1):
    day = datetime.date(2026, 3, 1)
    alert(mess1, "seen the evening before", first_seen_at=ist(days_before(day, 1), 23, 59))
    alert(mess1, "seen just before midnight", first_seen_at=ist(day, 23, 59), kind="low_rating")
    alert(mess1, "seen just after midnight", first_seen_at=ist(days_before(day, -1), 0, 1))
    alert(mess1, "resolved just after midnight", first_seen_at=ist(day, 0) - datetime.timedelta(days=3), resolved_at=ist(day, 0, 1))
    alert(
        mess1,
        "resolved just before midnight",
        first_seen_at=ist(day, 0) - datetime.timedelta(days=3),
        resolved_at=ist(day, 0) - datetime.timedelta(minutes=1),
    )
    alert(
        mess1,
        "resolved the next day",
        first_seen_at=ist(day, 0) - datetime.timedelta(days=3),
        resolved_at=ist(day, 0) + datetime.timedelta(days=1),
    )
    with time_machine.travel(ist(day, 0) + datetime.timedelta(days=5), tick=False):
        daily_reports_send(date=day)
    alerts = [(a["kind"], a["subject"]) for a in DailyReport.objects.get(mess=mess1).data["alerts"]]
    assert alerts == [
        ("high_waste", "resolved just after midnight"),
        ("high_waste", "resolved the next day"),
        ("high_waste", "seen the evening before"),
        ("low_rating", "seen just before midnight"),
    ]


# The e-mail


@time_machine.travel(SEVEN_AM, tick=False)
def test_it_emails_each_messs_officials_and_the_admins(mess1, mess2, people):
    daily_reports_send()
    assert sorted(m.to for m in mail.outbox) == [["ada@example.org", "olga@example.org"], ["ada@example.org", "oscar@example.org"]]
    message = next(m for m in mail.outbox if "olga@example.org" in m.to)
    report = DailyReport.objects.get(mess=mess1)
    assert message.subject == "[ManageIt] Mess 1, Mon 9 Mar 2026: 0.00 kg wasted, 0 critical feedback"
    assert message.body == report.text_body
    assert message.alternatives == [(report.html_body, "text/html")]


@time_machine.travel(SEVEN_AM, tick=False)
def test_it_escapes_names_in_the_html_e_mail(mess1, admin):
    Floor.objects.filter(name="Ground").update(name="<b>Ground</b>")
    daily_reports_send()
    report = DailyReport.objects.get()
    assert report.html_body == mail.outbox[0].alternatives[0][0]
    assert "&lt;b&gt;Ground&lt;/b&gt;" in report.html_body and "<b>" not in report.html_body
    assert "<b>Ground</b>: not recorded" in report.text_body


@time_machine.travel(SEVEN_AM, tick=False)
def test_it_stores_a_report_without_e_mailing_it_when_nobody_hears_about_the_mess(mess1):
    assert daily_reports_send() == "1 daily report (1 new, 0 updated) for 2026-03-09; 0 e-mailed"
    assert DailyReport.objects.get().emailed_at is None
    assert mail.outbox == []


# Running again


@time_machine.travel(SEVEN_AM, tick=False)
def test_it_is_idempotent(mess1, mess2, people):
    daily_reports_send()
    before = list(DailyReport.objects.order_by("pk").values())
    assert daily_reports_send() == "2 daily reports (0 new, 0 updated) for 2026-03-09; 0 e-mailed"
    assert list(DailyReport.objects.order_by("pk").values()) == before
    assert len(mail.outbox) == 2


def test_it_re_renders_a_report_without_e_mailing_it_again_unless_asked(mess1, ground, people):
    with time_machine.travel(SEVEN_AM, tick=False):
        daily_reports_send()
    waste(ground, YESTERDAY, "dinner", "12")  # recorded late
    later = SEVEN_AM + datetime.timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        assert daily_reports_send(date=YESTERDAY) == "2 daily reports (0 new, 1 updated) for 2026-03-09; 0 e-mailed"
        report = DailyReport.objects.get(mess=mess1)
        assert (report.data["waste_kg"], report.emailed_at, report.updated_at) == ("12.00", SEVEN_AM, later)
        assert "WASTE: 12.00 kg" in report.text_body
        assert len(mail.outbox) == 2

        assert daily_reports_send(date=YESTERDAY, resend=True) == "2 daily reports (0 new, 0 updated) for 2026-03-09; 2 e-mailed"
    assert len(mail.outbox) == 4
    assert any("WASTE: 12.00 kg" in m.body for m in mail.outbox[2:])
    assert set(DailyReport.objects.values_list("emailed_at", flat=True)) == {later}


# Which days


def test_it_makes_up_the_days_a_missed_run_left_out(mess1, mess2, people):
    def stored(mess, n):
        day = days_before(YESTERDAY, n)
        DailyReport.objects.create(mess=mess, date=day, text_body="old", html_body="old", emailed_at=ist(day, 7))

    stored(mess1, 4)  # mess1's first report: the days before it were never due
    stored(mess1, 2)
    stored(mess2, 12)  # mess2 has been reported on for longer
    stored(mess2, 5)

    with time_machine.travel(SEVEN_AM, tick=False):
        summary = daily_reports_send()

    assert summary == (
        "10 daily reports (10 new, 0 updated) for 2026-03-02, 2026-03-03, 2026-03-05, 2026-03-06, 2026-03-07, 2026-03-08, 2026-03-09; "
        "10 e-mailed"
    )
    reported = {(r.mess.code, (YESTERDAY - r.date).days): r for r in DailyReport.objects.select_related("mess")}
    assert sorted(n for code, n in reported if code == "mess1") == [0, 1, 2, 3, 4]
    assert sorted(n for code, n in reported if code == "mess2") == [0, 1, 2, 3, 4, 5, 6, 7, 12]  # 8 days before yesterday: too old
    # The reports already there are left as they were.
    assert {k for k, r in reported.items() if r.text_body == "old"} == {("mess1", 4), ("mess1", 2), ("mess2", 12), ("mess2", 5)}
    assert len(mail.outbox) == 10

    with time_machine.travel(SEVEN_AM, tick=False):
        assert daily_reports_send() == "2 daily reports (0 new, 0 updated) for 2026-03-09; 0 e-mailed"


def test_it_starts_a_new_mess_with_yesterday(mess1, mess2, people):
    DailyReport.objects.create(mess=mess1, date=days_before(YESTERDAY, 3), text_body="old", html_body="old")
    with time_machine.travel(SEVEN_AM, tick=False):
        daily_reports_send()
    assert list(DailyReport.objects.filter(mess=mess2).values_list("date", flat=True)) == [YESTERDAY]


def test_it_reports_only_the_date_asked_for(mess1, official):
    with time_machine.travel(SEVEN_AM, tick=False):
        assert daily_reports_send(date=datetime.date(2026, 1, 15)) == "1 daily report (1 new, 0 updated) for 2026-01-15; 1 e-mailed"
    assert list(DailyReport.objects.values_list("date", flat=True)) == [datetime.date(2026, 1, 15)]


def test_it_takes_yesterday_in_india_around_midnight(mess1):
    # 23:59 IST on 03-01: yesterday is 02-28.
    with time_machine.travel(datetime.datetime(2026, 3, 1, 18, 29, tzinfo=datetime.UTC), tick=False):
        assert daily_reports_send() == "1 daily report (1 new, 0 updated) for 2026-02-28; 0 e-mailed"
        with pytest.raises(ValueError, match="2026-03-01 is not over yet"):
            daily_reports_send(date=datetime.date(2026, 3, 1))
    # 00:01 IST on 03-02: yesterday is 03-01.
    with time_machine.travel(datetime.datetime(2026, 3, 1, 18, 31, tzinfo=datetime.UTC), tick=False):
        assert daily_reports_send() == "1 daily report (1 new, 0 updated) for 2026-03-01; 0 e-mailed"


@time_machine.travel(SEVEN_AM, tick=False)
def test_it_refuses_a_day_that_is_not_over(db):
    for day in (TODAY, datetime.date(2026, 4, 1)):
        with pytest.raises(ValueError, match=f"{day} is not over yet: the latest day that can be reported is 2026-03-09"):
            daily_reports_send(date=day)


@time_machine.travel(SEVEN_AM, tick=False)
def test_it_refuses_a_day_before_2000(db):
    with pytest.raises(ValueError, match="1999-12-31 is before 2000-01-01, the earliest date ManageIt records"):
        daily_reports_send(date=datetime.date(1999, 12, 31))


class FailingForOscar(EmailBackend):
    """The mail server refuses any message to oscar."""

    def send_messages(self, messages):
        if any("oscar@example.org" in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({"oscar@example.org": (550, b"no")})
        return super().send_messages(messages)


def test_a_report_whose_e_mail_failed_is_sent_by_the_next_run(mess1, mess2, people, settings):
    for mess in (mess1, mess2):
        DailyReport.objects.create(mess=mess, date=days_before(YESTERDAY, 1), text_body="old", html_body="old", emailed_at=SEVEN_AM)
    settings.EMAIL_BACKEND = "tests.test_reports.FailingForOscar"
    with time_machine.travel(SEVEN_AM, tick=False), pytest.raises(EmailsFailed, match="1 e-mail not sent, left for the next run"):
        daily_reports_send()
    assert list(DailyReport.objects.filter(date=YESTERDAY).values_list("mess__code", "emailed_at")) == [
        ("mess1", SEVEN_AM),
        ("mess2", None),  # stored, not sent
    ]
    refused = OutgoingEmail.objects.get(sent_at=None)
    assert (refused.to, refused.attempts) == (["ada@example.org", "oscar@example.org"], 1)
    assert "SMTPRecipientsRefused" in refused.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    next_day = SEVEN_AM + datetime.timedelta(days=1)
    with time_machine.travel(next_day, tick=False):
        assert daily_reports_send() == ("1 e-mail of an earlier run sent; 2 daily reports (2 new, 0 updated) for 2026-03-10; 2 e-mailed")
    assert DailyReport.objects.get(mess=mess2, date=YESTERDAY).emailed_at == next_day
    assert [m.to for m in mail.outbox].count(["ada@example.org", "olga@example.org"]) == 2
    # the stored e-mail, first: the same message as the one refused
    assert (mail.outbox[1].to, mail.outbox[1].subject, mail.outbox[1].extra_headers["Message-ID"]) == (
        refused.to,
        refused.subject,
        refused.message_id,
    )
    assert OutgoingEmail.objects.filter(sent_at=None).count() == 0


class RecordingMarks(EmailBackend):
    """Notes, as each message goes out, how many reports are linked to a stored e-mail, and how many
    are marked as e-mailed."""

    while_sending = []

    def send_messages(self, messages):
        reports = DailyReport.objects.all()
        self.while_sending.append((reports.filter(email__isnull=False).count(), reports.filter(emailed_at__isnull=False).count()))
        return super().send_messages(messages)


@time_machine.travel(SEVEN_AM, tick=False)
def test_a_report_is_linked_to_its_e_mail_before_it_is_sent_and_marked_once_it_was(mess1, people, settings):
    # so that a process killed while sending leaves it unsent, and its retry sends the stored e-mail
    settings.EMAIL_BACKEND = "tests.test_reports.RecordingMarks"
    RecordingMarks.while_sending.clear()
    daily_reports_send()
    assert RecordingMarks.while_sending == [(2, 0), (2, 1)]  # both linked before the first e-mail; each marked after its own
    assert DailyReport.objects.filter(emailed_at=SEVEN_AM).count() == 2
    assert daily_reports_send().endswith("; 0 e-mailed")


# Queries


def make_messes(n, prefix, floors):
    messes = Mess.objects.bulk_create([Mess(code=f"{prefix}{i}", name=f"Mess {prefix}{i}") for i in range(n)])
    for m in messes:
        create_person(username=f"official-{m.code}", role=Role.OFFICIAL, mess=m, email=f"{m.code}@example.org")
        for j in range(floors):
            floor = Floor.objects.create(mess=m, name=f"Floor {j}")
            waste(floor, YESTERDAY, "lunch", "5", diners=40)
        feedback(m, YESTERDAY, "lunch", 1, "Cold")
        alert(m, "Floor 0", first_seen_at=ist(YESTERDAY, 9))


@time_machine.travel(SEVEN_AM, tick=False)
def test_it_uses_as_many_queries_for_six_messes_and_many_floors_as_for_two(db, admin, django_assert_num_queries):
    make_messes(2, "a", floors=2)
    with CaptureQueriesContext(connection) as two:
        daily_reports_send()
    assert len(mail.outbox) == 2
    # the e-mails earlier runs left unsent, the messes, their reports and first reports, the report
    # data (5), the closed days, the critical entries and the complaint themes' names, the recipients (3: the
    # admins, the officials, the group admins, here none) and
    # their languages, and one write that stores the e-mails, reads their ids back and stores the reports linked to them (5
    # with its savepoint); then, for each e-mail, its attempt and one write that marks it and its
    # report as sent (5 with its savepoint)
    assert len(two.captured_queries) == 22 + 2 * 6, [q["sql"] for q in two.captured_queries]
    DailyReport.objects.all().delete()
    make_messes(6, "b", floors=5)
    with django_assert_num_queries(22 + 8 * 6):
        daily_reports_send()
    assert len(mail.outbox) == 2 + 8


# The command


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


@time_machine.travel(ist(TODAY, 12), tick=False)
def test_send_daily_report_for_a_date_and_resend(mess1, official, ground):
    WasteRecord.objects.create(floor=ground, date=TODAY - datetime.timedelta(days=3), meal="lunch", total_kg=Decimal("7.5"), diners=150)

    run("send_daily_report", "--date", "2026-03-07")
    assert DailyReport.objects.get().date == datetime.date(2026, 3, 7)
    assert len(mail.outbox) == 1
    run("send_daily_report", "--date", "2026-03-07")
    assert len(mail.outbox) == 1
    run("send_daily_report", "--date", "2026-03-07", "--resend")
    assert len(mail.outbox) == 2
