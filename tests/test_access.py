"""Who sees what: every URL for every role. The pages are those of mess1; `official` runs mess1,
`other_official` runs mess2."""

import datetime
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group

from mess.models import (
    Announcement,
    Closure,
    DailyReport,
    GroupAdmin,
    MessChangeRequest,
    MessChangeWindow,
    MessGroup,
    Notification,
    Role,
    WasteRecord,
)
from mess.people import ADMINS_GROUP
from tests.factories import alert, feedback
from tests.helpers import create_person

RANGE = "?start=2026-03-01&end=2026-03-10"
# "staff" has is_staff and no permission (Django admin opens, ManageIt's admin pages do not);
# "group_admin" is in the Admins group without being staff or a superuser.
# "campus_admin" runs the group of messes "north" (mess1 is in its sub-group "north-a"; mess2 is in no
# group): an admin of mess1 only, without staff status; "two_mess_official" serves mess1 and mess2.
ROLES = ["anonymous", "student", "official", "other_official", "admin", "staff", "group_admin", "campus_admin", "two_mess_official"]

# (method, URL, expected status for each of ROLES). A 302 for a signed-in role is the page's own
# redirect; the anonymous 302 always goes to the login page.
MATRIX = [
    ("get", "/", [302, 302, 302, 302, 302, 200, 302, 302, 200]),  # an official of two messes: the list of them
    ("get", "/overview/", [302, 403, 403, 403, 200, 403, 200, 200, 403]),
    ("get", "/overview/?q=mess&alerts=1&sort=-missing&page=2", [302, 403, 403, 403, 200, 403, 200, 200, 403]),
    ("get", "/overview/messes.csv?sort=name", [302, 403, 403, 403, 200, 403, 200, 200, 403]),
    ("get", f"/overview/waste.csv{RANGE}", [302, 403, 403, 403, 200, 403, 200, 200, 403]),
    ("get", f"/overview/feedback.csv{RANGE}", [302, 403, 403, 403, 200, 403, 200, 200, 403]),
    # with names: only who may see who wrote feedback (the superuser; the Admins group does not give it)
    ("get", f"/overview/feedback.csv{RANGE}&names=1", [302, 403, 403, 403, 200, 403, 403, 403, 403]),
    ("get", "/feedback/", [302, 200, 403, 403, 403, 403, 403, 403, 403]),
    ("post", "/feedback/", [302, 200, 403, 403, 403, 403, 403, 403, 403]),  # the student's post is refused by the form (no fields)
    (
        "post",
        "/absences/skip/",
        [302, 302, 403, 403, 403, 403, 403, 403, 403],
    ),  # the student's empty post: back to /feedback/, with a message
    ("post", "/absences/back/", [302, 302, 403, 403, 403, 403, 403, 403, 403]),
    ("post", "/absences/leave/", [302, 200, 403, 403, 403, 403, 403, 403, 403]),  # refused by the form: no days
    ("get", "/absences/skip/", [302, 405, 403, 403, 403, 403, 403, 403, 403]),  # a post, never a link
    ("get", "/mess/mess1/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("get", "/mess/mess1/waste/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("post", "/mess/mess1/waste/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),  # refused by the form: no fields
    ("get", "/mess/mess1/waste/{waste}/delete/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("post", "/mess/mess1/waste/{waste}/delete/", [302, 403, 302, 404, 302, 403, 302, 302, 302]),
    ("get", "/mess/mess1/waste/{other_waste}/delete/", [302, 403, 404, 404, 404, 403, 404, 404, 404]),  # a record of mess2
    ("post", "/mess/mess1/waste/{other_waste}/delete/", [302, 403, 404, 404, 404, 403, 404, 404, 404]),
    ("get", "/mess/mess1/waste/history/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),  # officials read their own mess's
    ("get", f"/mess/mess1/waste.csv{RANGE}", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("get", f"/mess/mess1/feedback.csv{RANGE}", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("get", f"/mess/mess1/feedback.csv{RANGE}&names=1", [302, 403, 403, 404, 200, 403, 403, 403, 403]),
    ("get", "/mess/mess1/absences/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("get", f"/mess/mess1/absences/{RANGE}", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("get", f"/mess/mess1/absences.csv{RANGE}", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("get", f"/mess/mess2/absences.csv{RANGE}", [302, 403, 404, 200, 200, 403, 200, 404, 200]),
    ("get", "/mess/mess1/reports/2026-03-09/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("get", "/mess/mess1/scorecard/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("post", "/mess/mess1/notifications/{notification}/read/", [302, 403, 302, 404, 302, 403, 302, 302, 302]),
    ("post", "/mess/mess1/notifications/read/", [302, 403, 302, 404, 302, 403, 302, 302, 302]),
    ("get", "/mess/mess1/menu/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("get", "/mess/mess1/menu/?week=2", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("post", "/mess/mess1/menu/", [302, 403, 302, 404, 302, 403, 302, 302, 302]),  # an empty grid changes nothing
    ("post", "/mess/mess1/menu/rotation/", [302, 403, 302, 404, 302, 403, 302, 302, 302]),  # no start: one weekly menu
    ("get", "/mess/mess1/menu/day/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("post", "/mess/mess1/menu/day/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),  # refused by the form: no fields
    ("post", "/mess/mess1/menu/day/remove/", [302, 403, 302, 404, 302, 403, 302, 302, 302]),  # refused, with a message
    ("get", "/mess/mess1/menu/day/remove/", [302, 403, 302, 404, 302, 403, 302, 302, 302]),  # nothing to confirm: back, with a message
    ("get", "/mess/mess1/menu/nonveg/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("post", "/mess/mess1/menu/nonveg/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),  # refused by the form: no fields
    ("get", "/mess/mess1/menu/history/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("get", "/mess/mess1/closures/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("post", "/mess/mess1/closures/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),  # refused by the form: no fields
    ("post", "/mess/mess1/closures/{closure}/delete/", [302, 403, 302, 404, 302, 403, 302, 302, 302]),
    ("get", "/mess/mess1/announcements/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("post", "/mess/mess1/announcements/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),  # refused by the form: no fields
    ("get", "/mess/mess1/announcements/{announcement}/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("post", "/mess/mess1/announcements/{announcement}/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),  # refused by the form: no fields
    ("get", "/mess/mess1/announcements/{announcement}/delete/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),  # asks to confirm
    ("post", "/mess/mess1/announcements/{announcement}/delete/", [302, 403, 302, 404, 302, 403, 302, 302, 302]),
    ("get", "/mess/mess1/announcements/{other_announcement}/", [302, 403, 404, 404, 404, 403, 404, 404, 404]),  # an announcement of mess2
    ("post", "/mess/mess1/announcements/{other_announcement}/delete/", [302, 403, 404, 404, 404, 403, 404, 404, 404]),
    ("get", "/mess/mess2/announcements/", [302, 403, 404, 200, 200, 403, 200, 404, 200]),
    ("get", "/mess/mess1/notifications/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("post", "/mess/mess1/feedback/{feedback}/reply/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),  # refused by the form: no reply
    ("get", "/mess/mess1/notifications/{notification}/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("get", "/mess/mess1/notifications/{other_notification}/", [302, 403, 404, 404, 404, 403, 404, 404, 404]),  # a notification of mess2
    ("get", "/settings/", [302, 200, 200, 200, 200, 403, 200, 200, 200]),
    ("post", "/settings/", [302, 302, 302, 302, 302, 403, 302, 302, 302]),
    ("post", "/settings/push/", [302, 404, 404, 404, 404, 403, 404, 404, 404]),  # push is not set up in the tests: no VAPID keys
    ("post", "/settings/push/remove/", [302, 400, 400, 400, 400, 403, 400, 400, 400]),  # refused: no endpoint
    ("get", "/settings/push/", [405, 405, 405, 405, 405, 405, 405, 405, 405]),  # a post, never a link
    ("get", "/sw.js", [200, 200, 200, 200, 200, 200, 200, 200, 200]),  # the service worker: anyone's, at the site's root
    # Telegram: anyone signed in links their chat; without a bot (the tests' settings) the post is refused, with a message
    ("get", "/settings/telegram/", [302, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("post", "/settings/telegram/", [302, 302, 302, 302, 302, 302, 302, 302, 302]),
    ("post", "/settings/telegram/unlink/", [302, 302, 302, 302, 302, 302, 302, 302, 302]),
    ("get", "/settings/telegram/unlink/", [302, 405, 405, 405, 405, 405, 405, 405, 405]),  # a post, never a link
    ("get", "/mess/mess1/alerts/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("get", "/mess/mess1/alerts/{alert}/acknowledge/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("post", "/mess/mess1/alerts/{alert}/acknowledge/", [302, 403, 200, 404, 200, 403, 200, 200, 200]),  # refused by the form: no note
    ("get", "/mess/nope/", [302, 403, 404, 404, 404, 403, 404, 404, 404]),
    ("get", "/mess/nope/menu/", [302, 403, 404, 404, 404, 403, 404, 404, 404]),
    ("get", "/mess/mess1/menu.csv", [302, 403, 200, 404, 200, 403, 200, 200, 200]),
    ("get", "/mess/mess2/menu.csv", [302, 403, 404, 200, 200, 403, 200, 404, 200]),
    ("get", "/menu/mess1/", [200, 200, 200, 200, 200, 200, 200, 200, 200]),  # the public menu: anyone's, no login
    ("get", "/menu/nope/", [404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("get", "/admin/", [302, 302, 302, 302, 200, 200, 302, 302, 302]),  # Django admin sends non-staff to its own login
    ("get", "/mess-change/", [302, 200, 403, 403, 403, 403, 403, 403, 403]),
    ("post", "/mess-change/", [302, 200, 403, 403, 403, 403, 403, 403, 403]),  # no window open: the page says so
    # another student's request: the student is sent back to their page, the request untouched
    ("post", "/mess-change/{change_request}/withdraw/", [302, 302, 403, 403, 403, 403, 403, 403, 403]),
    ("get", "/accounts/password/", [302, 200, 200, 200, 200, 200, 200, 200, 200]),
    # the language switch: anyone's, signed in or not; an empty post goes back to the front page, with a message
    ("post", "/language/", [302, 302, 302, 302, 302, 302, 302, 302, 302]),
    ("get", "/language/", [405, 405, 405, 405, 405, 405, 405, 405, 405]),  # a post, never a link
]
NO_LOGIN = ("/admin/", "/language/")  # an anonymous 302 from these is not to ManageIt's login page


@pytest.fixture
def people(student, official, other_official, admin, django_user_model, mess1, mess2):
    staff = django_user_model.objects.create_user(username="stan", password="pw-stan-123", is_staff=True)
    group_admin = django_user_model.objects.create_user(username="gina", password="pw-gina-123")
    group_admin.groups.add(Group.objects.get(name=ADMINS_GROUP))
    north = MessGroup.objects.create(code="north", name="North campus")
    mess1.group = MessGroup.objects.create(code="north-a", name="Block A", parent=north)
    mess1.save()
    campus_admin = django_user_model.objects.create_user(username="carla", password="pw-carla-123")
    GroupAdmin.objects.create(user=campus_admin, group=north)
    two_mess_official = create_person(username="tara", role=Role.OFFICIAL, mess=mess1, password="pw-tara-123")
    two_mess_official.profile.messes_served.add(mess2)
    return {
        "anonymous": None,
        "student": student,
        "official": official,
        "other_official": other_official,
        "admin": admin,
        "staff": staff,
        "group_admin": group_admin,
        "campus_admin": campus_admin,
        "two_mess_official": two_mess_official,
    }


@pytest.fixture
def pages(mess1, mess2):
    return page_objects(mess1, mess2)


def page_objects(mess1, mess2) -> dict:
    """The rows the URLs of MATRIX name, by the name in their braces (the browser tests open them too)."""
    DailyReport.objects.create(mess=mess1, date="2026-03-09", data={}, text_body="", html_body="")
    return {
        "notification": Notification.objects.create(mess=mess1, date="2026-03-09", meal="lunch", critical_count=1).pk,
        "other_notification": Notification.objects.create(mess=mess2, date="2026-03-09", meal="lunch", critical_count=1).pk,
        "waste": WasteRecord.objects.create(floor=mess1.floors.first(), date="2026-03-09", meal="lunch", total_kg=1).pk,
        "other_waste": WasteRecord.objects.create(floor=mess2.floors.first(), date="2026-03-09", meal="lunch", total_kg=1).pk,
        "announcement": Announcement.objects.create(mess=mess1, title="T", text="T", first_day="2099-01-01", last_day="2099-01-02").pk,
        "other_announcement": Announcement.objects.create(
            mess=mess2, title="T", text="T", first_day="2099-01-01", last_day="2099-01-02"
        ).pk,
        "closure": Closure.objects.create(mess=mess1, first_day="2099-01-01", last_day="2099-01-02").pk,
        "feedback": feedback(mess1, datetime.date(2026, 3, 9), "lunch", 1, "Cold").pk,
        "alert": alert(mess1, "Ground").pk,
        "change_request": MessChangeRequest.objects.create(
            window=MessChangeWindow.objects.create(first_day="2099-01-01", last_day="2099-01-31"),
            student=feedback(mess1, datetime.date(2026, 3, 9), "dinner", 3).student,
            from_mess=mess1,
            to_mess=mess2,
            reason="Closer",
        ).pk,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "expected"), MATRIX, ids=[f"{m} {u.split('?')[0]}" for m, u, _ in MATRIX])
def test_each_role_gets_what_it_may_see(client, people, pages, role, method, url, expected):
    if people[role]:
        client.force_login(people[role])
    url = url.format(**pages)

    response = getattr(client, method)(url)

    assert response.status_code == expected[ROLES.index(role)]
    if role == "anonymous" and expected[0] == 302 and not url.startswith(NO_LOGIN):
        assert response["Location"] == f"/accounts/login/?next={quote(url, safe='/')}"


def test_an_inactive_user_is_sent_to_log_in(client, official):
    client.force_login(official)
    official.is_active = False
    official.save()
    assert client.get("/mess/mess1/")["Location"].startswith("/accounts/login/")


def test_an_official_without_a_mess_sees_no_mess(client, official):
    official.profile.mess = None
    official.profile.save()
    official.profile.messes_served.clear()
    client.force_login(official)
    assert client.get("/mess/mess1/").status_code == 404
    assert client.get("/").status_code == 200  # told they have no mess, not sent round in circles
