"""import_students, import_waste and import_feedback: good files, every kind of bad row, all or nothing,
re-imports, standard input, and hostile bytes."""

import datetime
import hashlib
import io
import sys
import threading
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mess.imports import reader
from mess.imports import waste as waste_kind
from mess.imports.reader import ImportRejected
from mess.imports.waste import waste_import
from mess.models import Feedback, Floor, Mess, Role, StagedImport, StagedWaste, WasteRecord

User = get_user_model()

WASTE_HEADER = "date,mess,floor,meal,total_kg,diners\n"
FEEDBACK_HEADER = "date,mess,meal,student,rating,comment,category\n"
STUDENTS_HEADER = "username,name,email,mess\n"


def run(command: str, text: str | bytes, tmp_path) -> tuple[str, str]:
    """Runs `command` on a file holding `text`; returns its standard output and error."""
    path = tmp_path / "import.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    out, err = io.StringIO(), io.StringIO()
    call_command(command, str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rejected(command: str, text: str | bytes, tmp_path) -> list[str]:
    """Runs `command` on `text`, expecting it to fail; returns the lines it wrote to standard error."""
    path = tmp_path / "import.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command(command, str(path), stdout=io.StringIO(), stderr=err)
    return err.getvalue().splitlines()


def waste_rows() -> list[tuple]:
    return list(
        WasteRecord.objects.order_by("floor__name", "date", "meal").values_list("floor__name", "date", "meal", "total_kg", "diners")
    )


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


# Bad rows ----------------------------------------------------------------------------------------

GOOD_WASTE = "2024-07-01,mess1,Ground,lunch,2.5,100"
GOOD_FEEDBACK = "2024-07-01,mess1,lunch,alice,4,,"
GOOD_STUDENT = "s010,Asha Rao,asha@example.org,mess1"

BAD_ROWS = [
    ("import_waste", "2024-07-01,mess1,Ground,lunch,2.5", "has 5 fields, expected 6 (date,mess,floor,meal,total_kg,diners)"),
    ("import_waste", "2024-07-01,mess1,Ground,lunch,2.5,100,7", "has 7 fields, expected 6"),
    ("import_waste", ",mess1,Ground,lunch,2.5,100", "date is missing"),
    ("import_waste", "01/07/2024,mess1,Ground,lunch,2.5,100", "date '01/07/2024' is not a date like 2024-07-31"),
    ("import_waste", "2024-02-30,mess1,Ground,lunch,2.5,100", "date 2024-02-30 does not exist"),
    ("import_waste", "2999-01-01,mess1,Ground,lunch,2.5,100", "date 2999-01-01 is in the future"),
    ("import_waste", "0001-01-01,mess1,Ground,lunch,2.5,100", "date 0001-01-01 is before 2000-01-01, the earliest date ManageIt records"),
    ("import_feedback", "1999-12-31,mess1,lunch,alice,4,,", "date 1999-12-31 is before 2000-01-01"),
    ("import_waste", "2024-07-01,mess9,Ground,lunch,2.5,100", "unknown mess 'mess9'"),
    ("import_waste", "2024-07-01,mess1,Second,lunch,2.5,100", "mess mess1 has no floor 'Second' (its floors: First, Ground)"),
    ("import_waste", "2024-07-01,mess1,,lunch,2.5,100", "floor is missing"),
    ("import_waste", "2024-07-01,mess1,Ground,brunch,2.5,100", "unknown meal 'brunch' (one of: breakfast, lunch, snacks, dinner)"),
    ("import_waste", "2024-07-01,mess1,Ground,,2.5,100", "meal is missing"),
    ("import_waste", "2024-07-01,mess1,Ground,lunch,two,100", "total_kg 'two' is not a number"),
    ("import_waste", "2024-07-01,mess1,Ground,lunch,NaN,100", "total_kg 'NaN' is not a number"),
    ("import_waste", "2024-07-01,mess1,Ground,lunch,,100", "total_kg is missing"),
    ("import_waste", "2024-07-01,mess1,Ground,lunch,-0.5,100", "total_kg -0.5 is negative"),
    ("import_waste", "2024-07-01,mess1,Ground,lunch,1000.01,100", "total_kg 1000.01 is more than 1000 kg"),
    ("import_waste", "2024-07-01,mess1,Ground,lunch,2.555,100", "total_kg 2.555 has more than 2 decimals"),
    ("import_waste", "2024-07-01,mess1,Ground,lunch,2.5,-1", "diners '-1' is not a whole number (0 or more)"),
    ("import_waste", "2024-07-01,mess1,Ground,lunch,2.5,12.5", "diners '12.5' is not a whole number (0 or more)"),
    ("import_waste", "2024-07-01,mess1,Ground,lunch,2.5,99999999999", "diners '99999999999' is too large"),
    ("import_feedback", "2024-07-01,mess1,lunch,alice,0,,", "rating '0' is not a whole number from 1 to 5"),
    ("import_feedback", "2024-07-01,mess1,lunch,alice,4.5,,", "rating '4.5' is not a whole number from 1 to 5"),
    ("import_feedback", "2024-07-01,mess1,lunch,alice,,,", "rating '' is not a whole number from 1 to 5"),
    ("import_feedback", "2024-07-01,mess1,lunch,alice,4," + "x" * 1001 + ",", "comment is longer than 1000 characters (1001)"),
    (
        "import_feedback",
        '2024-07-01,mess1,lunch,alice,4,"Cold\r- Rating 5",',
        "comment contains the control character U+000D, which is not text",
    ),
    ("import_feedback", "2024-07-01,mess1,lunch,alice,4,\x1b[2Jgone,", "comment contains the control character U+001B"),
    ("import_feedback", "2024-07-01,mess1,lunch,alice,4,,taste", "unknown category 'taste' (one of: food, hygiene, service, other)"),
    ("import_feedback", "2024-07-01,mess1,lunch,nobody,4,,", "unknown student 'nobody'"),
    ("import_feedback", "2024-07-01,mess1,lunch,olga,4,,", "unknown student 'olga'"),
    ("import_feedback", "2024-07-01,mess2,lunch,alice,4,,", "student alice eats at mess1, not mess2"),
    ("import_feedback", "2024-07-01,mess1,lunch,,4,,", "student is missing"),
    ("import_feedback", "2024-07-01,mess1,supper,alice,4,,", "unknown meal 'supper'"),
    ("import_students", "s 1,Asha Rao,asha@example.org,mess1", "username 's 1' is not 1 to 150 of the letters A-Z, digits and @ . + - _"),
    ("import_students", "ašha,Asha Rao,asha@example.org,mess1", "username 'ašha' is not 1 to 150"),
    ("import_students", ",Asha Rao,asha@example.org,mess1", "username is missing"),
    ("import_students", "s010,,asha@example.org,mess1", "name is missing"),
    ("import_students", "s010,Asha\x07Rao,asha@example.org,mess1", "name contains the control character U+0007, which is not text"),
    ("import_students", "s010," + "A" * 151 + ",asha@example.org,mess1", "name is too long"),
    ("import_students", "s010,Asha Rao,asha-at-example.org,mess1", "email 'asha-at-example.org' is not a valid e-mail address"),
    ("import_students", "s010,Asha Rao,,mess1", "email is missing"),
    ("import_students", "s010,Asha Rao,asha@example.org,mess9", "unknown mess 'mess9'"),
    ("import_students", "olga,Olga,olga@example.org,mess1", "username olga is an existing official or admin, not a student"),
    ("import_students", "ada,Ada,ada@example.org,mess1", "username ada is an existing official or admin, not a student"),
    ("import_students", "gina,Gina,gina@example.org,mess1", "username gina is an existing official or admin, not a student"),
    ("import_students", "Alice,Alice,alice@example.org,mess1", "username Alice differs only in case from the existing user alice"),
]
GOOD_ROWS = {
    "import_waste": (WASTE_HEADER, GOOD_WASTE),
    "import_feedback": (FEEDBACK_HEADER, GOOD_FEEDBACK),
    "import_students": (STUDENTS_HEADER, GOOD_STUDENT),
}


def stored() -> tuple:
    return WasteRecord.objects.count(), Feedback.objects.count(), User.objects.count()


@pytest.mark.parametrize(("command", "row", "reason"), BAD_ROWS, ids=[f"{c}:{r}" for c, _, r in BAD_ROWS])
def test_it_rejects_a_bad_row_with_its_line_and_writes_nothing(
    tmp_path, mess1, mess2, student, official, admin, group_admin, command, row, reason
):
    header, good = GOOD_ROWS[command]
    before = stored()

    lines = rejected(command, header + good + "\n" + row + "\n", tmp_path)

    assert len(lines) == 1
    assert lines[0].startswith(f"line 3: {reason}")
    assert stored() == before


@pytest.mark.parametrize(
    ("command", "rows", "reason"),
    [
        (
            "import_waste",
            [GOOD_WASTE, GOOD_WASTE.replace("lunch", "LUNCH").replace("2.5", "3")],
            "same floor, date and meal as an earlier row",
        ),
        ("import_feedback", [GOOD_FEEDBACK, GOOD_FEEDBACK.replace(",4,", ",2,")], "same student, date and meal as an earlier row"),
        ("import_students", [GOOD_STUDENT, GOOD_STUDENT.replace("s010", "S010")], "same username as an earlier row"),
    ],
)
def test_it_rejects_the_second_row_with_the_same_key(tmp_path, mess1, student, command, rows, reason):
    header, _ = GOOD_ROWS[command]
    before = stored()

    lines = rejected(command, header + "\n".join(rows) + "\n", tmp_path)

    assert lines == [f"line 3: {reason}"]
    assert stored() == before


def test_it_tells_rows_apart_by_every_part_of_their_key(tmp_path, mess1):
    # 2022-01-01 and 2023-05-28 are 512 days apart, the span of one block of remembered keys.
    rows = [
        "2022-01-01,mess1,Ground,lunch,1,",
        "2023-05-28,mess1,Ground,lunch,2,",
        "2022-01-01,mess1,First,lunch,3,",
        "2022-01-01,mess1,Ground,dinner,4,",
    ]

    out, _ = run("import_waste", WASTE_HEADER + "\n".join(rows), tmp_path)

    assert out == "imported 4 waste records (4 new, 0 updated, 0 unchanged)\n"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (b"", "line 1: the file is empty; expected the header date,mess,floor,meal,total_kg,[diners],[value_inr],[co2e_kg]"),
        (b"\xef\xbb\xbf\n\n", "line 1: the file is empty"),
        (b"date,mess,floor,meal\n", "line 1: missing column total_kg; expected the header"),
        (b"date,mess,floor,meal,kg,diners\n", "line 1: missing column total_kg; unknown column 'kg'; expected"),
        (b"date,mess,floor,meal,total_kg,meal\n", "line 1: repeated column meal; expected"),
        (b"\n\ndate,mess,floor,meal,total_kg,\n", "line 3: unknown column ''"),
        ("date,mess,floor,meal,total_kg".encode("utf-16"), "line 1: the header is not UTF-8 text (save the file as CSV UTF-8)"),
    ],
)
def test_it_rejects_a_file_without_a_proper_header(tmp_path, mess1, text, error):
    lines = rejected("import_waste", text, tmp_path)

    assert len(lines) == 1
    assert lines[0].startswith(error)


