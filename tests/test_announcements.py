"""Announcements' rules (mess/announcements.py): their words and days, the history of every change,
and which show on a day."""

import datetime

import pytest
import time_machine

from mess.announcements import (
    AnnouncementRefused,
    announcement_change,
    announcement_changes_of,
    announcement_post,
    announcement_remove,
    announcements_delete,
    announcements_of_mess,
    announcements_shown,
)
from mess.models import Announcement, AnnouncementChange
from tests.factories import NOW, TODAY

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
YESTERDAY, TOMORROW = TODAY - DAY, TODAY + DAY


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def post(mess, title="Pest control", text="Closed Sunday dinner for pest control.", first_day=TODAY, last_day=TODAY, **kwargs):
    return announcement_post(messes=[mess], title=title, text=text, first_day=first_day, last_day=last_day, **kwargs)[0]


def refusal(call, **kwargs) -> dict[str, str]:
    with pytest.raises(AnnouncementRefused) as refused:
        call(**kwargs)
    return refused.value.errors


def test_it_posts_an_announcement_and_keeps_it_in_the_history(mess1, official):
    announcement = post(mess1, text="  Closed Sunday dinner\r\nfor pest control.  ", posted_by=official)

    assert (announcement.mess, announcement.text, announcement.posted_by) == (mess1, "Closed Sunday dinner\nfor pest control.", official)
    change = AnnouncementChange.objects.get()
    assert (change.action, change.announcement_id, change.changed_by) == ("added", announcement.pk, official)
    assert (change.title_after, change.first_day_after, change.last_day_after, change.title_before) == ("Pest control", TODAY, TODAY, "")


def test_an_admin_posts_one_announcement_to_each_mess(mess1, mess2, admin):
    posted = announcement_post(messes=[mess1, mess2], title="Holi", text="No classes", first_day=TODAY, last_day=TOMORROW, posted_by=admin)

    assert sorted(a.mess.code for a in posted) == ["mess1", "mess2"]
    assert Announcement.objects.count() == 2 and AnnouncementChange.objects.count() == 2
    announcement_remove(mess=mess1, announcement_id=posted[0].pk)  # each is its own afterwards
    assert list(Announcement.objects.values_list("mess__code", flat=True)) == ["mess2"]


def test_it_refuses_no_mess():
    errors = refusal(announcement_post, messes=[], title="T", text="T", first_day=TODAY, last_day=TODAY)
    assert set(errors) == {"messes"}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"title": ""}, "title", "required"),
        ({"title": "   "}, "title", "required"),
        ({"text": "\n"}, "text", "required"),
        ({"title": "x" * 121}, "title", "At most 120 characters; this has 121."),
        ({"text": "x" * 1001}, "text", "At most 1000 characters; this has 1001."),
        ({"text": "Closed \u202etonight"}, "text", "U+202E"),  # a right-to-left override (Cf)
        ({"title": "Zero\u200bwidth"}, "title", "U+200B"),
        ({"text": "Bell\x07"}, "text", "U+0007"),  # a control character
        ({"first_day": YESTERDAY, "last_day": TOMORROW}, "first_day", "has passed"),
        ({"first_day": TOMORROW, "last_day": TODAY}, "last_day", "before the first day"),
        ({"last_day": TODAY + 367 * DAY}, "last_day", "at most a year ahead"),
    ],
)
def test_it_refuses_bad_words_and_days_by_their_field_and_posts_nothing(mess1, changes, field, words):
    kwargs = {"title": "Pest control", "text": "Closed", "first_day": TODAY, "last_day": TODAY, **changes}

    errors = refusal(announcement_post, messes=[mess1], **kwargs)

    assert list(errors) == [field] and words in errors[field]
    assert not Announcement.objects.exists() and not AnnouncementChange.objects.exists()


def test_it_takes_the_longest_words_and_the_joiners_that_indian_scripts_need(mess1):
    announcement = post(mess1, title="x" * 120, text="क्\u200dष " + "y" * 995)
    assert len(announcement.title) == 120 and len(announcement.text) == 1000


def test_a_change_keeps_what_it_said_before_and_after(mess1, official, admin):
    announcement = post(mess1, posted_by=official)

    announcement_change(
        mess=mess1, announcement_id=announcement.pk, title="Pest control (moved)", text="Monday instead",
        first_day=TOMORROW, last_day=TOMORROW + DAY, changed_by=admin,
    )  # fmt: skip

    announcement.refresh_from_db()
    assert (announcement.title, announcement.text, announcement.first_day, announcement.posted_by) == (
        "Pest control (moved)", "Monday instead", TOMORROW, official,
    )  # fmt: skip
    change = announcement_changes_of(mess=mess1).first()
    assert (change.action, change.changed_by) == ("changed", admin)
    assert (change.title_before, change.text_before, change.first_day_before, change.last_day_before) == (
        "Pest control", "Closed Sunday dinner for pest control.", TODAY, TODAY,
    )  # fmt: skip
    assert (change.title_after, change.text_after, change.first_day_after, change.last_day_after) == (
        "Pest control (moved)", "Monday instead", TOMORROW, TOMORROW + DAY,
    )  # fmt: skip


