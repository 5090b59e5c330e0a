import datetime
import threading
import time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.models import Schedule

import mess.closures
from mess.closures import ClosureRefused, closure_remove, closure_save
from mess.meals import closed_days
from mess.models import Closure, ClosureChange, DailyReport, Mess
from tests.factories import feedback, waste

pytestmark = pytest.mark.django_db
D = datetime.date


def make_mess(code):
    return Mess.objects.create(code=code.lower(), name=code.title())


def test_closed_days_are_the_days_of_the_ranges_within_the_period_in_one_query(django_assert_num_queries):
    north, south, east = make_mess("NORTH"), make_mess("SOUTH"), make_mess("EAST")
    Closure.objects.create(mess=north, first_day=D(2026, 10, 30), last_day=D(2026, 11, 2), reason="Diwali")
    Closure.objects.create(mess=north, first_day=D(2026, 11, 20), last_day=D(2026, 11, 20))
    Closure.objects.create(mess=south, first_day=D(2026, 11, 1), last_day=D(2026, 11, 1))
    Closure.objects.create(mess=east, first_day=D(2026, 11, 1), last_day=D(2026, 11, 1))
    with django_assert_num_queries(1):
        days = closed_days(mess_ids=[north.id, south.id], start=D(2026, 11, 1), end=D(2026, 11, 20))
    assert days == {(north.id, D(2026, 11, 1)), (north.id, D(2026, 11, 2)), (north.id, D(2026, 11, 20)), (south.id, D(2026, 11, 1))}


def test_closed_days_of_every_mess_and_of_an_empty_period():
    north, south = make_mess("NORTH"), make_mess("SOUTH")
    Closure.objects.create(mess=north, first_day=D(2026, 11, 1), last_day=D(2026, 11, 1))
    Closure.objects.create(mess=south, first_day=D(2026, 11, 2), last_day=D(2026, 11, 3))
    assert closed_days(mess_ids=None, start=D(2026, 11, 1), end=D(2026, 11, 2)) == {(north.id, D(2026, 11, 1)), (south.id, D(2026, 11, 2))}
    assert closed_days(mess_ids=None, start=D(2026, 11, 4), end=D(2026, 11, 30)) == set()
    assert closed_days(mess_ids=[], start=D(2026, 11, 1), end=D(2026, 11, 3)) == set()


# Marking days closed

