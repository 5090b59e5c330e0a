"""An import never holds the site up: a huge header is refused at once, the file is checked while the
site writes, and its rows wait in the staging table until one short step makes them all visible."""

import datetime
import io
import threading

import pytest
from django.db import IntegrityError, connections
from django.utils import timezone

from mess.imports import reader
from mess.imports import waste as waste_kind
from mess.imports.reader import ImportRejected
from mess.imports.waste import waste_import
from mess.models import Feedback, Floor, Mess, StagedImport, StagedWaste, WasteRecord
from tests.imports_rows import FEEDBACK_HEADER, WASTE_HEADER, run

# Never holding the site up -----------------------------------------------------------------------


def test_a_header_of_60000_columns_is_rejected_with_a_short_message(mess1):
    repeated = "date," * 60_000 + "mess,floor,meal,total_kg\n"
    unknown = "date,mess,floor,meal,total_kg," + ",".join(f"x{n}" for n in range(60_000)) + "\n"

    with pytest.raises(ImportRejected) as first:
        waste_import(file=io.StringIO(repeated))
    with pytest.raises(ImportRejected) as second:
        waste_import(file=io.StringIO(unknown))

    assert first.value.errors == [
        "line 1: repeated column date; expected the header date,mess,floor,meal,total_kg,[diners],[value_inr],[co2e_kg]",
    ]
    assert second.value.errors[0].startswith("line 1: unknown columns 'x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9'")
    assert " and 59990 more; expected the header" in second.value.errors[0] and len(second.value.errors[0]) < 300


class Pausing(io.StringIO):
    """A file that stops halfway through its reading until `resume` is set, after saying so."""

    def __init__(self, text: str):
        super().__init__(text)
        self.halfway, self.resume = threading.Event(), threading.Event()
        self.pause_at = len(text) // 2

    def readline(self, size=-1):
        if self.tell() >= self.pause_at and not self.halfway.is_set():
            self.halfway.set()
            assert self.resume.wait(timeout=60)
        return super().readline(size)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_while_a_file_is_checked_the_rest_of_the_site_can_write(mess1):
    rows = "".join(f"2024-06-{day:02},mess1,Ground,{meal},1.50,80\n" for day in range(1, 31) for meal in ("lunch", "dinner"))
    file = Pausing(WASTE_HEADER + rows)
    result = {}
    importing = threading.Thread(target=lambda: result.update(done=waste_import(file=file)))
    importing.start()
    try:
        assert file.halfway.wait(timeout=60)
        # A feedback post, a login: any write of the site's, while the import is halfway through checking
        # (on SQLite, it would fail with "database is locked" after waiting 30 s if the import held the lock).
        Mess.objects.create(code="mess3", name="Mess 3")
    finally:
        file.resume.set()
        importing.join(timeout=60)
        connections.close_all()
    assert str(result["done"]) == "imported 60 waste records (60 new, 0 updated, 0 unchanged)"


def test_the_rows_wait_in_the_staging_table_until_one_step_makes_them_all_visible(mess1, monkeypatch):
    seen = {}
    real = waste_kind.upsert_staged

    def publish(model, **kwargs):
        seen.update(staged=StagedWaste.objects.count(), visible=WasteRecord.objects.count())
        return real(model, **kwargs)

    monkeypatch.setattr(waste_kind, "upsert_staged", publish)
    monkeypatch.setattr(reader, "STAGE_BATCH", 3)  # so that staging takes several transactions

    waste_import(file=io.StringIO(WASTE_HEADER + "".join(f"2024-07-0{d},mess1,Ground,lunch,2,\n" for d in range(1, 8))))

    assert seen == {"staged": 7, "visible": 0}
    assert WasteRecord.objects.count() == 7
    assert not StagedWaste.objects.exists() and not StagedImport.objects.exists()


def test_a_file_with_a_bad_row_stages_nothing(mess1):
    text = WASTE_HEADER + "2024-07-01,mess1,Ground,lunch,2,\n2024-07-02,mess1,Nowhere,lunch,2,\n"

    with pytest.raises(ImportRejected):
        waste_import(file=io.StringIO(text))

    assert not StagedImport.objects.exists() and not WasteRecord.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_if_making_the_rows_visible_fails_none_is_and_none_stays_staged(mess1):
    doomed = Floor.objects.create(mess=mess1, name="Annexe")

    class DeletesTheFloorAtTheEnd(io.StringIO):
        def readline(self, size=-1):
            line = super().readline(size)
            if not line and Floor.objects.filter(pk=doomed.pk).exists():
                doomed.delete()  # after the rows were checked, before they are written
            return line

    text = WASTE_HEADER + "2024-07-01,mess1,Ground,lunch,2,\n2024-07-01,mess1,Annexe,lunch,3,\n"
    with pytest.raises(IntegrityError):
        waste_import(file=DeletesTheFloorAtTheEnd(text))

    assert not WasteRecord.objects.exists()
    assert not StagedWaste.objects.exists() and not StagedImport.objects.exists()


def test_rows_left_staged_by_an_import_killed_a_day_ago_are_deleted_by_the_next(mess1, ground):
    killed = StagedImport.objects.create(kind="waste")
    StagedImport.objects.filter(pk=killed.pk).update(started_at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    StagedWaste.objects.create(staged_import=killed, floor_id=ground.pk, date=datetime.date(2024, 7, 1), meal="lunch", total_kg=1)
    running = StagedImport.objects.create(kind="feedback")  # another import, going on now

    waste_import(file=io.StringIO(WASTE_HEADER + "2024-07-02,mess1,Ground,lunch,2,\n"))

    assert list(StagedImport.objects.values_list("pk", flat=True)) == [running.pk]
    assert not StagedWaste.objects.exists()
    assert list(WasteRecord.objects.values_list("date", flat=True)) == [datetime.date(2024, 7, 2)]


def test_imported_feedback_is_judged_as_the_form_judges_it(tmp_path, mess1, student):
    run("import_feedback", FEEDBACK_HEADER + "2024-07-01,mess1,lunch,alice,4,Found a worm in the sabzi,\n", tmp_path)

    entry = Feedback.objects.get()
    assert (entry.is_critical, entry.critical_why, entry.critical_themes) == (True, "foreign object: worm", ["foreign_object"])