def test_a_change_may_keep_a_first_day_that_has_passed_but_not_set_one(mess1):
    with time_machine.travel(NOW - 3 * DAY, tick=False):
        announcement = post(mess1, first_day=TODAY - 3 * DAY, last_day=TOMORROW)
    kwargs = {"mess": mess1, "announcement_id": announcement.pk, "title": "Longer", "text": "Still closed", "last_day": TOMORROW + DAY}

    announcement_change(first_day=TODAY - 3 * DAY, **kwargs)
    assert Announcement.objects.get().last_day == TOMORROW + DAY

    errors = refusal(announcement_change, first_day=TODAY - 2 * DAY, **kwargs)
    assert list(errors) == ["first_day"]
    assert AnnouncementChange.objects.filter(action="changed").count() == 1


def test_a_refused_change_changes_nothing(mess1):
    announcement = post(mess1)
    errors = refusal(
        announcement_change, mess=mess1, announcement_id=announcement.pk, title="T", text="x" * 1001, first_day=TODAY, last_day=TODAY
    )
    assert list(errors) == ["text"]
    assert Announcement.objects.get().text == "Closed Sunday dinner for pest control."
    assert AnnouncementChange.objects.count() == 1


def test_another_messes_announcement_is_not_found(mess1, mess2):
    announcement = post(mess2)
    with pytest.raises(Announcement.DoesNotExist):
        announcement_remove(mess=mess1, announcement_id=announcement.pk)
    with pytest.raises(Announcement.DoesNotExist):
        announcement_change(mess=mess1, announcement_id=announcement.pk, title="T", text="T", first_day=TODAY, last_day=TODAY)
    assert Announcement.objects.get().title == "Pest control"


def test_a_removal_keeps_what_it_said(mess1, official):
    announcement = post(mess1)

    announcement_remove(mess=mess1, announcement_id=announcement.pk, removed_by=official)

    assert not Announcement.objects.exists()
    change = announcement_changes_of(mess=mess1).first()
    assert (change.action, change.announcement_id, change.changed_by, change.title_before, change.title_after) == (
        "removed", announcement.pk, official, "Pest control", "",
    )  # fmt: skip
    assert change.text_before == "Closed Sunday dinner for pest control." and change.first_day_after is None


def test_an_admins_deletion_keeps_each_in_the_history(mess1, mess2, admin):
    post(mess1, title="One")
    post(mess2, title="Two")

    assert announcements_delete(announcements=Announcement.objects.all(), deleted_by=admin) == 2

    removed = AnnouncementChange.objects.filter(action="removed")
    assert sorted(removed.values_list("mess__code", "title_before")) == [("mess1", "One"), ("mess2", "Two")]


def test_the_announcements_shown_on_a_day_are_those_running_then_newest_first(mess1, mess2, django_assert_num_queries):
    with time_machine.travel(NOW - 5 * DAY, tick=False):
        ended = post(mess1, title="Ended", first_day=TODAY - 5 * DAY, last_day=YESTERDAY)
        older = post(mess1, title="Older", first_day=TODAY - 5 * DAY, last_day=TODAY)
    newer = post(mess1, title="Newer", first_day=TODAY, last_day=TOMORROW)
    later = post(mess1, title="Later", first_day=TOMORROW, last_day=TOMORROW)
    post(mess2, title="Another mess's")

    with django_assert_num_queries(1):
        today = announcements_shown(mess_id=mess1.pk, day=TODAY)

    assert today == [newer, older]
    assert announcements_shown(mess_id=mess1.pk, day=TOMORROW) == [later, newer]
    assert announcements_shown(mess_id=mess1.pk, day=YESTERDAY) == [older, ended]


def test_the_officials_page_lists_running_and_coming_ones_first_then_past_ones(mess1, mess2):
    with time_machine.travel(NOW - 9 * DAY, tick=False):
        long_ago = post(mess1, title="Long ago", first_day=TODAY - 9 * DAY, last_day=TODAY - 8 * DAY)
        ended = post(mess1, title="Ended", first_day=TODAY - 9 * DAY, last_day=YESTERDAY)
        running = post(mess1, title="Running", first_day=TODAY - 9 * DAY, last_day=TODAY + 9 * DAY)
    later = post(mess1, title="Later", first_day=TOMORROW + DAY, last_day=TOMORROW + DAY)
    soon = post(mess1, title="Soon", first_day=TOMORROW, last_day=TOMORROW)
    post(mess2, title="Another mess's")

    assert announcements_of_mess(mess=mess1) == ([running, soon, later], [ended, long_ago])
