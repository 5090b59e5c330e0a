"""A notification's own page, in a real browser (see tests/browser/conftest.py for how these run), at
desktop and at phone width: from the inbox an official reaches a comment the inbox leaves out and
replies to it."""

import datetime

import pytest
from django.utils import timezone

from mess.models import Feedback, Notification
from mess.notifications import MAX_COMMENTS
from tests.browser.common import BROWSER_TESTS, DESKTOP, PHONE, fits, log_in, submit
from tests.factories import judged, rater

pytestmark = BROWSER_TESTS


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_official_replies_to_a_comment_past_the_newest_twenty(page, live_server, people, dialogs, csp_violations, viewport):
    mess = people["mess"]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for i in range(MAX_COMMENTS + 1):
        judged(Feedback(student=rater(), mess=mess, date=yesterday, meal="lunch", rating=1, comment=f"Cold dal, {i} of {MAX_COMMENTS + 1}"))
    oldest = Feedback.objects.order_by("created_at", "id").first()
    Notification.objects.create(mess=mess, date=yesterday, meal="lunch", critical_count=MAX_COMMENTS + 1)
    page.set_viewport_size(viewport)

    log_in(page, live_server, "olga", "pw-olga-123")
    assert page.url.endswith("/mess/mess1/")  # the dashboard, with the inbox's first page
    page.locator("#notifications summary").first.click()
    assert page.locator(f"#feedback-{oldest.pk}").count() == 0  # the inbox shows the newest twenty
    submit(page, f"text=All {MAX_COMMENTS + 1} comments, to reply to each")

    item = page.locator(f"#feedback-{oldest.pk}")
    assert item.locator(".comment").inner_text() == oldest.comment
    item.locator("textarea").fill("   ")
    submit(page, f"#feedback-{oldest.pk} button:has-text('Reply')")
    assert "Write a reply first." in page.locator(f"#feedback-{oldest.pk} .error").inner_text()  # on this page again
    page.locator(f"#feedback-{oldest.pk} textarea").fill("<b>Sorry</b>, it is hot now")
    submit(page, f"#feedback-{oldest.pk} button:has-text('Reply')")

    assert "Reply saved" in page.locator(f"#feedback-{oldest.pk} .ok").inner_text()  # where the page lands
    assert f"/mess/mess1/notifications/{Notification.objects.get().pk}/" in page.url
    assert page.locator(f"#feedback-{oldest.pk} .reply p").inner_text() == "<b>Sorry</b>, it is hot now"
    oldest.refresh_from_db()
    assert oldest.reply == "<b>Sorry</b>, it is hot now"
    assert fits(page, viewport["width"])
    assert dialogs == [] and csp_violations == []
