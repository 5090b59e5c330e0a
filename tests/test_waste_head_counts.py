"""Head counts on the waste page: a change or a cleared one is said in the message and kept in the
history, a head count above the mess's students asks to be confirmed, and an absurd figure gets one
message, not two."""

import time_machine

from mess.models import Role, WasteRecord
from tests.factories import NOW, waste
from tests.helpers import create_person
from tests.waste_rows import d, history, meal_post


@time_machine.travel(NOW, tick=False)
def test_a_cleared_head_count_is_said_and_kept_in_the_history(as_official, ground, first):
    waste(ground, NOW.date(), "lunch", "4.00", diners=120)
    waste(first, NOW.date(), "lunch", "4.00", diners=80)

    response = meal_post(as_official, {ground: ("4.00", ""), first: ("5", "90")})

    assert response.status_code == 302
    page = as_official.get(response["Location"])
    assert (
        "Lunch of Tue 10 Mar 2026: First changed from 4.00 kg to 5.00 kg, head count changed from 80 to 90; Ground: head count 120 cleared."
        in page.text
    )
    assert WasteRecord.objects.get(floor=ground).diners is None
    today = NOW.date()
    assert sorted(history()) == [
        ("First", today, "lunch", "changed", d("4.00"), 80, d("5.00"), 90),
        ("Ground", today, "lunch", "changed", d("4.00"), 120, d("4.00"), None),
    ]


@time_machine.travel(NOW, tick=False)
def test_the_history_page_shows_a_cleared_head_count(client, admin, ground):
    client.force_login(admin)
    waste(ground, NOW.date(), "lunch", "4.00", diners=120)
    assert meal_post(client, {ground: ("4.00", "")}).status_code == 302
    assert "Ground: head count 120 cleared." in client.get("/mess/mess1/waste/?date=2026-03-10&meal=lunch").text

    row = client.get("/mess/mess1/waste/history/").text

    assert "4.00 kg, 120 diners" in row and '4.00 kg, <span class="muted">no head count</span>' in row


@time_machine.travel(NOW, tick=False)
def test_a_head_count_is_added_in_words(as_official, ground):
    waste(ground, NOW.date(), "lunch", "4.00")

    response = meal_post(as_official, {ground: ("4.00", "60")})

    assert "Ground: head count 60 added." in as_official.get(response["Location"]).text


@time_machine.travel(NOW, tick=False)
def test_a_head_count_above_the_mess_s_students_asks_to_be_confirmed(as_official, mess1, ground, first):
    for n in range(3):
        create_person(username=f"s{n}", role=Role.STUDENT, mess=mess1)

    asked = meal_post(as_official, {ground: ("4", "999999"), first: ("3", "3")})

    assert asked.status_code == 200 and not WasteRecord.objects.exists()
    assert asked.context["unusual"] == {ground.pk: "999999 diners are more than the students who eat at Mess 1 (3)."}
    confirmed = meal_post(as_official, {ground: ("4", "999999"), first: ("3", "3")}, confirm=asked.context["unusual_key"])
    assert confirmed.status_code == 302 and WasteRecord.objects.get(floor=ground).diners == 999999


@time_machine.travel(NOW, tick=False)
def test_a_mess_with_no_students_on_its_list_does_not_compare_head_counts(as_official, ground):
    assert meal_post(as_official, {ground: ("4", "999")}).status_code == 302


@time_machine.travel(NOW, tick=False)
def test_an_absurd_figure_gets_one_message(as_official, ground):
    response = meal_post(as_official, {ground: ("1000000000", "1000000000000")})

    errors = response.context["form"].errors
    assert errors[f"kg_{ground.pk}"] == ["More than 1000 kg is not a plausible amount: check the figure."]
    assert errors[f"diners_{ground.pk}"] == ["More than 2147483647 diners is not a head count: check the figure."]
    assert not WasteRecord.objects.exists()
