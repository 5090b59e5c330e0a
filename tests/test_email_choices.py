"""The e-mail settings page: officials and admins choose which e-mails they get, and every job's
e-mail honours the choice."""

import datetime

import time_machine
from django.core import mail

from mess.email_choices import EMAIL_CHOICES, email_choices, email_choices_save
from mess.models import Profile
from mess.notifications import notifications_send
from mess.reports import daily_reports_send
from scheduling.watchers import watchers_emails
from tests.factories import IST, TODAY, feedback, waste

ALL_ON = dict.fromkeys(EMAIL_CHOICES, True)


def test_an_official_chooses_four_kinds_and_sees_no_job_problems(as_official, official):
    page = as_official.get("/settings/")

    assert page.status_code == 200
    assert list(page.context["form"].fields) == ["emails_critical", "emails_missing_waste", "emails_daily_report", "emails_cook_sheet"]
    assert page.context["form"].initial == ALL_ON  # no choice made yet: everything

    response = as_official.post("/settings/", {"emails_critical": "on", "emails_daily_report": "on"}, follow=True)

    assert "Your choices are saved." in response.text
    assert email_choices(user=official) == {**ALL_ON, "emails_missing_waste": False, "emails_cook_sheet": False}
    # a job-problems box smuggled in by an official is ignored
    as_official.post("/settings/", {"emails_job_problems": ""})
    nothing = {"emails_critical": False, "emails_missing_waste": False, "emails_daily_report": False, "emails_cook_sheet": False}
    assert email_choices(user=official) == {**ALL_ON, **nothing}


def test_an_admin_without_a_profile_chooses_job_problems_but_no_reminders(as_admin, admin):
    page = as_admin.get("/settings/")
    assert list(page.context["form"].fields) == ["emails_critical", "emails_daily_report", "emails_job_problems"]
    assert 'name="emails_job_problems"' in page.text and "checked" in page.text

    as_admin.post("/settings/", {"emails_critical": "on", "emails_missing_waste": "on", "emails_daily_report": "on"})

    assert Profile.objects.get(user=admin).emails_job_problems is False
    assert watchers_emails() == []
    assert 'name="emails_job_problems"' in as_admin.get("/settings/").text


def test_students_have_the_settings_page_without_e_mails_and_a_link_to_it(as_student):
    page = as_student.get("/settings/")
    assert page.status_code == 200 and page.context["form"] is None and 'name="emails_critical"' not in page.text
    assert 'href="/settings/"' in as_student.get("/feedback/").text


def test_officials_see_the_link_in_the_navigation(as_official):
    assert 'href="/settings/"' in as_official.get("/mess/mess1/").text


@time_machine.travel(datetime.datetime(2026, 3, 10, 14, 0, tzinfo=IST), tick=False)
def test_critical_feedback_e_mails_honour_the_choice(mess1, official, admin):
    email_choices_save(user=official, choices={"emails_critical": False})
    feedback(mess1, TODAY, "lunch", 1, "Cold")

    notifications_send(meal="lunch")

    assert [m.to for m in mail.outbox] == [["ada@example.org"]]


@time_machine.travel(datetime.datetime(2026, 3, 11, 7, 0, tzinfo=IST), tick=False)
def test_daily_reports_honour_the_choice(mess1, ground, official, admin):
    email_choices_save(user=admin, choices={"emails_daily_report": False})
    waste(ground, TODAY, "lunch", "3")

    daily_reports_send(date=TODAY)

    assert [m.to for m in mail.outbox] == [["olga@example.org"]]
