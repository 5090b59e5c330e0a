"""The students' mess change page (/mess-change/): asking during an open window, where their own
requests stand (and no one else's), withdrawing, and the admin's window with its capacities."""

import datetime

import pytest
import time_machine

from mess.mess_changes import mess_change_capacities_save, mess_change_window_save, mess_changes_assign
from mess.models import MessChangeCapacity, MessChangeRequest, MessChangeWindow, Role
from tests.admin_rows import admin_url
from tests.factories import IST
from tests.helpers import create_person

NOW = datetime.datetime(2026, 3, 10, 13, 0, tzinfo=IST)


@pytest.fixture
def window(mess1, mess2):
    window = mess_change_window_save(window=MessChangeWindow(first_day=datetime.date(2026, 3, 2), last_day=datetime.date(2026, 3, 15)))
    mess_change_capacities_save(window=window, capacities=[MessChangeCapacity(mess=mess2, capacity=1)])
    return window


@time_machine.travel(NOW, tick=False)
def test_a_student_asks_sees_it_pending_and_withdraws_it(as_student, student, window, mess2):
    page = as_student.get("/mess-change/").content.decode()
    assert 'name="reason"' in page and "Mess 2" in page

    response = as_student.post("/mess-change/", {"to_mess": mess2.pk, "reason": "Closer to my lab"})
    assert response.status_code == 302
    request = MessChangeRequest.objects.get(student=student)
    page = as_student.get("/mess-change/").content.decode()
    assert "pending" in page and "Closer to my lab" in page and 'name="reason"' not in page

    as_student.post(f"/mess-change/{request.pk}/withdraw/")
    assert not MessChangeRequest.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_an_empty_reason_shows_beside_its_field(as_student, window, mess2):
    response = as_student.post("/mess-change/", {"to_mess": mess2.pk, "reason": "  "})
    assert response.status_code == 200 and not MessChangeRequest.objects.exists()
    assert 'class="field invalid"' in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_student_sees_only_their_own_requests_and_cannot_withdraw_anothers(as_student, window, mess1, mess2):
    other = create_person(username="bob", role=Role.STUDENT, mess=mess1, email="bob@example.org")
    theirs = MessChangeRequest.objects.create(window=window, student=other, from_mess=mess1, to_mess=mess2, reason="Bob's secret reason")

    assert "Bob&#x27;s secret reason" not in as_student.get("/mess-change/").content.decode()
    as_student.post(f"/mess-change/{theirs.pk}/withdraw/")
    assert MessChangeRequest.objects.filter(pk=theirs.pk).exists()


def test_a_student_sees_the_outcome(client, student, window, mess2):
    MessChangeRequest.objects.create(window=window, student=student, from_mess=student.profile.mess, to_mess=mess2, reason="Friends")
    mess_changes_assign(today=datetime.date(2026, 3, 16))
    client.force_login(student)
    with time_machine.travel(datetime.datetime(2026, 3, 20, 12, tzinfo=IST), tick=False):
        page = client.get("/mess-change/").content.decode()
    assert "assigned" in page and "Wed 1 Apr 2026" in page and "Mess changes are closed" in page


def test_admins_open_a_window_with_capacities_in_django_admin(as_admin, mess1, mess2):
    data = {
        "first_day": "2026-04-01",
        "last_day": "2026-04-10",
        "capacities-TOTAL_FORMS": "1",
        "capacities-INITIAL_FORMS": "0",
        "capacities-0-mess": mess2.pk,
        "capacities-0-capacity": "5",
    }
    response = as_admin.post(admin_url(MessChangeWindow, "add"), data)
    assert response.status_code == 302
    window = MessChangeWindow.objects.get()
    assert list(window.capacities.values_list("mess__code", "capacity")) == [("mess2", 5)]

    overlapping = {**data, "first_day": "2026-04-05", "last_day": "2026-04-20", "capacities-TOTAL_FORMS": "0"}
    response = as_admin.post(admin_url(MessChangeWindow, "add"), overlapping)
    assert response.status_code == 200 and MessChangeWindow.objects.count() == 1
