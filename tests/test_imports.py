"""import_students, import_waste and import_feedback: good files, every kind of bad row, all or nothing,
re-imports, standard input, and hostile bytes."""

import datetime
import io
import sys
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.imports.reader import ImportRejected
from mess.imports.waste import waste_import
from mess.models import Feedback, Role, WasteRecord
from tests.imports_rows import FEEDBACK_HEADER, GOOD_WASTE, STUDENTS_HEADER, WASTE_HEADER, User, rejected, run, waste_rows

# Good files --------------------------------------------------------------------------------------


def test_it_imports_waste(tmp_path, mess1, mess2):
    out, err = run(
        "import_waste",
        WASTE_HEADER
        + "2024-07-01,mess1,Ground,Lunch,12.5,140\n2024-07-01,mess1,First,DINNER,3,\n2024-07-02,mess2,Third,breakfast,0.25,90\n",
        tmp_path,
    )

    assert out == "imported 3 waste records (3 new, 0 updated, 0 unchanged)\n"
    assert err == ""
    assert waste_rows() == [
        ("First", datetime.date(2024, 7, 1), "dinner", Decimal("3.00"), None),
        ("Ground", datetime.date(2024, 7, 1), "lunch", Decimal("12.50"), 140),
        ("Third", datetime.date(2024, 7, 2), "breakfast", Decimal("0.25"), 90),
    ]
    assert not WasteRecord.objects.filter(recorded_by__isnull=False).exists()


def test_it_accepts_columns_in_any_order_and_without_the_optional_ones(tmp_path, mess1):
    run("import_waste", "Meal, Total_kg ,date,floor,mess\nlunch,4,2024-07-01,Ground,mess1\n", tmp_path)

    assert waste_rows() == [("Ground", datetime.date(2024, 7, 1), "lunch", Decimal("4.00"), None)]


def test_it_reimports_waste_without_touching_unchanged_rows(tmp_path, mess1):
    text = WASTE_HEADER + "2024-07-01,mess1,Ground,lunch,12.5,140\n2024-07-01,mess1,First,lunch,3,\n"
    run("import_waste", text, tmp_path)
    before = list(WasteRecord.objects.order_by("id").values())

    out, _ = run("import_waste", text, tmp_path)

    assert out == "imported 2 waste records (0 new, 0 updated, 2 unchanged)\n"
    assert list(WasteRecord.objects.order_by("id").values()) == before  # recorded_at included


def test_it_updates_changed_waste_rows(tmp_path, mess1, official):
    run("import_waste", WASTE_HEADER + "2024-07-01,mess1,Ground,lunch,12.5,140\n2024-07-01,mess1,First,lunch,3,\n", tmp_path)
    WasteRecord.objects.update(recorded_by=official)

    out, _ = run("import_waste", WASTE_HEADER + "2024-07-01,mess1,Ground,lunch,12.5,140\n2024-07-01,mess1,First,lunch,3.5,80\n", tmp_path)

    assert out == "imported 2 waste records (0 new, 1 updated, 1 unchanged)\n"
    assert waste_rows() == [
        ("First", datetime.date(2024, 7, 1), "lunch", Decimal("3.50"), 80),
        ("Ground", datetime.date(2024, 7, 1), "lunch", Decimal("12.50"), 140),
    ]
    # The updated row now holds the file's values, which no official recorded; the other keeps its official.
    assert dict(WasteRecord.objects.values_list("floor__name", "recorded_by")) == {"First": None, "Ground": official.pk}


def test_it_imports_feedback(tmp_path, mess1, student):
    out, _ = run(
        "import_feedback",
        FEEDBACK_HEADER + '2024-07-01,mess1,lunch,alice,2,"Cold rice, again",Food\n2024-07-01,mess1,Dinner,alice,5,,\n'
        "2024-07-02,mess1,breakfast,alice,1,Dirty plates,HYGIENE\n",
        tmp_path,
    )

    assert out == "imported 3 feedback entries (3 new, 0 updated, 0 unchanged)\n"
    assert list(
        Feedback.objects.order_by("date", "meal").values_list(
            "date", "meal", "mess__code", "student__username", "rating", "comment", "category"
        )
    ) == [
        (datetime.date(2024, 7, 1), "dinner", "mess1", "alice", 5, "", "food"),
        (datetime.date(2024, 7, 1), "lunch", "mess1", "alice", 2, "Cold rice, again", "food"),
        (datetime.date(2024, 7, 2), "breakfast", "mess1", "alice", 1, "Dirty plates", "hygiene"),
    ]


