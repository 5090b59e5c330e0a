"""Announcements on the pages: officials post, change and remove them at /mess/<code>/announcements/
(an admin to several messes or all), refusals show beside their field, and the students' page and
the public menu show the day's ones at the top, as text."""

import datetime

import pytest
import time_machine

from mess.announcements import announcement_post
from mess.models import Announcement, AnnouncementChange, Mess
from tests.admin_rows import admin_url
from tests.admin_rows import field_errors as admin_field_errors
from tests.factories import NOW, TODAY

DAY = datetime.timedelta(days=1)
TOMORROW = TODAY + DAY
URL = "/mess/mess1/announcements/"


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def form(title="Pest control", text="Closed Sunday dinner\nfor pest control.", first_day=TODAY, last_day=TODAY, **extra):
    return {"title": title, "text": text, "first_day": str(first_day), "last_day": str(last_day), **extra}


def post(mess, title="Pest control", text="Closed Sunday dinner.", first_day=TODAY, last_day=TODAY):
    return announcement_post(messes=[mess], title=title, text=text, first_day=first_day, last_day=last_day)[0]


def section(html: str, id: str) -> str:
    return html.split(f'id="{id}"')[1].split("</section>")[0]


def field_error(response, field) -> list[str]:
    return response.context["form"].errors.get(field, [])


# The officials' page


def test_an_official_posts_an_announcement_to_their_mess(as_official, official, mess1):
    response = as_official.post(URL, form(), follow=True)

    announcement = Announcement.objects.get()
    assert (announcement.mess, announcement.posted_by, announcement.text) == (mess1, official, "Closed Sunday dinner\nfor pest control.")
    assert "Posted the announcement to Mess 1." in response.text
    assert "Pest control" in section(response.text, "announcements-coming")
    assert "Closed Sunday dinner<br>for pest control." in section(response.text, "announcements-coming")


def test_the_form_starts_today_and_an_official_chooses_no_mess(as_official):
    response = as_official.get(URL)
    assert response.context["form"]["first_day"].value() == TODAY
    assert "messes" not in response.context["form"].fields


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (form(first_day=TODAY - DAY), "first_day", "has passed"),
        (form(first_day=TOMORROW, last_day=TODAY), "last_day", "before the first day"),
        (form(text="x" * 1001), "text", "at most 1000 characters"),
        (form(title="x" * 121), "title", "at most 120 characters"),
        (form(text="Closed \u202etonight"), "text", "U+202E"),
        (form(title=""), "title", "required"),
    ],
)
def test_a_refused_announcement_shows_why_by_its_field_and_posts_nothing(as_official, data, field, words):
    response = as_official.post(URL, data)

    assert response.status_code == 200
    assert any(words in error for error in field_error(response, field)), response.context["form"].errors
    assert not Announcement.objects.exists()


def test_an_admin_posts_to_several_messes_or_to_all(as_admin, mess1, mess2):
    mess3 = Mess.objects.create(code="mess3", name="Mess 3")
    Mess.objects.create(code="shut", name="Shut", is_active=False)

    response = as_admin.post(URL, form(title="Two", messes=[mess1.pk, mess3.pk]), follow=True)
    assert "Posted the announcement to Mess 1, Mess 3." in response.text
    as_admin.post(URL, form(title="All", all_messes="on"))

    assert sorted(Announcement.objects.values_list("title", "mess__code")) == [
        ("All", "mess1"), ("All", "mess2"), ("All", "mess3"), ("Two", "mess1"), ("Two", "mess3"),
    ]  # fmt: skip


def test_an_admin_chooses_at_least_one_mess(as_admin, mess1):
    assert as_admin.get(URL).context["form"]["messes"].value() == [mess1.pk]  # this mess to begin with

    response = as_admin.post(URL, form())

    assert field_error(response, "messes") == ["Choose at least one mess, or every mess."]
    assert not Announcement.objects.exists()


def test_an_official_changes_an_announcement_and_the_page_shows_the_history(as_official, official, mess1):
    announcement = post(mess1)
    url = f"{URL}{announcement.pk}/"
    assert as_official.get(url).context["form"]["title"].value() == "Pest control"

    response = as_official.post(url, form(title="Pest control, moved", first_day=TOMORROW, last_day=TOMORROW), follow=True)

    announcement.refresh_from_db()
    assert (announcement.title, announcement.first_day) == ("Pest control, moved", TOMORROW)
    history = section(response.text, "announcement-history")
    assert "Changed" in history and "olga" in history and "Pest control, moved" in history and "Closed Sunday dinner." in history


