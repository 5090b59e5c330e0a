"""Food waste behind the page: the services, what they refuse, deleting a record, and the history of
every change, from the page, Django admin and the imports."""

import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mess.imports.reader import ImportRejected
from mess.imports.waste import waste_import
from mess.models import DayTotals, Floor, WasteChange, WasteRecord
from mess.overview import day_totals_refresh
from mess.waste import FloorChanged, FloorWaste, waste_meal_save, waste_record_delete, waste_record_save, waste_records_delete
from tests.factories import IST, NOW, TODAY, days_ago, waste
from tests.waste_rows import WASTE_HEADER, YESTERDAY, d, history, meal_post

# The services


@time_machine.travel(NOW, tick=False)
def test_the_waste_service_refuses_what_the_form_would(mess1, mess2, ground, official):
    def save(**changes):
        args = {"mess": mess1, "floor": ground, "date": TODAY, "meal": "lunch", "total_kg": d("1"), "diners": None} | changes
        return waste_record_save(recorded_by=official, **args)

    for changes in [
        {"floor": mess2.floors.get(name="Second")},
        {"date": TODAY + datetime.timedelta(days=1)},
        {"meal": "snacks"},  # has not started
        {"meal": "brunch"},
        {"total_kg": d("-1")},
        {"total_kg": d("1000.01")},
        {"diners": -1},
    ]:
        with pytest.raises(ValueError):
            save(**changes)
    assert not WasteRecord.objects.exists() and not WasteChange.objects.exists()
    first, again, same = save(), save(total_kg=d("2")), save(total_kg=d("2"))
    assert (first.created, again.created, again.previous_kg, again.changed, same.changed) == (True, False, d("1.00"), True, False)
    assert [c[3] for c in history()] == ["recorded", "changed"]


@time_machine.travel(NOW, tick=False)
def test_the_waste_service_refuses_a_date_before_2000_and_stores_cents(mess1, ground, official):
    with pytest.raises(ValueError, match="0001-01-01 is before 2000-01-01"):
        waste_record_save(
            mess=mess1, floor=ground, date=datetime.date(1, 1, 1), meal="lunch", total_kg=d("1"), diners=None, recorded_by=official
        )
    with pytest.raises(ValueError, match="1.234 kg has more than two decimals"):
        waste_record_save(mess=mess1, floor=ground, date=TODAY, meal="lunch", total_kg=d("1.234"), diners=None, recorded_by=official)
    saved = waste_record_save(mess=mess1, floor=ground, date=TODAY, meal="lunch", total_kg=d("1E+2"), diners=None, recorded_by=official)
    assert str(saved.record.total_kg) == "100.00"


def test_the_meal_service_refuses_a_meal_before_it_starts_in_local_time(mess1, ground, official):
    def save():
        figures = [FloorWaste(floor=ground, total_kg=d("1"))]
        return waste_meal_save(mess=mess1, date=TODAY, meal="dinner", figures=figures, recorded_by=official)

    with time_machine.travel(datetime.datetime(2026, 3, 10, 18, 59, 59, tzinfo=IST), tick=False):
        with pytest.raises(ValueError, match="Dinner of Tue 10 Mar 2026 has not started yet"):
            save()
    with time_machine.travel(datetime.datetime(2026, 3, 10, 19, 0, tzinfo=IST), tick=False):
        assert save().recorded == [("Ground", d("1.00"), None)]


