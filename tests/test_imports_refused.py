"""The imports refuse a bad file whole: every kind of bad row, each with its line, a bad header, bytes that
are not text, and hostile bytes, writing nothing."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mess.imports import reader
from mess.models import Feedback, WasteRecord
from tests.imports_rows import (
    FEEDBACK_HEADER,
    GOOD_FEEDBACK,
    GOOD_STUDENT,
    GOOD_WASTE,
    STUDENTS_HEADER,
    WASTE_HEADER,
    User,
    rejected,
    run,
    waste_rows,
)

# Bad rows ----------------------------------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("command", "header", "row", "reasons"),
    [
        (
            "import_waste",
            WASTE_HEADER,
            "01/07/2024,mess1,Ground,brunch,-2,many",
            ["date '01/07/2024' is not a date", "meal 'brunch'", "total_kg", "diners"],
        ),
        (
            "import_feedback",
            FEEDBACK_HEADER,
            "2999-01-01,mess9,lunch,alice,9,,",
            ["date 2999-01-01 is in the future", "unknown mess 'mess9'", "rating '9'"],
        ),
        (
            "import_students",
            STUDENTS_HEADER,
            "bad name!,,not-an-email,mess9",
            ["username 'bad name!'", "name is missing", "email", "mess9"],
        ),
        (
            "import_menu",
            "mess,weekday,meal,week,veg,dishes\n",
            "mess9,Funday,brunch,3,maybe,Dal",
            ["mess9", "weekday 'Funday'", "meal 'brunch'", "week '3'", "veg 'maybe'"],
        ),
        (
            "import_absences",
            "student,first_day,last_day,meal\n",
            "nobody,2026-13-01,2026-01-01,brunch",
            ["unknown student 'nobody'", "first_day", "meal 'brunch'"],
        ),
    ],
)
def test_a_row_says_all_that_is_wrong_with_it_not_only_the_first(tmp_path, mess1, student, command, header, row, reasons):
    before = stored()
    [line] = rejected(command, header + row + "\n", tmp_path)
    assert line.startswith("line 2: ")
    problems = line.removeprefix("line 2: ").split("; ")
    assert len(problems) == len(reasons), problems
    for problem, reason in zip(problems, reasons, strict=True):
        assert reason in problem
    assert stored() == before