def test_it_reports_bytes_that_are_not_utf8_and_nul_characters_row_by_row(tmp_path, mess1):
    text = (
        WASTE_HEADER.encode()
        + b"2024-07-01,mess1,Gr\xf6und,lunch,2,\n2024-07-02,mess1,Ground,lunch,2,\n2024-07-03,mess1,Ground\x00,lunch,2,\n"
    )

    lines = rejected("import_waste", text, tmp_path)

    assert lines == ["line 2: is not UTF-8 text", "line 4: contains a NUL character"]
    assert WasteRecord.objects.count() == 0


def test_it_reports_a_field_over_the_csv_limit_without_a_traceback(tmp_path, mess1, student):
    lines = rejected("import_feedback", FEEDBACK_HEADER + '2024-07-01,mess1,lunch,alice,4,"' + "x" * 200_000 + '",\n', tmp_path)

    assert lines == ["line 2: not readable as CSV (field larger than field limit (131072)); the rest of the file was not read"]


def test_it_stops_at_a_line_too_long_to_be_a_row(tmp_path, mess1, monkeypatch):
    monkeypatch.setattr(reader, "MAX_LINE", 100)

    lines = rejected("import_waste", WASTE_HEADER + "2024-07-01,mess1,Ground,lunch,2,\n" + "9" * 150 + "\n", tmp_path)

    assert lines == ["line 3: the line is longer than 100 characters; the rest of the file was not read"]


