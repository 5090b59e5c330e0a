"""Students' feedback: the students' form and the service behind it, what they accept, what they
refuse, and that a post needs its CSRF token."""

import datetime

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mess import feedback as feedback_module
from mess.feedback import feedback_check, feedback_save, feedback_store
from mess.models import ComplaintTerm, ComplaintTheme, Feedback, MealWindow, RegularMenu
from mess.triage import complaint_term_save
from tests.factories import IST, NOW, TODAY, days_ago, feedback

BREAKFAST_TIME = datetime.datetime(2026, 3, 10, 8, 0, tzinfo=IST)  # 02:30 UTC: only local time has breakfast started


def feedback_post(client, meal="breakfast", **fields):
    return client.post("/feedback/", {"meal": meal, "rating": "4", "category": "food", "comment": ""} | fields)


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_it_offers_the_meals_that_have_started_today(as_student):
    response = as_student.get("/feedback/")

    assert [c["window"].meal for c in response.context["cards"]] == ["breakfast"]
    assert [w.meal for w in response.context["upcoming"]] == ["lunch", "snacks", "dinner"]
    assert "Lunch from 12:00" in response.text


@time_machine.travel(datetime.datetime(2026, 3, 10, 6, 59, tzinfo=IST), tick=False)
def test_before_breakfast_nothing_can_be_rated(as_student):
    response = as_student.get("/feedback/")
    assert response.context["cards"] == [] and "No meal has started yet today." in response.text
    assert feedback_post(as_student).status_code == 200
    assert not Feedback.objects.exists()


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_the_meals_follow_the_windows_admins_set(as_student):
    MealWindow.objects.filter(meal="lunch").update(starts_at=datetime.time(7, 30))
    assert [c["window"].meal for c in as_student.get("/feedback/").context["cards"]] == ["breakfast", "lunch"]


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_a_student_rates_a_meal(as_student, student, mess1):
    response = feedback_post(as_student, rating="2", category="hygiene", comment="  Dirty plates \n")

    # the page lands on the meal's card, which says it is saved
    assert response.status_code == 302 and response["Location"] == "/feedback/?saved=breakfast#meal-breakfast"
    entry = Feedback.objects.get()
    assert (entry.student, entry.mess, entry.date, entry.meal, entry.rating, entry.category, entry.comment) == (
        student,
        mess1,
        TODAY,
        "breakfast",
        2,
        "hygiene",
        "Dirty plates",
    )
    page = as_student.get(response["Location"])
    card = page.text.split('id="meal-breakfast"')[1].split("</section>")[0]
    assert "your feedback on today&#x27;s breakfast is saved" in card
    form = page.context["cards"][0]["form"]
    assert (form["rating"].value(), form["category"].value(), form["comment"].value()) == (2, "hygiene", "Dirty plates")


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_a_student_changes_their_rating_the_same_day(as_student):
    feedback_post(as_student, rating="2")
    with time_machine.travel(datetime.datetime(2026, 3, 10, 23, 59, tzinfo=IST), tick=False):
        response = feedback_post(as_student, rating="5", comment="Better than I said")
        assert response["Location"] == "/feedback/?updated=breakfast#meal-breakfast"
        assert "is updated" in as_student.get(response["Location"]).text

    entry = Feedback.objects.get()
    assert (entry.rating, entry.comment) == (5, "Better than I said")


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_once_the_day_is_over_the_rating_stays(as_student):
    feedback_post(as_student, meal="breakfast", rating="2")
    # 00:30 in Kolkata, still the 10th in UTC: no meal of the 11th has started.
    with time_machine.travel(datetime.datetime(2026, 3, 11, 0, 30, tzinfo=IST), tick=False):
        response = feedback_post(as_student, meal="breakfast", rating="5")
        assert response.status_code == 200
        assert "This meal cannot be rated now." in response.text
        assert [(f.date, f.rating) for f in response.context["history"]] == [(TODAY, 2)]
    assert list(Feedback.objects.values_list("date", "rating")) == [(TODAY, 2)]


