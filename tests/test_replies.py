"""Replies to students and the complete inbox: an official answers a critical comment from the
notifications inbox and the student reads it under the comment; the inbox is paged, its unread count
and its list agree, and every notification can be reached."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.feedback import feedback_save
from mess.models import Feedback, Notification
from mess.notifications import INBOX_PAGE, mess_for_dashboard, notifications_page
from mess.replies import feedback_reply
from tests.factories import NOW, TODAY, days_ago, feedback, notification


@pytest.fixture
def complaint(mess1, student):
    """Alice's critical comment on yesterday's lunch, and its notification."""
    entry = feedback(mess1, days_ago(1), "lunch", 1, "Stone in the dal", student=student)
    notification(mess1, days_ago(1), "lunch", ["Stone in the dal"])
    return entry


# The rule


def test_a_reply_is_stored_with_who_and_when_and_a_second_replaces_it(mess1, complaint, official, admin):
    with time_machine.travel(NOW, tick=False):
        feedback_reply(mess=mess1, feedback_id=complaint.pk, reply="  We spoke to the cook.\r\nSorry!  ", replied_by=official)
    complaint.refresh_from_db()
    assert (complaint.reply, complaint.replied_by, complaint.replied_at) == ("We spoke to the cook.\nSorry!", official, NOW)

    feedback_reply(mess=mess1, feedback_id=complaint.pk, reply="The dal is sieved now.", replied_by=admin)
    complaint.refresh_from_db()
    assert (complaint.reply, complaint.replied_by) == ("The dal is sieved now.", admin)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("   ", "the reply is empty"),
        ("x" * 1001, "the reply is longer than 1000 characters"),
        ("Sorry\x1b[2J", "the reply contains the control character U\\+001B"),
    ],
)
def test_it_refuses_a_reply_that_is_not_text_and_changes_nothing(mess1, complaint, official, reply, error):
    with pytest.raises(ValueError, match=error):
        feedback_reply(mess=mess1, feedback_id=complaint.pk, reply=reply, replied_by=official)

    complaint.refresh_from_db()
    assert (complaint.reply, complaint.replied_at) == ("", None)


def test_only_a_critical_comment_of_the_mess_can_be_answered(mess1, mess2, complaint, official):
    praise = feedback(mess1, days_ago(1), "lunch", 5, "Lovely")
    silent = feedback(mess1, days_ago(1), "dinner", 1)
    elsewhere = feedback(mess2, days_ago(1), "lunch", 1, "Cold")

    for entry, mess in [(praise, mess1), (silent, mess1), (elsewhere, mess1), (complaint, mess2)]:
        with pytest.raises(Feedback.DoesNotExist):
            feedback_reply(mess=mess, feedback_id=entry.pk, reply="Thanks", replied_by=official)
    assert not Feedback.objects.exclude(reply="").exists()


# The pages


@time_machine.travel(NOW, tick=False)
def test_an_official_replies_from_the_inbox_and_the_student_reads_it_escaped(as_official, client, complaint, student):
    page = as_official.get("/mess/mess1/notifications/")
    assert f'action="/mess/mess1/feedback/{complaint.pk}/reply/"' in page.text

    response = as_official.post(
        f"/mess/mess1/feedback/{complaint.pk}/reply/", {"reply": "<b>Sorry</b>, sieved now", "next": "/mess/mess1/notifications/?page=1"}
    )

    landing = f"/mess/mess1/notifications/?page=1&replied={complaint.pk}#feedback-{complaint.pk}"
    assert response.status_code == 302 and response["Location"] == landing
    inbox = as_official.get(landing).text
    assert "&lt;b&gt;Sorry&lt;/b&gt;, sieved now" in inbox and "Reply by olga" in inbox
    item = inbox.split(f'id="feedback-{complaint.pk}"')[1].split("</li>")[0]
    assert "Reply saved" in item  # said where the page lands, beside the comment, not in a banner out of sight
    client.force_login(student)
    history = client.get("/feedback/").text.split('id="history"')[1]
    assert "Stone in the dal" in history and "The mess replied on Tue 10 Mar" in history
    assert "&lt;b&gt;Sorry&lt;/b&gt;, sieved now" in history and "<b>Sorry</b>" not in history


@time_machine.travel(NOW, tick=False)
def test_a_reply_to_todays_comment_shows_on_its_card(client, mess1, student, official):
    today = feedback(mess1, TODAY, "breakfast", 1, "Cold idli", student=student)
    feedback_reply(mess=mess1, feedback_id=today.pk, reply="Hot ones from tomorrow", replied_by=official)
    client.force_login(student)

    card = client.get("/feedback/").text.split('id="meal-breakfast"')[1].split("</section>")[0]

    assert "Hot ones from tomorrow" in card


@time_machine.travel(NOW, tick=False)
def test_a_bad_reply_is_shown_beside_its_comment_and_changes_nothing(as_official, complaint):
    response = as_official.post(f"/mess/mess1/feedback/{complaint.pk}/reply/", {"reply": "  ", "page": "1"})

    assert response.status_code == 200
    item = response.text.split(f'id="feedback-{complaint.pk}"')[1].split("</li>")[0]
    assert "Write a reply first." in item
    assert f'<li id="notification-{Notification.objects.get().pk}" class="unread">\n    <details open>' in response.text  # opened on it
    complaint.refresh_from_db()
    assert complaint.reply == ""


def test_another_messs_official_cannot_reply_and_students_cannot_at_all(client, complaint, other_official, student):
    client.force_login(other_official)
    assert client.post(f"/mess/mess1/feedback/{complaint.pk}/reply/", {"reply": "Hi"}).status_code == 404
    assert client.post(f"/mess/mess2/feedback/{complaint.pk}/reply/", {"reply": "Hi"}).status_code == 404  # not mess2's entry
    assert client.post(f"/mess/mess2/feedback/{complaint.pk}/reply/", {"reply": ""}).status_code == 404
    client.force_login(student)
    assert client.post(f"/mess/mess1/feedback/{complaint.pk}/reply/", {"reply": "Hi"}).status_code == 403
    complaint.refresh_from_db()
    assert complaint.reply == ""


def test_a_reply_goes_back_only_to_a_page_of_this_site(as_official, complaint):
    response = as_official.post(f"/mess/mess1/feedback/{complaint.pk}/reply/", {"reply": "Noted", "next": "https://evil.example/"})

    assert response["Location"] == f"/mess/mess1/notifications/?replied={complaint.pk}#feedback-{complaint.pk}"


def test_replying_marks_the_meals_notification_read_and_no_other(mess1, complaint, official):
    other = notification(mess1, days_ago(2), "lunch", ["Late again"])
    feedback_reply(mess=mess1, feedback_id=complaint.pk, reply="Sieved now", replied_by=official)
    assert Notification.objects.get(date=complaint.date, meal="lunch").read_at is not None  # who answers has read it
    other.refresh_from_db()
    assert other.read_at is None


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_answers_a_critical_comment_before_the_notifications_job_has_run(as_official, mess1, student):
    entry = feedback(mess1, TODAY, "breakfast", 1, "Cold idli", student=student)
    assert not Notification.objects.exists()  # the job has not gathered it yet
    card = as_official.get("/mess/mess1/").text.split('id="critical"')[1].split("</section>")[0]
    assert f'action="/mess/mess1/feedback/{entry.pk}/reply/"' in card

    refused = as_official.post(f"/mess/mess1/feedback/{entry.pk}/reply/", {"reply": " ", "next": "/mess/mess1/", "from": "dashboard"})
    assert refused.status_code == 200
    item = refused.text.split(f'id="critical-{entry.pk}"')[1].split("</li>")[0]
    assert "Write a reply first." in item  # on the dashboard it came from, beside the comment

    saved = as_official.post(f"/mess/mess1/feedback/{entry.pk}/reply/", {"reply": "Hot ones", "next": "/mess/mess1/", "from": "dashboard"})
    assert saved["Location"] == f"/mess/mess1/?replied={entry.pk}#critical-{entry.pk}"
    item = as_official.get(saved["Location"]).text.split(f'id="critical-{entry.pk}"')[1].split("</li>")[0]
    assert "Reply saved" in item and "Hot ones" in item


# Paging


def many_notifications(mess, n: int, unread: set[int]) -> list[Notification]:
    """`n` notifications of `mess`, one a meal backwards from today's dinner; those numbered in `unread` unread."""
    meals = ["dinner", "snacks", "lunch", "breakfast"]
    return [notification(mess, days_ago(i // 4), meals[i % 4], [f"Comment {i}"], read=i not in unread) for i in range(n)]


@time_machine.travel(NOW, tick=False)
def test_every_notification_is_reachable_page_by_page_unread_first(as_official, mess1, mess2):
    made = many_notifications(mess1, 25, unread={3, 12, 24})
    notification(mess2, TODAY, "lunch", ["Other mess"], read=False)

    seen = []
    for number in (1, 2, 3):
        response = as_official.get(f"/mess/mess1/notifications/?page={number}")
        seen += [n.pk for n in response.context["page"]]
        assert "3 unread" in response.text

    assert len(seen) == 25 and set(seen) == {n.pk for n in made}
    assert seen[:3] == [made[3].pk, made[12].pk, made[24].pk]  # unread first, newest first
    assert seen[3:] == [n.pk for i, n in enumerate(made) if i not in {3, 12, 24}]
    assert 'rel="next"' in as_official.get("/mess/mess1/notifications/?page=2").text
    last = as_official.get("/mess/mess1/notifications/?page=3").text
    assert 'rel="next"' not in last and "Page 3 of 3 · 25 notifications" in last


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_shows_the_first_page_and_links_to_the_next(as_official, mess1):
    many_notifications(mess1, INBOX_PAGE + 1, unread=set(range(INBOX_PAGE + 1)))

    response = as_official.get("/mess/mess1/")

    assert len(response.context["notifications"].object_list) == INBOX_PAGE
    section = response.text.split('id="notifications"')[1].split("</section>")[0]
    assert f"{INBOX_PAGE + 1} unread" in section and 'href="/mess/mess1/notifications/?page=2"' in section


@pytest.mark.parametrize(("asked", "shown"), [("9", 3), ("0", 3), ("two", 1), ("", 1)])
def test_a_page_out_of_range_is_the_last_and_one_that_is_no_number_the_first(as_official, mess1, asked, shown):
    many_notifications(mess1, 25, unread=set())

    assert as_official.get(f"/mess/mess1/notifications/?page={asked}").context["page"].number == shown


@time_machine.travel(NOW, tick=False)
def test_marking_one_read_from_a_page_goes_back_to_it_and_the_count_follows(as_official, mess1):
    made = many_notifications(mess1, 15, unread={14})

    response = as_official.post(f"/mess/mess1/notifications/{made[14].pk}/read/", {"next": "/mess/mess1/notifications/?page=2"})

    assert response["Location"] == "/mess/mess1/notifications/?page=2#notifications"
    assert mess_for_dashboard(code="mess1").unread_notifications == 0
    assert "All read" in as_official.get("/mess/mess1/notifications/").text


@time_machine.travel(NOW, tick=False)
def test_each_page_costs_the_same_queries_and_carries_its_comments(mess1, student, django_assert_num_queries):
    many_notifications(mess1, 30, unread={0, 29})
    for meal in ("dinner", "snacks"):
        feedback(mess1, TODAY, meal, 1, f"Bad {meal}")
    mess = mess_for_dashboard(code="mess1")

    with CaptureQueriesContext(connection) as first:
        page = notifications_page(mess=mess, number=1)
    with django_assert_num_queries(len(first.captured_queries)):
        notifications_page(mess=mess, number=3)

    assert len(first.captured_queries) == 2
    by_meal = {(n.date, n.meal): [e.comment for e in n.entries] for n in page}
    assert by_meal[TODAY, "dinner"] == ["Bad dinner"] and by_meal[TODAY, "snacks"] == ["Bad snacks"]
    assert by_meal[days_ago(1), "dinner"] == []


@time_machine.travel(NOW, tick=False)
def test_the_forms_of_a_refused_reply_go_back_where_it_came_from(as_official, complaint):
    response = as_official.post(f"/mess/mess1/feedback/{complaint.pk}/reply/", {"reply": "", "next": "/mess/mess1/"})

    assert 'name="next" value="/mess/mess1/"' in response.text
    assert f'value="/mess/mess1/feedback/{complaint.pk}/reply/"' not in response.text


# A reply follows the words it answered


@pytest.mark.parametrize(
    ("comment", "rating", "kept"),
    [
        ("Stone in the dal", 2, True),  # the same words, another rating: the reply still answers them
        ("  Stone in the dal \r\n", 1, True),  # the same words as stored (stripped)
        ("Stone in the dal, and cold rice", 1, False),
        ("", 1, False),
    ],
)
def test_a_reply_is_cleared_when_the_student_changes_the_comment_it_answered(mess1, student, official, comment, rating, kept):
    with time_machine.travel(NOW, tick=False):
        saved = feedback_save(student=student, meal="lunch", rating=1, category="food", comment="Stone in the dal").entry
        feedback_reply(mess=mess1, feedback_id=saved.pk, reply="We spoke to the cook.", replied_by=official)

        changed = feedback_save(student=student, meal="lunch", rating=rating, category="food", comment=comment)

    entry = Feedback.objects.get()
    assert not changed.created and (entry.rating, entry.comment) == (rating, comment.strip())
    if kept:
        assert (entry.reply, entry.replied_by, entry.replied_at) == ("We spoke to the cook.", official, NOW)
    else:
        assert (entry.reply, entry.replied_by, entry.replied_at) == ("", None, None)
    assert (changed.entry.reply == "") is not kept  # what the page shows after the save agrees
