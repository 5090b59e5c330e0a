"""import_menu: weekly menus from CSV (mess,weekday,meal,week,veg,dishes), all or nothing, and the
menu export (the officials' menu.csv and export_menu) that it reads back unchanged."""

import io

import pytest
from django.core.management import CommandError, call_command

from mess.models import MAX_DISHES, MenuWeek, RegularMenu
from tests.test_imports import rejected, run

HEADER = "mess,weekday,meal,week,veg,dishes\n"


def stored() -> dict:
    return {
        (code, weekday, meal, week, is_veg): dishes
        for code, weekday, meal, week, is_veg, dishes in RegularMenu.objects.values_list(
            "mess__code", "weekday", "meal", "week", "is_veg", "dishes"
        )
    }


def test_it_imports_menus_reading_weekdays_weeks_and_veg_in_each_documented_way(tmp_path, mess1, mess2):
    text = HEADER + (
        "mess1,Monday,breakfast,every,yes,Poha; Jalebi ;Tea\n"
        "mess1,tue,LUNCH,1,true,Rajma;Rice\n"
        "mess1,2,lunch,2,false,Chicken curry\n"
        "mess1,SUNDAY,dinner,0,no,Egg curry\n"
        "mess2,6,snacks,every,Yes,Samosa;;Chai\n"
    )

    out, err = run("import_menu", text, tmp_path)

    assert out.strip() == "imported 5 menus (5 new, 0 updated, 0 unchanged)" and err == ""
    assert stored() == {
        ("mess1", 0, "breakfast", MenuWeek.EVERY, True): "Poha\nJalebi\nTea",
        ("mess1", 1, "lunch", MenuWeek.FIRST, True): "Rajma\nRice",
        ("mess1", 2, "lunch", MenuWeek.SECOND, False): "Chicken curry",
        ("mess1", 6, "dinner", MenuWeek.EVERY, False): "Egg curry",
        ("mess2", 6, "snacks", MenuWeek.EVERY, True): "Samosa\nChai",
    }


def test_a_row_replaces_its_slots_dishes_and_leaves_the_others(tmp_path, mess1):
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", dishes="Old dal\nOld rice")
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", is_veg=False, dishes="Fish")
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", week=MenuWeek.FIRST, dishes="Week one")

    out, _ = run("import_menu", HEADER + "mess1,monday,lunch,every,yes,New dal;New rice\nmess1,monday,lunch,every,no,Fish\n", tmp_path)

    assert out.strip() == "imported 2 menus (0 new, 1 updated, 1 unchanged)"
    assert stored() == {
        ("mess1", 0, "lunch", MenuWeek.EVERY, True): "New dal\nNew rice",
        ("mess1", 0, "lunch", MenuWeek.EVERY, False): "Fish",
        ("mess1", 0, "lunch", MenuWeek.FIRST, True): "Week one",
    }


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("mess9,monday,lunch,every,yes,Dal", "unknown mess 'mess9'"),
        ("mess1,someday,lunch,every,yes,Dal", "unknown weekday 'someday' (expected a name such as Monday, or 0 (Monday) to 6 (Sunday))"),
        ("mess1,7,lunch,every,yes,Dal", "unknown weekday '7'"),
        ("mess1,monday,brunch,every,yes,Dal", "unknown meal 'brunch'"),
        ("mess1,monday,lunch,3,yes,Dal", "unknown week '3' (expected every (or 0), 1 or 2)"),
        ("mess1,monday,lunch,every,maybe,Dal", "unknown veg 'maybe' (expected yes, no, true or false)"),
        ("mess1,monday,lunch,every,yes, ; ", "dishes is missing"),
        ("mess1,monday,lunch,every,yes," + ";".join(f"Dish {i}" for i in range(MAX_DISHES + 1)), f"31 dishes, more than {MAX_DISHES}"),
        ("mess1,monday,lunch,every,yes,Dal;" + "x" * 101, "is longer than 100 characters"),
        ('mess1,monday,lunch,every,yes,"Dal\nRice"', "hold a line break or a control character (dishes are separated by ;)"),
        (",monday,lunch,every,yes,Dal", "mess is missing"),
        ("mess1,,lunch,every,yes,Dal", "weekday is missing"),
    ],
)
def test_it_rejects_a_bad_row_with_its_line_and_writes_nothing(tmp_path, mess1, row, reason):
    text = HEADER + "mess1,monday,breakfast,every,yes,Poha\n" + row + "\n"
    errors = rejected("import_menu", text, tmp_path)
    assert len(errors) == 1 and errors[0].startswith("line 3: ") and reason in errors[0], errors
    assert not RegularMenu.objects.exists()


