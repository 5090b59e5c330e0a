"""A mess's notifications on its pages. Every critical comment of a notification can be answered: the
inbox shows the newest MAX_COMMENTS of each notification and links to the notification's own page,
which lists every comment of its meal, paged, each with a reply form. Marking one or all of them read
takes a post."""

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.models import Feedback, Notification
from mess.notifications import MAX_COMMENTS, NOTIFICATION_COMMENTS_PAGE, notification_comments
from tests.factories import NOW, TODAY, days_ago, feedback, notification

YESTERDAY = days_ago(1)


def complaints(mess, n: int, meal="lunch") -> list[Feedback]:
    """`n` critical comments on yesterday's `meal` of `mess`, oldest first; and its notification."""
    entries = [feedback(mess, YESTERDAY, meal, 1, f"Complaint {i:03}") for i in range(n)]
    notification(mess, YESTERDAY, meal, [e.comment for e in entries[-MAX_COMMENTS:]])
    return entries


def shown(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li id="feedback-(\d+)">', html)]


# The rule


@time_machine.travel(NOW, tick=False)
def test_a_notifications_comments_are_all_there_page_by_page_newest_first(mess1, mess2):
    entries = complaints(mess1, NOTIFICATION_COMMENTS_PAGE + 10)
    feedback(mess1, YESTERDAY, "dinner", 1, "Another meal's")
    feedback(mess1, YESTERDAY, "lunch", 1, "")  # critical, but nothing to reply to
    feedback(mess1, YESTERDAY, "lunch", 5, "Lovely")  # not critical
    complaints(mess2, 3)  # another mess's, on the same meal
    pk = Notification.objects.get(mess=mess1).pk

    notification, first = notification_comments(mess=mess1, notification_id=pk, number=1)
    _, second = notification_comments(mess=mess1, notification_id=pk, number="2")

    assert notification.pk == pk and first.paginator.count == NOTIFICATION_COMMENTS_PAGE + 10
    assert [e.pk for e in first] + [e.pk for e in second] == [e.pk for e in reversed(entries)]
    assert notification_comments(mess=mess1, notification_id=pk, number="nine")[1].number == 1


def test_another_messs_notification_is_not_found(mess1, mess2):
    complaints(mess2, 1)
    with pytest.raises(Notification.DoesNotExist):
        notification_comments(mess=mess1, notification_id=Notification.objects.get().pk, number=1)


@time_machine.travel(NOW, tick=False)
def test_a_notifications_page_costs_the_same_queries_for_5_comments_as_for_120(as_official, official, mess1, django_assert_num_queries):
    complaints(mess1, 5)
    pk = Notification.objects.get().pk
    with CaptureQueriesContext(connection) as few:
        notification_comments(mess=mess1, notification_id=pk, number=1)
    with CaptureQueriesContext(connection) as few_page:
        assert as_official.get(f"/mess/mess1/notifications/{pk}/").status_code == 200

    for i in range(115):  # 120 in all, replied to or not
        feedback(mess1, YESTERDAY, "lunch", 1, f"More {i}")
    Feedback.objects.filter(pk__in=list(Feedback.objects.order_by("pk").values_list("pk", flat=True)[:40])).update(
        reply="Noted", replied_by=official, replied_at=NOW
    )
    with django_assert_num_queries(3):  # the notification, the count and the page
        notification_comments(mess=mess1, notification_id=pk, number=2)
    assert len(few.captured_queries) == 3
    with django_assert_num_queries(len(few_page.captured_queries)):
        response = as_official.get(f"/mess/mess1/notifications/{pk}/?page=2")
    assert len(shown(response.text)) == NOTIFICATION_COMMENTS_PAGE and "Page 2 of 3" in response.text


# The pages


@time_machine.travel(NOW, tick=False)
def test_the_inbox_links_to_every_comment_when_it_shows_only_the_newest(as_official, mess1):
    entries = complaints(mess1, MAX_COMMENTS + 5)
    few = complaints(mess1, MAX_COMMENTS, meal="dinner")
    many, enough = Notification.objects.get(meal="lunch"), Notification.objects.get(meal="dinner")

    inbox = as_official.get("/mess/mess1/notifications/").text

    lunch = inbox.split(f'id="notification-{many.pk}"')[1].split("</details>")[0]
    dinner = inbox.split(f'id="notification-{enough.pk}"')[1].split("</details>")[0]
    assert shown(lunch) == [e.pk for e in reversed(entries)][:MAX_COMMENTS]
    assert f'<a href="/mess/mess1/notifications/{many.pk}/">All {MAX_COMMENTS + 5} comments, to reply to each</a>' in lunch
    assert shown(dinner) == [e.pk for e in reversed(few)] and "to reply to each" not in dinner  # all shown: no link
    page = as_official.get(f"/mess/mess1/notifications/{many.pk}/").text
    assert shown(page) == [e.pk for e in reversed(entries)]
    assert f"{MAX_COMMENTS + 5} comments" in page and 'rel="next"' not in page
    assert f'action="/mess/mess1/feedback/{entries[0].pk}/reply/"' in page  # the oldest, which the inbox leaves out


@time_machine.travel(NOW, tick=False)
def test_an_official_replies_to_a_comment_the_inbox_leaves_out_and_comes_back_to_it(as_official, mess1):
    entries = complaints(mess1, NOTIFICATION_COMMENTS_PAGE + 1)
    oldest, pk = entries[0], Notification.objects.get().pk
    url = f"/mess/mess1/notifications/{pk}/?page=2"
    page = as_official.get(url).text
    assert shown(page) == [oldest.pk] and f'name="next" value="{url}"' in page and f'name="notification" value="{pk}"' in page

    response = as_official.post(
        f"/mess/mess1/feedback/{oldest.pk}/reply/", {"reply": "<i>Sorry</i>", "next": url, "page": "2", "notification": pk}
    )

    assert response.status_code == 302 and response["Location"] == f"{url}&replied={oldest.pk}#feedback-{oldest.pk}"
    oldest.refresh_from_db()
    assert oldest.reply == "<i>Sorry</i>"
    again = as_official.get(url).text
    assert "&lt;i&gt;Sorry&lt;/i&gt;" in again and "<i>Sorry</i>" not in again and "Reply by olga" in again


@time_machine.travel(NOW, tick=False)
def test_a_refused_reply_shows_the_notifications_page_again_with_the_error_beside_the_comment(as_official, mess1):
    entries = complaints(mess1, NOTIFICATION_COMMENTS_PAGE + 1)
    oldest, pk = entries[0], Notification.objects.get().pk
    url = f"/mess/mess1/notifications/{pk}/?page=2"

    response = as_official.post(f"/mess/mess1/feedback/{oldest.pk}/reply/", {"reply": " ", "next": url, "page": "2", "notification": pk})

    assert response.status_code == 200 and response.templates[0].name == "mess/notifications/notification.html"
    assert shown(response.text) == [oldest.pk] and response.context["page"].number == 2
    assert "Write a reply first." in response.text.split(f'id="feedback-{oldest.pk}"')[1]
    assert f'name="next" value="{url}"' in response.text  # its forms go back to the page, not to the reply's address
    oldest.refresh_from_db()
    assert oldest.reply == ""


@pytest.mark.parametrize("posted", ["nope", "999999"])
def test_a_refused_reply_naming_no_notification_of_the_mess_is_not_found(as_official, mess1, mess2, posted):
    [entry] = complaints(mess1, 1)
    complaints(mess2, 1)
    other = Notification.objects.get(mess=mess2).pk

    for notification_id in (posted, other):
        response = as_official.post(f"/mess/mess1/feedback/{entry.pk}/reply/", {"reply": "", "notification": notification_id})
        assert response.status_code == 404


def test_officials_see_only_their_own_messs_notifications_and_admins_any(client, mess1, mess2, official, other_official, admin, student):
    complaints(mess1, 1)
    complaints(mess2, 1)
    mine, theirs = Notification.objects.get(mess=mess1).pk, Notification.objects.get(mess=mess2).pk
    client.force_login(official)
    assert client.get(f"/mess/mess1/notifications/{mine}/").status_code == 200
    assert client.get(f"/mess/mess1/notifications/{theirs}/").status_code == 404  # another mess's, under this mess
    assert client.get(f"/mess/mess2/notifications/{theirs}/").status_code == 404  # another mess
    client.force_login(admin)
    assert client.get(f"/mess/mess2/notifications/{theirs}/").status_code == 200
    assert client.get(f"/mess/mess1/notifications/{theirs}/").status_code == 404
    client.force_login(student)
    assert client.get(f"/mess/mess1/notifications/{mine}/").status_code == 403


@time_machine.travel(NOW, tick=False)
def test_a_reply_by_an_official_no_longer_here_still_shows(as_official, mess1, admin):
    [entry] = complaints(mess1, 1)
    Feedback.objects.filter(pk=entry.pk).update(reply="Fixed", replied_by=admin, replied_at=NOW)
    admin.delete()  # the reply stays, without who wrote it
    pk = Notification.objects.get().pk

    for url in ("/mess/mess1/notifications/", f"/mess/mess1/notifications/{pk}/", "/mess/mess1/"):
        response = as_official.get(url)
        assert response.status_code == 200 and "Reply by someone no longer here, Tue 10 Mar, 13:00" in response.text, url


# Marking read


@time_machine.travel(NOW, tick=False)
def test_it_marks_a_notification_as_read(as_official, mess1, mess2):
    mine, other = notification(mess1, TODAY, "lunch"), notification(mess2, TODAY, "lunch")

    response = as_official.post(f"/mess/mess1/notifications/{mine.pk}/read/")

    assert response.status_code == 302 and response["Location"] == "/mess/mess1/#notifications"
    mine.refresh_from_db()
    assert mine.read_at == NOW
    assert as_official.post(f"/mess/mess1/notifications/{other.pk}/read/").status_code == 404  # not this mess's
    other.refresh_from_db()
    assert other.read_at is None
    assert as_official.post(f"/mess/mess1/notifications/{mine.pk}/read/").status_code == 302  # twice is harmless
    assert "unread" not in as_official.get("/mess/mess1/").text.split('id="notifications"')[1].split("</h2>")[0]


def test_it_marks_every_notification_of_the_mess_as_read(as_official, mess1, mess2):
    notification(mess1, TODAY, "lunch")
    notification(mess1, TODAY, "dinner")
    other = notification(mess2, TODAY, "lunch")

    response = as_official.post("/mess/mess1/notifications/read/", follow=True)

    assert "Marked 2 notifications as read." in response.text
    assert not Notification.objects.filter(mess=mess1, read_at=None).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_reading_notifications_needs_a_post(as_official, mess1):
    n = notification(mess1, TODAY, "lunch")
    assert as_official.get(f"/mess/mess1/notifications/{n.pk}/read/").status_code == 405
    assert as_official.get("/mess/mess1/notifications/read/").status_code == 405