def test_it_imports_feedback_without_the_optional_columns(tmp_path, mess1, student):
    run("import_feedback", "date,mess,meal,student,rating\n2024-07-01,mess1,lunch,alice,4\n", tmp_path)

    assert list(Feedback.objects.values_list("rating", "comment", "category")) == [(4, "", "food")]


def test_it_reimports_feedback_and_updates_what_changed(tmp_path, mess1, student):
    text = FEEDBACK_HEADER + "2024-07-01,mess1,lunch,alice,2,Cold,food\n2024-07-02,mess1,lunch,alice,4,,\n"
    run("import_feedback", text, tmp_path)
    before = list(Feedback.objects.order_by("id").values())

    assert run("import_feedback", text, tmp_path)[0] == "imported 2 feedback entries (0 new, 0 updated, 2 unchanged)\n"
    assert list(Feedback.objects.order_by("id").values()) == before

    out, _ = run("import_feedback", text.replace("alice,2,Cold,food", "alice,3,Cold and late,service"), tmp_path)

    assert out == "imported 2 feedback entries (0 new, 1 updated, 1 unchanged)\n"
    assert list(Feedback.objects.order_by("date").values_list("rating", "comment", "category")) == [
        (3, "Cold and late", "service"),
        (4, "", "food"),
    ]


def test_it_imports_students(tmp_path, mess1, mess2):
    out, _ = run(
        "import_students",
        "\ufeff" + STUDENTS_HEADER + "s001,Ravi Kumar Sharma,ravi@Example.ORG,mess1\ns002,Meera,meera@example.org,mess2\n",
        tmp_path,
    )

    assert out == "imported 2 students (2 new, 0 updated, 0 unchanged)\n"
    ravi, meera = User.objects.filter(username__in=["s001", "s002"]).order_by("username")
    assert (ravi.first_name, ravi.last_name, ravi.email, ravi.profile.mess) == ("Ravi", "Kumar Sharma", "ravi@example.org", mess1)
    assert (meera.first_name, meera.last_name, meera.profile.mess) == ("Meera", "", mess2)
    assert list(User.objects.filter(groups__name=Role.STUDENT).order_by("username").values_list("username", flat=True)) == ["s001", "s002"]
    assert not ravi.has_usable_password() and not meera.has_usable_password()


def test_it_reimports_students_and_updates_name_email_and_mess(tmp_path, mess1, mess2, student):
    text = STUDENTS_HEADER + "alice,Alice Liddell,alice@example.org,mess1\ns002,Meera,meera@example.org,mess2\n"
    run("import_students", text, tmp_path)
    before = list(User.objects.order_by("id").values())

    assert run("import_students", text, tmp_path)[0] == "imported 2 students (0 new, 0 updated, 2 unchanged)\n"
    assert list(User.objects.order_by("id").values()) == before

    out, _ = run(
        "import_students",
        STUDENTS_HEADER + "alice,Alice Hargreaves,alice@new.example.org,mess2\ns002,Meera,meera@example.org,mess1\n",
        tmp_path,
    )

    assert out == "imported 2 students (0 new, 2 updated, 0 unchanged)\n"
    student.refresh_from_db()
    assert (student.get_full_name(), student.email, student.profile.mess) == ("Alice Hargreaves", "alice@new.example.org", mess2)
    assert student.check_password("pw-alice-123")  # an import never touches a password
    assert User.objects.get(username="s002").profile.mess == mess1


def test_it_makes_an_existing_user_without_a_role_a_student(tmp_path, mess1):
    User.objects.create_user(username="s003", first_name="Kiran", email="kiran@example.org")

    out, _ = run("import_students", STUDENTS_HEADER + "s003,Kiran,kiran@example.org,mess1\n", tmp_path)

    assert out == "imported 1 students (0 new, 1 updated, 0 unchanged)\n"
    assert User.objects.filter(username="s003", groups__name=Role.STUDENT, profile__mess=mess1).exists()