def test_a_refused_change_shows_why_by_its_field(as_official, mess1):
    announcement = post(mess1, first_day=TOMORROW, last_day=TOMORROW)

    response = as_official.post(f"{URL}{announcement.pk}/", form(first_day=TODAY - DAY))

    assert "has passed" in field_error(response, "first_day")[0]
    assert Announcement.objects.get().first_day == TOMORROW


def test_deleting_asks_first_and_only_a_post_deletes(as_official, official, mess1):
    announcement = post(mess1)
    url = f"{URL}{announcement.pk}/delete/"

    asked = as_official.get(url)
    assert "Delete this announcement?" in asked.text and Announcement.objects.exists()

    response = as_official.post(url, follow=True)

    assert not Announcement.objects.exists()
    assert "Removed the announcement “Pest control”." in response.text
    change = AnnouncementChange.objects.get(action="removed")
    assert (change.changed_by, change.title_before) == (official, "Pest control")


def test_another_messes_announcement_cannot_be_changed_or_deleted_from_this_mess(as_official, mess2):
    announcement = post(mess2)
    for url in (f"{URL}{announcement.pk}/", f"{URL}{announcement.pk}/delete/"):
        assert as_official.get(url).status_code == 404
        assert as_official.post(url, form()).status_code == 404
    assert Announcement.objects.get().title == "Pest control"


# Where students see them


@pytest.fixture
def notices(mess1, mess2):
    with time_machine.travel(NOW - 3 * DAY, tick=False):
        post(mess1, title="Ended yesterday", first_day=TODAY - 3 * DAY, last_day=TODAY - DAY)
        post(mess1, title="Older notice", first_day=TODAY - 3 * DAY, last_day=TODAY)
    post(mess1, title="Pest control <b>Sunday</b>", text="No dinner\n<script>alert(1)</script>", first_day=TODAY, last_day=TOMORROW)
    post(mess1, title="Starts tomorrow", first_day=TOMORROW, last_day=TOMORROW)
    post(mess2, title="Another mess's notice")


def assert_shows_todays_only(html):
    shown = section(html, "announcements")
    assert "Pest control &lt;b&gt;Sunday&lt;/b&gt;" in shown and "Older notice" in shown
    assert shown.index("Pest control") < shown.index("Older notice")  # the newest first
    assert "No dinner<br>&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<script>" not in html.split("<main")[1]
    for hidden in ("Ended yesterday", "Starts tomorrow", "Another mess"):
        assert hidden not in html
    assert html.index('id="announcements"') < html.index('id="menu-today"')  # at the top


def test_the_students_page_shows_todays_announcements_at_the_top(as_student, notices):
    assert_shows_todays_only(as_student.get("/feedback/").text)


def test_the_public_menu_shows_todays_announcements_at_the_top(client, notices):
    assert_shows_todays_only(client.get("/menu/mess1/").text)


def test_no_announcement_no_section(as_student, client, mess1):
    assert 'id="announcements"' not in as_student.get("/feedback/").text
    assert 'id="announcements"' not in client.get("/menu/mess1/").text


# Django admin


def test_django_admin_refuses_a_past_first_day_beside_its_field_and_keeps_the_history(as_admin, admin, mess1):
    data = {"mess": mess1.pk, "title": "Holi", "text": "No dinner", "first_day": str(TODAY - DAY), "last_day": str(TODAY)}

    response = as_admin.post(admin_url(Announcement, "add"), data)

    assert any("has passed" in e for e in admin_field_errors(response, "first_day"))
    assert not Announcement.objects.exists()

    as_admin.post(admin_url(Announcement, "add"), {**data, "first_day": str(TODAY)})
    change = AnnouncementChange.objects.get()
    assert (change.action, change.changed_by, change.title_after) == ("added", admin, "Holi")
    assert as_admin.get(admin_url(AnnouncementChange, "change", change.pk)).context["has_change_permission"] is False