@time_machine.travel(BREAKFAST_TIME, tick=False)
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"meal": "lunch"}, "This meal cannot be rated now."),
        ({"meal": "brunch"}, "This meal cannot be rated now."),
        ({"rating": "0"}, "Select a valid choice."),
        ({"rating": "6"}, "Select a valid choice."),
        ({"rating": ""}, "This field is required."),
        ({"category": "taste"}, "Select a valid choice."),
        ({"comment": "x" * 1001}, "Ensure this value has at most 1000 characters"),
        ({"comment": "Red \x1b[31mALERT"}, "The text contains the control character U+001B, which is not text"),
        ({"comment": "Cold\r- Rating 5"}, "The text contains the control character U+000D, which is not text"),
    ],
    ids=["not-started", "unknown-meal", "rating-0", "rating-6", "no-rating", "category", "long-comment", "escape", "carriage-return"],
)
def test_it_refuses_bad_feedback(as_student, fields, message):
    response = feedback_post(as_student, **fields)

    assert response.status_code == 200
    assert message in response.text
    assert not Feedback.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_student_sees_their_own_past_feedback(as_student, student, mess1):
    feedback(mess1, days_ago(1), "dinner", 3, "Mine, yesterday", student=student)
    feedback(mess1, days_ago(2), "lunch", 1, "Not mine")
    feedback(mess1, TODAY, "breakfast", 4, "Mine, today", student=student)

    response = as_student.get("/feedback/")

    assert [f.comment for f in response.context["history"]] == ["Mine, yesterday"]
    assert "Not mine" not in response.text
    assert response.context["cards"][0]["form"]["comment"].value() == "Mine, today"  # today's, still editable


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_a_student_without_a_mess_cannot_give_feedback(as_student, student):
    student.profile.mess = None
    student.profile.save()

    assert "You are not assigned to a mess yet" in as_student.get("/feedback/").text
    response = feedback_post(as_student)

    assert "You are not assigned to a mess yet" in response.text
    assert not Feedback.objects.exists()


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_the_feedback_service_refuses_what_the_form_would(student):
    for changes in [{"meal": "lunch"}, {"rating": 0}, {"rating": 6}, {"category": "taste"}, {"comment": "x" * 1001}, {"comment": "a\x00b"}]:
        with pytest.raises(ValueError):
            feedback_save(**({"student": student, "meal": "breakfast", "rating": 3, "category": "food", "comment": ""} | changes))
    saved = feedback_save(student=student, meal="breakfast", rating=3, category="food", comment=" ok ")
    again = feedback_save(student=student, meal="breakfast", rating=4, category="food", comment="")
    assert (saved.created, again.created, again.entry.rating, Feedback.objects.count()) == (True, False, 4, 1)


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_a_feedback_post_without_its_csrf_token_is_refused(student):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    assert feedback_post(client).status_code == 403
    assert not Feedback.objects.exists()


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_a_comment_keeps_its_lines_and_tabs_as_the_browser_sends_them(as_student):
    feedback_post(as_student, comment="Idli was cold.\r\nSambar:\tno salt.")

    assert Feedback.objects.get().comment == "Idli was cold.\nSambar:\tno salt."


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_the_write_transaction_reads_no_profile_closure_meal_window_menu_or_report(student, mess1):
    # On SQLite the transaction holds the whole database's write lock: the checks are read before it.
    RegularMenu.objects.create(mess=mess1, weekday=1, meal="breakfast", dishes="Poha\nTea")
    with CaptureQueriesContext(connection) as queries:
        feedback_save(student=student, meal="breakfast", rating=2, category="food", comment="cold", dish_votes={"Poha": False})

    statements = [q["sql"] for q in queries.captured_queries]
    begun = next(n for n, sql in enumerate(statements) if sql.startswith("SAVEPOINT"))  # the test runs in a transaction
    read_before = " ".join(statements[:begun])
    assert all(table in read_before for table in ("mess_profile", "mess_closure", "mess_mealwindow", "mess_regularmenu"))
    inside = " ".join(statements[begun:])
    assert not any(table in inside for table in ("mess_profile", "mess_closure", "mess_mealwindow", "menu", "mess_dailyreport"))
    assert "mess_dishvote" in inside and "mess_feedback" in inside


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_terms_changed_between_the_check_and_the_write_give_the_verdict_again(student):
    checked = feedback_check(student=student, meal="breakfast", rating=4, category="food", comment="a gecko in the dal")
    assert not checked.fields["is_critical"]
    # an admin's new term, whose re-judging of the entries stored by then could not see this one
    complaint_term_save(term=ComplaintTerm(theme=ComplaintTheme.objects.get(code="foreign_object"), words="gecko"))

    saved = feedback_store(checked=checked)

    assert saved.entry.is_critical and saved.entry.critical_themes == ["foreign_object"]
    assert Feedback.objects.get().is_critical


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the save is the outermost transaction
@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_a_save_rolled_back_to_end_a_deadlock_is_made_again(student, monkeypatch):
    attempts, replace = [], feedback_module.dish_votes_replace

    def deadlocked_once(**kwargs):  # as InnoDB ends a deadlock of two saves' dish votes
        attempts.append(kwargs)
        if len(attempts) == 1:
            raise OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")
        return replace(**kwargs)

    monkeypatch.setattr(feedback_module, "dish_votes_replace", deadlocked_once)

    saved = feedback_save(student=student, meal="breakfast", rating=2, category="food", comment="cold", dish_votes={})

    assert len(attempts) == 2 and saved.created
    assert Feedback.objects.get().rating == 2


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_a_refused_rating_is_summarised_at_the_top_linked_to_its_field(as_student):
    response = feedback_post(as_student, rating="9")
    assert response.status_code == 200 and not Feedback.objects.exists()
    top = response.text.split('id="meal-breakfast"')[0]
    summary = top.split('id="problems"')[1].split("</div>")[0]
    assert "Your feedback was not saved" in summary and 'href="#id_breakfast_rating_0"' in summary  # its first choice
    assert 'id="id_breakfast_rating_0"' in response.text


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_a_refused_comment_box_takes_the_focus(as_student):
    response = feedback_post(as_student, comment="x" * 1001)
    summary = response.text.split('id="problems"')[1].split("</div>")[0]
    assert 'href="#id_breakfast_comment"' in summary
    box = response.text.split('<textarea name="comment"')[1].split(">")[0]
    assert response.text.count("autofocus") == 1 and "autofocus" in box


@time_machine.travel(BREAKFAST_TIME, tick=False)
def test_a_dish_both_liked_and_disliked_is_summarised_and_its_boxes_take_the_focus(as_student, mess1):
    RegularMenu.objects.create(mess=mess1, weekday=TODAY.weekday(), meal="breakfast", dishes="Poha\nTea")
    response = feedback_post(as_student, liked=["Poha"], disliked=["Poha"])
    assert response.status_code == 200 and not Feedback.objects.exists()
    summary = response.text.split('id="problems"')[1].split("</div>")[0]
    assert 'href="#id_breakfast_liked_0"' in summary and "not both: Poha" in summary
    box = response.text.split('id="id_breakfast_liked_0"')[1].split(">")[0]
    assert response.text.count("autofocus") == 1 and "autofocus" in box
