"""The e-mail settings, replying to a student from the inbox, and paging the inbox, in a real browser
(see tests/browser/conftest.py for how these run), at desktop and at phone width."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from mess.models import Feedback, Notification, Profile
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, DESKTOP, PHONE, log_in, submit
from tests.factories import judged

pytestmark = BROWSER_TESTS


def fits_a_phone(page, name: str) -> None:
    """At phone width nothing makes the page scroll sideways; a screenshot of each width is kept."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=ARTIFACTS / f"{name}-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_admin_turns_off_job_problem_e_mails(page, live_server, people, dialogs, csp_violations, viewport):
    admin = get_user_model().objects.create_superuser(username="ada", email="ada@example.org", password="pw-ada-123")
    page.set_viewport_size(viewport)
    log_in(page, live_server, "ada", "pw-ada-123")

    submit(page, "nav >> text=Settings")
    assert page.locator("#id_emails_job_problems").is_checked()
    page.locator("#id_emails_job_problems").uncheck()
    page.locator("#id_emails_daily_report").uncheck()
    submit(page, "button:has-text('Save')")

    assert "Your choices are saved." in page.locator(".messages").inner_text()
    assert not page.locator("#id_emails_job_problems").is_checked() and page.locator("#id_emails_critical").is_checked()
    profile = Profile.objects.get(user=admin)
    assert (profile.emails_job_problems, profile.emails_daily_report, profile.emails_critical) == (False, False, True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    fits_a_phone(page, "settings")
    assert dialogs == [] and csp_violations == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_official_replies_and_the_student_reads_the_reply_as_text(page, live_server, people, dialogs, csp_violations, viewport):
    mess, student = people["mess"], people["student"]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    entry = judged(Feedback(student=student, mess=mess, date=yesterday, meal="lunch", rating=1, comment="A stone in the dal"))
    Notification.objects.create(mess=mess, date=yesterday, meal="lunch", critical_count=1)
    reply = "<b>Sorry</b>: the dal is sieved twice now & checked"
    page.set_viewport_size(viewport)

    log_in(page, live_server, "olga", "pw-olga-123")
    page.locator("#notifications summary").first.click()
    item = page.locator(f"#feedback-{entry.pk}")
    item.locator("textarea").fill("   ")  # blank (the browser itself refuses an empty box): refused beside the comment
    item.locator("button:has-text('Reply')").click()
    assert "Write a reply first." in page.locator(f"#feedback-{entry.pk} .error").inner_text()
    page.locator(f"#feedback-{entry.pk} textarea").fill(reply)
    page.locator(f"#feedback-{entry.pk} button:has-text('Reply')").click()

    assert "Reply saved" in page.locator(f"#feedback-{entry.pk} .ok").inner_text()  # where the page lands
    entry.refresh_from_db()
    assert entry.reply == reply
    # back on the dashboard, at the comment (Chromium opens the <details> the address points into)
    assert page.url.endswith(f"/mess/mess1/?replied={entry.pk}#feedback-{entry.pk}")
    assert page.locator(f"#feedback-{entry.pk} .reply p").inner_text() == reply
    fits_a_phone(page, "inbox-reply")

    submit(page, "text=Log out")
    log_in(page, live_server, "alice", "pw-alice-123")
    shown = page.locator(f"#history #reply-{entry.pk} p")
    assert shown.inner_text() == reply
    assert page.locator("#history b").count() == 0
    page.set_viewport_size(viewport)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    fits_a_phone(page, "feedback-reply")
    assert dialogs == [] and csp_violations == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_official_pages_through_every_notification(page, live_server, people, dialogs, csp_violations, viewport):
    mess, today = people["mess"], timezone.localdate()
    meals = ["dinner", "snacks", "lunch", "breakfast"]
    Notification.objects.bulk_create(
        Notification(mess=mess, date=today - datetime.timedelta(days=i // 4), meal=meals[i % 4], critical_count=i + 1) for i in range(23)
    )
    page.set_viewport_size(viewport)
    log_in(page, live_server, "olga", "pw-olga-123")
    assert "23 unread" in page.locator("#notifications h2").inner_text()

    counts = []
    submit(page, "#notifications a[rel=next]")  # from the dashboard to the inbox's second page
    counts += page.locator(".notification-list > li summary").all_inner_texts()
    assert "Page 2 of 3" in page.locator(".pager").inner_text()
    submit(page, "a[rel=next]")
    counts += page.locator(".notification-list > li summary").all_inner_texts()
    assert page.locator("a[rel=next]").count() == 0
    submit(page, "a[rel=prev]")
    submit(page, "a[rel=prev]")
    counts += page.locator(".notification-list > li summary").all_inner_texts()

    assert sorted(int(text.split(": ")[1].split(" critical")[0]) for text in counts) == list(range(1, 24))
    page.locator(".notification-list > li").first.locator("button:has-text('Mark as read')").click()
    assert "22 unread" in page.locator("#notifications h2").inner_text() and "/notifications/" in page.url
    fits_a_phone(page, "inbox")
    assert dialogs == [] and csp_violations == []