TODAY = D(2026, 3, 10)
NOW = datetime.datetime(2026, 3, 10, 13, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
travel = time_machine.travel(NOW, tick=False)


@travel
def test_it_marks_days_closed_and_refuses_overlaps_reversed_and_overlong_ranges(mess1, mess2):
    holi = closure_save(mess=mess1, first_day=D(2026, 3, 14), last_day=D(2026, 3, 15), reason=" Holi ")
    assert (holi.reason, closed_days(mess_ids=[mess1.pk], start=TODAY, end=D(2026, 3, 31))) == (
        "Holi",
        {(mess1.pk, D(2026, 3, 14)), (mess1.pk, D(2026, 3, 15))},
    )
    closure_save(mess=mess2, first_day=D(2026, 3, 14), last_day=D(2026, 3, 15))  # another mess may
    closure_save(mess=mess1, first_day=D(2026, 3, 16), last_day=D(2026, 3, 16))  # the next day may

    with pytest.raises(ClosureRefused) as refused:
        closure_save(mess=mess1, first_day=D(2026, 3, 10), last_day=D(2026, 3, 14))
    assert refused.value.errors == {
        "first_day": "These days overlap the closure from Sat 14 Mar 2026 to Sun 15 Mar 2026: change or remove that one first."
    }
    with pytest.raises(ClosureRefused) as refused:
        closure_save(mess=mess1, first_day=D(2026, 4, 2), last_day=D(2026, 4, 1))
    assert refused.value.errors == {"last_day": "The last day is before the first day."}
    with pytest.raises(ClosureRefused) as refused:
        closure_save(mess=mess1, first_day=D(2026, 4, 1), last_day=D(2027, 4, 2))
    assert refused.value.errors == {"last_day": "A closure lasts at most a year (366 days); this one lasts 367."}
    closure_save(mess=make_mess("WEST"), first_day=TODAY, last_day=D(2027, 3, 10))  # 366 days, 2026-27's with its 29 February
    with pytest.raises(ClosureRefused) as refused:
        closure_save(mess=mess1, first_day=D(2026, 12, 1), last_day=D(2027, 3, 12))  # one dated 9999-12-31 was once saved
    assert refused.value.errors == {"last_day": "A closure ends at most a year ahead, by Thu 11 Mar 2027."}
    with pytest.raises(ClosureRefused, match="earliest date"):
        closure_save(mess=mess1, first_day=D(1999, 12, 31), last_day=D(2000, 1, 1))
    assert Closure.objects.count() == 4


@travel
def test_closing_days_that_have_been_corrects_their_reports(mess1, official, django_capture_on_commit_callbacks):
    report = DailyReport.objects.create(mess=mess1, date=D(2026, 3, 9), data={}, text_body="", html_body="")
    with django_capture_on_commit_callbacks(execute=True):
        closure_save(mess=mess1, first_day=D(2026, 3, 9), last_day=D(2026, 3, 11), reason="Strike", by_admin=True)
    report.refresh_from_db()
    assert (report.data["closed"], report.corrected_at) == ("Strike", NOW)
    assert "The mess was closed this day: Strike." in report.text_body
    # and its alerts are re-evaluated, its closed days now counting in no window
    assert Schedule.objects.filter(name="soon: generate_alerts mess_code='mess1'").exists()


@travel
def test_only_closures_that_have_not_begun_can_be_removed(mess1, mess2):
    today = closure_save(mess=mess1, first_day=TODAY, last_day=D(2026, 3, 12))
    tomorrow = closure_save(mess=mess1, first_day=D(2026, 3, 11 + 5), last_day=D(2026, 3, 17))
    with pytest.raises(ValueError, match="has begun"):
        closure_remove(mess=mess1, closure_id=today.pk)
    with pytest.raises(Closure.DoesNotExist):
        closure_remove(mess=mess2, closure_id=tomorrow.pk)
    assert closure_remove(mess=mess1, closure_id=tomorrow.pk) == tomorrow
    assert list(Closure.objects.all()) == [today]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officials_closing_overlapping_days_at_once_leave_one_closure(mess1, monkeypatch):
    start, errors, refused = threading.Barrier(4), [], []
    checked = mess.closures.closure_problems

    def slowly_checked(**kwargs):  # each one checks, then takes its time: they would all find no overlap
        problems = checked(**kwargs)
        time.sleep(0.3)
        return problems

    monkeypatch.setattr(mess.closures, "closure_problems", slowly_checked)

    def close(n):
        try:
            start.wait(10)
            with time_machine.travel(NOW, tick=False):
                closure_save(mess=mess1, first_day=D(2026, 4, 1 + n), last_day=D(2026, 4, 10))
        except ClosureRefused as error:
            refused.append(error)
        except Exception as error:  # noqa: BLE001 - reported below, from the test's own thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and len(refused) == 3
    assert Closure.objects.count() == 1


# The page


@travel
def test_the_page_marks_days_closed_and_lists_them(as_official, mess1):
    closure_save(mess=mess1, first_day=D(2026, 2, 20), last_day=D(2026, 2, 21), reason="past <b>", by_admin=True)
    response = as_official.post(
        "/mess/mess1/closures/", {"first_day": "2026-03-20", "last_day": "2026-03-22", "reason": "Holi"}, follow=True
    )
    page = response.content.decode()
    assert "Mess 1 is closed Fri 20 Mar 2026 to Sun 22 Mar 2026." in page
    assert "Holi" in page and "past &lt;b&gt;" in page and "past <b>" not in page
    assert page.count(">Remove</button>") == 1  # the past closure cannot be removed
    assert Closure.objects.filter(mess=mess1, first_day=D(2026, 3, 20), last_day=D(2026, 3, 22), reason="Holi").exists()


@travel
def test_the_page_says_what_is_wrong_beside_the_field_and_adds_nothing(as_official, mess1):
    closure_save(mess=mess1, first_day=D(2026, 3, 20), last_day=D(2026, 3, 22))
    cases = [
        (
            {"first_day": "2026-03-22", "last_day": "2026-03-25"},
            "first_day",
            "These days overlap the closure from Fri 20 Mar 2026 to Sun 22 Mar 2026",
        ),
        ({"first_day": "2026-04-02", "last_day": "2026-04-01"}, "last_day", "The last day is before the first day."),
        ({"first_day": "2026-04-01", "last_day": "2027-06-01"}, "last_day", "A closure lasts at most a year (366 days)"),
        ({"first_day": "", "last_day": "2026-04-01"}, "first_day", "This field is required."),
        ({"first_day": "2026-04-01", "last_day": "someday"}, "last_day", "Enter a valid date."),
    ]
    for data, field, message in cases:
        response = as_official.post("/mess/mess1/closures/", data)
        assert response.status_code == 200
        assert any(message in error for error in response.context["form"].errors[field]), (data, response.context["form"].errors)
        assert message.split(":")[0] in response.content.decode()
    assert Closure.objects.count() == 1


@travel
def test_removing_a_closure_from_the_page(as_official, mess1):
    later = closure_save(mess=mess1, first_day=D(2026, 3, 20), last_day=D(2026, 3, 22))
    begun = closure_save(mess=mess1, first_day=D(2026, 3, 9), last_day=D(2026, 3, 10), by_admin=True)
    page = as_official.post(f"/mess/mess1/closures/{begun.pk}/delete/", follow=True).content.decode()
    assert "only closures that have not begun can be removed" in page
    page = as_official.post(f"/mess/mess1/closures/{later.pk}/delete/", follow=True).content.decode()
    assert "Removed the closure of Fri 20 Mar 2026 to Sun 22 Mar 2026" in page
    assert list(Closure.objects.all()) == [begun]


@travel
def test_the_page_costs_the_same_queries_with_many_closures(as_official, mess1, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as one:
        as_official.get("/mess/mess1/closures/")
    for n in range(10):
        closure_save(mess=mess1, first_day=TODAY + datetime.timedelta(days=2 * n), last_day=TODAY + datetime.timedelta(days=2 * n))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert as_official.get("/mess/mess1/closures/").content.decode().count(">Remove</button>") == 9


# Closing days already recorded hides their waste: an admin's, with a reason, kept in the history


@travel
def test_an_official_cannot_close_days_with_recorded_waste_or_feedback_and_nothing_is_stored(as_official, mess1, ground, student):
    waste(ground, D(2026, 3, 1), "lunch", "60")
    feedback(mess1, TODAY, "breakfast", 4, student=student)

    past = as_official.post("/mess/mess1/closures/", {"first_day": "2026-03-01", "last_day": "2026-03-02", "reason": "Holiday"})
    today = as_official.post("/mess/mess1/closures/", {"first_day": "2026-03-10", "last_day": "2026-03-12", "reason": "Strike"})

    assert "Sun 1 Mar 2026 has passed: officials close today and later days; an admin closes past days." in past.text
    assert "Waste or feedback is recorded on Tue 10 Mar: closing it would leave those figures out of the alerts" in today.text
    assert not Closure.objects.exists() and not ClosureChange.objects.exists()


@travel
def test_an_admin_closes_recorded_days_with_a_reason_which_the_officials_read_in_the_history(
    client, as_admin, admin, mess1, ground, official
):
    waste(ground, D(2026, 1, 1), "lunch", "60")
    without = as_admin.post("/mess/mess1/closures/", {"first_day": "2026-01-01", "last_day": "2026-01-02", "reason": ""})
    assert "These days have waste or feedback recorded: say why they count as closed" in without.text
    assert not Closure.objects.exists()

    as_admin.post("/mess/mess1/closures/", {"first_day": "2026-01-01", "last_day": "2026-01-02", "reason": "Flood: kitchen shut"})
    client.force_login(official)
    page = client.get("/mess/mess1/closures/").text

    history = page.split('id="closure-history"')[1]
    assert "ada" in history and "Marked closed" in history and "Flood: kitchen shut" in history
    (change,) = ClosureChange.objects.all()
    assert (change.action, change.first_day_after, change.last_day_after, change.changed_by) == (
        "added",
        D(2026, 1, 1),
        D(2026, 1, 2),
        admin,
    )


@travel
def test_an_official_closes_today_and_later_and_removes_their_closure_until_it_begins_each_kept(as_official, official, mess1):
    as_official.post("/mess/mess1/closures/", {"first_day": "2026-03-10", "last_day": "2026-03-10", "reason": "Pest control"})
    later = closure_save(mess=mess1, first_day=D(2026, 3, 20), last_day=D(2026, 3, 21), changed_by=official)
    as_official.post(f"/mess/mess1/closures/{later.pk}/delete/")

    history = list(ClosureChange.objects.order_by("id").values_list("action", "first_day_before", "first_day_after", "changed_by"))
    assert history == [
        ("added", None, D(2026, 3, 10), official.pk),
        ("added", None, D(2026, 3, 20), official.pk),
        ("removed", D(2026, 3, 20), None, official.pk),
    ]


# Django admin


@travel
def test_admins_mark_and_change_closures_in_django_admin_under_the_same_rules(as_admin, mess1):
    closure_save(mess=mess1, first_day=D(2026, 3, 20), last_day=D(2026, 3, 22))
    response = as_admin.post(
        "/admin/mess/closure/add/", {"mess": mess1.pk, "first_day": "2026-03-21", "last_day": "2026-03-21", "reason": ""}
    )
    assert response.status_code == 200 and "These days overlap" in response.content.decode()
    report = DailyReport.objects.create(mess=mess1, date=D(2026, 3, 8), data={}, text_body="", html_body="")
    response = as_admin.post(
        "/admin/mess/closure/add/", {"mess": mess1.pk, "first_day": "2026-03-08", "last_day": "2026-03-08", "reason": "Flood"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.data["closed"] == "Flood"
    closure = Closure.objects.get(reason="Flood")
    as_admin.post(f"/admin/mess/closure/{closure.pk}/delete/", {"post": "yes"})
    report.refresh_from_db()
    assert report.data["closed"] is None and not Closure.objects.filter(reason="Flood").exists()