def test_it_reports_every_bad_row_and_writes_nothing_though_batches_were_written(tmp_path, mess1, monkeypatch):
    monkeypatch.setattr(reader, "BATCH", 2)
    good = [f"2024-06-{day:02},mess1,Ground,lunch,2,100" for day in range(1, 8)]
    text = WASTE_HEADER + "\n".join(
        [*good, "2024-07-01,mess1,Ground,lunch,x,", "2024-07-02,mess1,Ground,lunch,2,", "2024-07-03,mess7,Ground,lunch,2,"]
    )

    lines = rejected("import_waste", text, tmp_path)

    assert lines == ["line 9: total_kg 'x' is not a number", "line 11: unknown mess 'mess7'"]
    assert WasteRecord.objects.count() == 0


def test_it_lists_the_first_errors_and_counts_the_rest(tmp_path, mess1, monkeypatch):
    monkeypatch.setattr(reader, "MAX_REPORTED", 2)
    text = WASTE_HEADER + "".join(f"2024-07-{day:02},mess9,Ground,lunch,2,\n" for day in range(1, 6))

    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported: 5 errors in the file"):
        call_command("import_waste", "-", stdin=io.StringIO(text), stderr=err)

    assert err.getvalue().splitlines() == ["line 2: unknown mess 'mess9'", "line 3: unknown mess 'mess9'", "... and 3 more"]


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