@time_machine.travel(NOW, tick=False)
def test_a_meals_save_is_all_or_nothing(mess1, mess2, ground, first, official, monkeypatch):
    good = [FloorWaste(floor=ground, total_kg=d("1")), FloorWaste(floor=first, total_kg=d("2"))]
    for bad in ([FloorWaste(floor=mess2.floors.get(name="Second"), total_kg=d("1"))], [FloorWaste(floor=ground, total_kg=d("3"))]):
        with pytest.raises(ValueError, match="not a floor of mess1|given twice"):
            waste_meal_save(mess=mess1, date=TODAY, meal="lunch", figures=good + bad, recorded_by=official)
    assert not WasteRecord.objects.exists()

    # A failure while writing (here, the history) undoes the records written before it.
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(WasteChange.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        waste_meal_save(mess=mess1, date=TODAY, meal="lunch", figures=good, recorded_by=official)
    assert not WasteRecord.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_meals_save_costs_the_same_queries_for_2_floors_as_for_20(mess1, official):
    def cost(floors: int, prefix: str, kg: str) -> int:
        new = Floor.objects.bulk_create([Floor(mess=mess1, name=f"{prefix}{i}") for i in range(floors)])
        figures = [FloorWaste(floor=f, total_kg=d(kg), diners=90) for f in new]
        with CaptureQueriesContext(connection) as queries:
            waste_meal_save(mess=mess1, date=YESTERDAY, meal="lunch", figures=figures, recorded_by=official)
        # and once more, half of them changed
        changed = [FloorWaste(floor=f.floor, total_kg=f.total_kg + (i % 2), diners=90) for i, f in enumerate(figures)]
        with CaptureQueriesContext(connection) as again:
            waste_meal_save(mess=mess1, date=YESTERDAY, meal="lunch", figures=changed, recorded_by=official)
        return len(queries), len(again)

    assert cost(2, "A", "1") == cost(20, "B", "2")
    assert WasteChange.objects.count() == 22 + 11


# Deleting a wrong record


@time_machine.travel(NOW, tick=False)
def test_an_official_deletes_a_record_after_confirming_and_the_days_totals_follow(as_official, official, mess1, ground, first):
    wrong = waste(ground, YESTERDAY, "dinner", "40.00", diners=100)
    waste(first, YESTERDAY, "dinner", "3.00")
    day_totals_refresh()
    assert DayTotals.objects.get(mess=mess1, date=YESTERDAY).waste_kg == d("43.00")

    asked = as_official.get(f"/mess/mess1/waste/{wrong.pk}/delete/")
    assert asked.status_code == 200 and "Delete this waste record?" in asked.text and "40.00 kg, 100 diners" in asked.text
    assert WasteRecord.objects.filter(pk=wrong.pk).exists()  # asking deletes nothing

    response = as_official.post(f"/mess/mess1/waste/{wrong.pk}/delete/")

    assert response["Location"] == f"/mess/mess1/waste/?date={YESTERDAY}&meal=dinner"
    assert not WasteRecord.objects.filter(pk=wrong.pk).exists()
    assert DayTotals.objects.get(mess=mess1, date=YESTERDAY).waste_kg == d("3.00")
    assert history() == [("Ground", YESTERDAY, "dinner", "deleted", d("40.00"), 100, None, None)]
    assert WasteChange.objects.get().changed_by == official
    assert "Deleted the waste of Ground, dinner of Mon 9 Mar 2026 (40.00 kg)." in as_official.get(response["Location"]).text


@time_machine.travel(NOW, tick=False)
def test_a_record_of_another_mess_cannot_be_deleted_through_this_one(client, official, admin, mess1, mess2):
    other = waste(mess2.floors.get(name="Second"), YESTERDAY, "lunch", "5.00")

    client.force_login(official)
    assert client.get(f"/mess/mess1/waste/{other.pk}/delete/").status_code == 404
    assert client.post(f"/mess/mess1/waste/{other.pk}/delete/").status_code == 404
    assert client.post(f"/mess/mess2/waste/{other.pk}/delete/").status_code == 404  # not their mess
    client.force_login(admin)
    assert client.post(f"/mess/mess1/waste/{other.pk}/delete/").status_code == 404  # not a record of mess1
    assert WasteRecord.objects.filter(pk=other.pk).exists()
    with pytest.raises(WasteRecord.DoesNotExist):
        waste_record_delete(mess=mess1, record_id=other.pk, deleted_by=admin)
    assert not WasteChange.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_record_deleted_twice_is_404_the_second_time(as_official, ground):
    record = waste(ground, YESTERDAY, "lunch", "5.00")
    assert as_official.post(f"/mess/mess1/waste/{record.pk}/delete/").status_code == 302
    assert as_official.post(f"/mess/mess1/waste/{record.pk}/delete/").status_code == 404
    assert WasteChange.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_deleting_many_records_costs_the_same_queries_as_deleting_one(mess1, official):
    floors = Floor.objects.bulk_create([Floor(mess=mess1, name=f"Floor {i}") for i in range(30)])
    for floor in floors:
        waste(floor, YESTERDAY, "lunch", "1.00")

    with CaptureQueriesContext(connection) as one:
        waste_records_delete(records=WasteRecord.objects.filter(floor=floors[0]), deleted_by=official)
    with CaptureQueriesContext(connection) as many:
        waste_records_delete(records=WasteRecord.objects.all(), deleted_by=official)

    assert len(one) == len(many) and WasteChange.objects.count() == 30 and not WasteRecord.objects.exists()


# The history: admins read it


@time_machine.travel(NOW, tick=False)
def test_admins_read_the_history_on_a_page(as_admin, official, ground):
    waste_record_save(mess=ground.mess, floor=ground, date=TODAY, meal="lunch", total_kg=d("4"), diners=None, recorded_by=official)
    waste_record_save(mess=ground.mess, floor=ground, date=TODAY, meal="lunch", total_kg=d("5"), diners=90, recorded_by=official)

    page = as_admin.get("/mess/mess1/waste/history/")

    rows = [(c.action, c.kg_before, c.kg_after, c.changed_by) for c in page.context["page"].object_list]
    assert rows == [("changed", d("4.00"), d("5.00"), official), ("recorded", None, d("4.00"), official)]
    assert "olga" in page.text and "5.00 kg, 90" in page.text
    assert as_admin.get("/mess/mess1/waste/").text.count("History of changes") == 1


@time_machine.travel(NOW, tick=False)
def test_an_official_reads_the_history_the_delete_message_promises(as_official, official, ground):
    saved = waste_record_save(mess=ground.mess, floor=ground, date=TODAY, meal="lunch", total_kg=d("4"), diners=None, recorded_by=official)
    record = saved.record
    deleted = as_official.post(f"/mess/mess1/waste/{record.pk}/delete/", follow=True)
    assert "The history keeps what it said." in deleted.text and "History of changes" in deleted.text

    history = as_official.get("/mess/mess1/waste/history/")
    assert history.status_code == 200
    assert [c.action for c in history.context["page"].object_list] == ["deleted", "recorded"]


def test_the_history_page_costs_the_same_queries_however_long_the_history(as_admin, mess1, ground, official):
    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_admin.get("/mess/mess1/waste/history/").status_code == 200
        return len(queries)

    WasteChange.objects.create(
        mess=mess1, floor=ground, floor_name="Ground", date=TODAY, meal="lunch", action="recorded", changed_by=official
    )
    few = cost()
    WasteChange.objects.bulk_create(
        WasteChange(mess=mess1, floor=ground, floor_name="Ground", date=TODAY, meal="lunch", action="changed", changed_by=official)
        for _ in range(120)
    )
    assert cost() == few


@time_machine.travel(NOW, tick=False)
def test_the_waste_page_costs_the_same_queries_for_2_floors_as_for_14(as_official, mess1, ground, first):
    def cost() -> tuple[int, int, int]:
        floors = list(Floor.objects.filter(mess=mess1))
        usual = {f: ("2", "") for f in floors}
        with CaptureQueriesContext(connection) as shown:
            as_official.get("/mess/mess1/waste/")
        with CaptureQueriesContext(connection) as saved:
            assert meal_post(as_official, usual, date=YESTERDAY).status_code == 302
        with CaptureQueriesContext(connection) as asked:
            assert meal_post(as_official, {f: ("900", "") for f in floors}, date=YESTERDAY).status_code == 200
        return len(shown), len(saved), len(asked)

    for n in range(1, 6):  # a median for the figures to be compared with
        waste(ground, days_ago(n + 1), "lunch", "2.00")
    few = cost()
    Floor.objects.bulk_create([Floor(mess=mess1, name=f"Floor {i}") for i in range(12)])
    assert cost() == few


# Django admin's edits and deletions are in the history too


@time_machine.travel(NOW, tick=False)
def test_an_admins_edits_and_deletions_in_django_admin_are_in_the_history(as_admin, admin, ground, first):
    record = waste(ground, YESTERDAY, "lunch", "4.00", diners=100)
    url = reverse("admin:mess_wasterecord_change", args=[record.pk])
    form = {"floor": ground.pk, "date": str(YESTERDAY), "meal": "lunch", "total_kg": "4.50", "diners": "100"}

    assert as_admin.post(url, form).status_code == 302
    assert as_admin.post(url, form | {"total_kg": "4.5"}).status_code == 302  # saved unchanged
    assert as_admin.post(url, form | {"floor": first.pk}).status_code == 302  # moved to another floor
    added = as_admin.post(reverse("admin:mess_wasterecord_add"), form | {"total_kg": "1", "diners": ""})
    assert added.status_code == 302
    added_pk = WasteRecord.objects.get(floor=ground).pk
    assert as_admin.post(reverse("admin:mess_wasterecord_delete", args=[added_pk]), {"post": "yes"}).status_code == 302
    moved = WasteRecord.objects.get(floor=first)  # a record moved is deleted where it was and recorded anew
    action = {"action": "delete_selected", "_selected_action": [moved.pk], "post": "yes"}
    assert as_admin.post(reverse("admin:mess_wasterecord_changelist"), action).status_code == 302

    assert history() == [
        ("Ground", YESTERDAY, "lunch", "changed", d("4.00"), 100, d("4.50"), 100),
        ("Ground", YESTERDAY, "lunch", "deleted", d("4.50"), 100, None, None),
        ("First", YESTERDAY, "lunch", "recorded", None, None, d("4.50"), 100),
        ("Ground", YESTERDAY, "lunch", "recorded", None, None, d("1.00"), None),
        ("Ground", YESTERDAY, "lunch", "deleted", d("1.00"), None, None, None),
        ("First", YESTERDAY, "lunch", "deleted", d("4.50"), 100, None, None),
    ]
    assert set(WasteChange.objects.values_list("changed_by", flat=True)) == {admin.pk}
    assert not WasteRecord.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_django_admin_refuses_a_meal_that_has_not_started(as_admin, ground):
    response = as_admin.post(
        reverse("admin:mess_wasterecord_add"), {"floor": ground.pk, "date": str(TODAY), "meal": "dinner", "total_kg": "1", "diners": ""}
    )
    assert "Dinner of Tue 10 Mar 2026 has not started yet (it starts at 19:00)" in response.text  # waste_meal_check's words
    assert not WasteRecord.objects.exists()


def test_admins_read_the_history_in_django_admin_and_cannot_write_it(as_admin, mess1, mess2, ground):
    WasteChange.objects.create(mess=mess1, floor=ground, floor_name="Ground", date=TODAY, meal="lunch", action="recorded")
    WasteChange.objects.create(mess=mess2, floor_name="Second", date=TODAY, meal="lunch", action="deleted")
    change = WasteChange.objects.get(mess=mess1)

    listed = as_admin.get(reverse("admin:mess_wastechange_changelist"), {"mess__id__exact": mess1.pk})
    assert [c.floor_name for c in listed.context["cl"].result_list] == ["Ground"]
    assert as_admin.get(reverse("admin:mess_wastechange_changelist"), {"date": str(TODAY)}).status_code == 200
    assert as_admin.get(reverse("admin:mess_wastechange_change", args=[change.pk])).status_code == 200  # read
    assert as_admin.get(reverse("admin:mess_wastechange_add")).status_code == 403
    assert as_admin.post(reverse("admin:mess_wastechange_change", args=[change.pk]), {"floor_name": "X"}).status_code == 403
    assert as_admin.post(reverse("admin:mess_wastechange_delete", args=[change.pk]), {"post": "yes"}).status_code == 403
    assert WasteChange.objects.count() == 2


# Imports


def import_text(text: str, **kwargs):
    return waste_import(file=io.StringIO(text), **kwargs)


def test_an_import_refuses_a_meal_that_has_not_started_with_its_line_and_writes_nothing(mess1, ground):
    rows = WASTE_HEADER + "2026-03-10,mess1,Ground,breakfast,1,\n2026-03-10,mess1,Ground,lunch,2,\n2026-03-09,mess1,Ground,dinner,3,\n"
    with time_machine.travel(datetime.datetime(2026, 3, 10, 11, 59, tzinfo=IST), tick=False):
        with pytest.raises(ImportRejected) as rejected:
            import_text(rows)
    assert rejected.value.errors == [
        "line 3: lunch of 2026-03-10 has not started yet (it starts at 12:00): waste is recorded after the meal"
    ]
    assert not WasteRecord.objects.exists()
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=IST), tick=False):
        assert import_text(rows).new == 3