def test_it_stores_formula_like_text_as_it_is(tmp_path, mess1, student):
    run("import_students", STUDENTS_HEADER + 's004,=HYPERLINK("x") +1,s004@example.org,mess1\n', tmp_path)
    run("import_feedback", FEEDBACK_HEADER + "2024-07-01,mess1,lunch,alice,3,@SUM(A1:A9) -2,\n", tmp_path)

    assert User.objects.get(username="s004").get_full_name() == '=HYPERLINK("x") +1'
    assert Feedback.objects.get().comment == "@SUM(A1:A9) -2"


def test_it_counts_line_numbers_across_blank_lines_and_quoted_newlines(tmp_path, mess1, student):
    lines = rejected(
        "import_feedback",
        FEEDBACK_HEADER + '2024-07-01,mess1,lunch,alice,3,"two\nlines",\n\n2024-07-02,mess1,lunch,alice,9,,\n',
        tmp_path,
    )

    assert lines[0] == "line 5: rating '9' is not a whole number from 1 to 5"


# Standard input ----------------------------------------------------------------------------------


def test_it_reads_standard_input_given_as_text(mess1):
    out = io.StringIO()
    call_command("import_waste", "-", stdin=io.StringIO(WASTE_HEADER + "2024-07-01,mess1,Ground,lunch,2,\n"), stdout=out)

    assert out.getvalue() == "imported 1 waste records (1 new, 0 updated, 0 unchanged)\n"
    assert WasteRecord.objects.count() == 1


def test_it_reads_the_bytes_of_standard_input(mess1, monkeypatch):
    data = ("\ufeff" + WASTE_HEADER + "2024-07-01,mess1,Ground,lunch,2,\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))

    call_command("import_waste", "-", stdout=io.StringIO())

    assert WasteRecord.objects.count() == 1
    assert not sys.stdin.buffer.closed


def test_it_rejects_bad_standard_input_with_the_line(mess1):
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported: 1 error in the file"):
        call_command("import_waste", "-", stdin=io.StringIO(WASTE_HEADER + "2024-07-01,mess9,Ground,lunch,2,\n"), stderr=err)

    assert err.getvalue() == "line 2: unknown mess 'mess9'\n"


def test_it_fails_on_a_file_it_cannot_open(tmp_path, db):
    with pytest.raises(CommandError, match="cannot open .*missing.csv: No such file or directory"):
        call_command("import_waste", str(tmp_path / "missing.csv"))


# The service -------------------------------------------------------------------------------------


def test_it_reports_progress_in_bytes_read(mess1):
    data = (WASTE_HEADER + "".join(f"2024-06-{day:02},mess1,Ground,lunch,2,100\n" for day in range(1, 31))).encode()
    read = []

    result = waste_import(file=io.BytesIO(data), progress=read.append)

    assert result.new == 30
    assert sum(read) == len(data)


def test_it_records_who_imported_when_asked(mess1, official):
    waste_import(file=io.StringIO(WASTE_HEADER + GOOD_WASTE + "\n"), recorded_by=official)

    assert WasteRecord.objects.get().recorded_by == official


def test_it_raises_import_rejected_with_every_error(mess1):
    with pytest.raises(ImportRejected) as rejected_file:
        waste_import(file=io.StringIO(WASTE_HEADER + "2024-07-01,mess1,Ground,lunch,-1,\n2024-07-01,mess1,Ground,lunch,-2,\n"))

    assert rejected_file.value.errors == ["line 2: total_kg -1 is negative", "line 3: total_kg -2 is negative"]
    assert rejected_file.value.count == 2


def test_it_uses_as_many_queries_for_a_few_rows_as_for_many(mess1, mess2):
    def queries(days: int) -> int:
        text = WASTE_HEADER + "".join(
            f"2024-05-{day:02},{mess},{floor},{meal},2,100\n"
            for day in range(1, days + 1)
            for mess, floor in [("mess1", "Ground"), ("mess1", "First"), ("mess2", "Third")]
            for meal in ["breakfast", "dinner"]
        )
        with CaptureQueriesContext(connection) as captured:
            waste_import(file=io.StringIO(text))
        return len(captured)

    # 72 rows or 360: under SQLite's limit of parameters per INSERT, which splits larger batches.
    assert queries(2) == queries(10)