# Hostile bytes -----------------------------------------------------------------------------------

HOSTILE = {
    "import_waste": (
        WASTE_HEADER.encode(),
        [
            b"2024-07-01,mess1,Ground,lunch,2,100",
            b"2024-07-02,mess1,First,dinner,3.5,",
            b"2024-07-02,mess2,Third,Snacks,1000,0",
            b"2024-07-03,mess1,Ground,lunch,1e400,1",
            b'"2024-07-04",mess1,"Gro\nund",lunch,2,',
            b"2024-07-04,mess1,Ground,lunch,2,\x00",
        ],
    ),
    "import_feedback": (
        FEEDBACK_HEADER.encode(),
        [
            b"2024-07-01,mess1,lunch,alice,4,,",
            b"2024-07-01,mess1,Lunch,alice,2,\"=cmd|' /C calc'!A0\",hygiene",
            b"2024-07-02,mess2,dinner,alice,5,,",
            b"2024-07-03,mess1,dinner,olga,5,,",
        ],
    ),
    "import_students": (
        STUDENTS_HEADER.encode(),
        [
            b"s1,Asha Rao,asha@example.org,mess1",
            b"S1,Asha,asha@example.org,mess2",
            b"olga,Olga,olga@example.org,mess1",
            b"s\xc3\xa9,E,e@x.org,mess1",
        ],
    ),
}
NOISE = [b"\xff\xfe,\xc3", b'"', b",,,,,", b"\r\n", b"\x00"]


def everything() -> tuple[int, str]:
    rows = [
        waste_rows(),
        list(Feedback.objects.order_by("id").values_list("student_id", "date", "meal", "mess_id", "rating", "category", "comment")),
        list(User.objects.order_by("id").values_list("username", "first_name", "last_name", "email", "profile__mess_id", "groups__name")),
    ]
    return sum(len(r) for r in rows), hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.mark.parametrize("command", list(HOSTILE))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_it_survives_hostile_bytes_writing_all_or_nothing(mess1, mess2, student, official, command, data):
    header, pieces = HOSTILE[command]
    head = data.draw(st.one_of(st.just(header), st.binary(max_size=40)))
    rows = data.draw(st.lists(st.one_of(st.sampled_from(pieces + NOISE), st.binary(max_size=40)), max_size=8))
    before = everything()
    try:
        out = io.StringIO()
        call_command(command, "-", stdin=io.BytesIO(head + b"\n".join(rows)), stdout=out, stderr=io.StringIO())
    except CommandError as error:
        assert str(error).startswith("nothing imported")
        assert everything() == before
    else:
        new = int(out.getvalue().split("(")[1].split(" new")[0])
        assert everything()[0] == before[0] + new


def test_a_kilogram_figure_in_exponent_form_is_stored_in_cents(tmp_path, mess1):
    run("import_waste", WASTE_HEADER + "2024-07-01,mess1,Ground,lunch,1e2,\n", tmp_path)

    assert str(WasteRecord.objects.get().total_kg) == "100.00"


def test_a_comment_keeps_its_lines_written_by_a_spreadsheet(tmp_path, mess1, student):
    run("import_feedback", FEEDBACK_HEADER + '2024-07-01,mess1,lunch,alice,2,"Cold.\r\nAgain.",\r\n', tmp_path)

    assert Feedback.objects.get().comment == "Cold.\nAgain."


@pytest.mark.parametrize("value", ["=HYPERLINK(1)", "'=x", "''+1", "-5 stars", "@SUM(A1)", "\t=x", "plain", "'quoted", ""])
def test_a_cell_that_a_spreadsheet_would_run_goes_out_as_text_and_comes_back_unchanged(value):
    out = reader.cell_out(value)

    assert out[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert reader.cell_in(out) == value


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