def test_it_lists_every_bad_row_and_a_repeated_slot(tmp_path, mess1):
    text = HEADER + "mess1,monday,lunch,every,yes,Dal\nmess1,0,lunch,0,true,Rice\nmess1,monday,lunch,1,yes,\nmess1,x,lunch,1,yes,Dal\n"
    errors = rejected("import_menu", text, tmp_path)
    assert [e.split(":")[0] for e in errors] == ["line 3", "line 4", "line 5"]
    assert "same mess, weekday, meal, week and veg as an earlier row" in errors[0]
    assert not RegularMenu.objects.exists()


def test_it_reads_standard_input(mess1):
    out = io.StringIO()
    call_command("import_menu", "-", stdin=io.StringIO(HEADER + "mess1,friday,dinner,every,yes,Paneer\n"), stdout=out)
    assert "1 new" in out.getvalue() and stored() == {("mess1", 4, "dinner", MenuWeek.EVERY, True): "Paneer"}


def test_the_officials_menu_csv_and_export_menu_go_out_and_back_in_unchanged(tmp_path, mess1, mess2, as_official):
    RegularMenu.objects.create(mess=mess1, weekday=6, meal="dinner", week=MenuWeek.SECOND, dishes="Dal makhani\nNaan")
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", dishes="=HYPERLINK(x)\n  Rice, plain  \n\nRoti")
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", is_veg=False, dishes="Chicken curry")
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="breakfast", week=MenuWeek.FIRST, dishes="Idli")
    RegularMenu.objects.create(mess=mess2, weekday=3, meal="snacks", dishes="Samosa")
    before = stored()

    response = as_official.get("/mess/mess1/menu.csv")
    csv_text = response.content.decode()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_text.splitlines() == [
        "mess,weekday,meal,week,veg,dishes",
        'mess1,monday,lunch,every,yes,"\'=HYPERLINK(x); Rice, plain; Roti"',  # a formula goes out as text
        "mess1,monday,lunch,every,no,Chicken curry",
        "mess1,monday,breakfast,1,yes,Idli",
        "mess1,sunday,dinner,2,yes,Dal makhani; Naan",
    ]

    out, _ = run("import_menu", csv_text, tmp_path)
    assert out.strip() == "imported 4 menus (0 new, 0 updated, 4 unchanged)"
    assert stored() == before

    exported = io.StringIO()
    call_command("export_menu", stdout=exported)
    RegularMenu.objects.all().delete()
    out, _ = run("import_menu", exported.getvalue(), tmp_path)
    assert out.strip() == "imported 5 menus (5 new, 0 updated, 0 unchanged)"
    normalised = {key: "\n".join(line.strip() for line in dishes.splitlines() if line.strip()) for key, dishes in before.items()}
    assert stored() == normalised
    again = io.StringIO()
    call_command("export_menu", stdout=again)
    assert again.getvalue() == exported.getvalue()

    only = io.StringIO()
    call_command("export_menu", "--mess", "mess2", stdout=only)
    assert only.getvalue().splitlines() == ["mess,weekday,meal,week,veg,dishes", "mess2,thursday,snacks,every,yes,Samosa"]
    with pytest.raises(CommandError, match="no mess 'nope'"):
        call_command("export_menu", "--mess", "nope", stdout=io.StringIO())