@time_machine.travel(NOW, tick=False)
def test_an_import_keeps_its_changes_of_stored_records_in_the_history_and_new_records_need_none(mess1, ground, first, official):
    waste(ground, YESTERDAY, "lunch", "4.00", diners=100)
    waste(first, YESTERDAY, "lunch", "2.00")
    rows = (
        WASTE_HEADER + f"{YESTERDAY},mess1,Ground,lunch,4.50,100\n"  # changed
        f"{YESTERDAY},mess1,First,lunch,2.00,\n"  # unchanged
        f"{YESTERDAY},mess1,First,dinner,7.00,80\n"  # new
    )

    result = import_text(rows, recorded_by=official)

    assert (result.new, result.updated, result.unchanged) == (1, 1, 1)
    assert history() == [("Ground", YESTERDAY, "lunch", "changed", d("4.00"), 100, d("4.50"), 100)]
    assert WasteChange.objects.get().changed_by == official
    import_text(WASTE_HEADER + f"{YESTERDAY},mess1,First,breakfast,1.00,\n")  # new records only
    assert WasteChange.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_record_another_official_created_meanwhile_is_changed_not_duplicated(mess1, ground, official, monkeypatch):
    waste(ground, TODAY, "lunch", "4.00")  # saved by another official after this save read the records
    real = WasteRecord.objects.select_for_update
    reads = []

    def read_before_the_other_save(*args, **kwargs):
        reads.append(1)
        return WasteRecord.objects.none() if len(reads) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(WasteRecord.objects, "select_for_update", read_before_the_other_save)

    saved = waste_meal_save(mess=mess1, date=TODAY, meal="lunch", figures=[FloorWaste(floor=ground, total_kg=d("6"))], recorded_by=official)

    assert len(reads) == 2 and saved.changed == [FloorChanged("Ground", d("4.00"), d("6.00"), None, None)]
    assert list(WasteRecord.objects.values_list("total_kg", flat=True)) == [d("6.00")]
    assert history() == [("Ground", TODAY, "lunch", "changed", d("4.00"), None, d("6.00"), None)]
