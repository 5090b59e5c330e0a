"""import_menu: weekly menus from CSV (mess,weekday,meal,week,veg,dishes), all or nothing, and the
menu export (the officials' menu.csv and export_menu) that it reads back unchanged."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mess.imports.menus import menu_import
from mess.menu_editing import Slot, regular_menus_save
from mess.models import MAX_DISHES, Meal, MenuChange, MenuWeek, RegularMenu, Weekday
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
    assert not RegularMenu.objects.exists() and not MenuChange.objects.exists()


# The menu history


def history() -> list[tuple]:
    return list(
        MenuChange.objects.order_by("mess__code", "weekday", "meal", "week").values_list(
            "mess__code", "kind", "meal", "date", "weekday", "week", "before", "after", "changed_by"
        )
    )


def test_each_slot_an_import_changes_is_kept_in_the_history_by_no_one_from_the_command_line(tmp_path, mess1, mess2):
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="lunch", dishes="Old dal\nOld rice")
    RegularMenu.objects.create(mess=mess1, weekday=0, meal="dinner", dishes="Same\nAs before")
    text = HEADER + (
        "mess1,monday,lunch,every,yes,New dal;New rice\n"  # changed
        "mess1,monday,dinner,every,yes,Same; As  before\n"  # the same dishes, written another way
        "mess2,sunday,snacks,1,yes,Samosa\n"  # new
    )

    out, _ = run("import_menu", text, tmp_path)

    assert out.strip() == "imported 3 menus (1 new, 1 updated, 1 unchanged)"
    assert history() == [
        ("mess1", "regular", "lunch", None, 0, MenuWeek.EVERY, "Old dal\nOld rice", "New dal\nNew rice", None),
        ("mess2", "regular", "snacks", None, 6, MenuWeek.FIRST, "", "Samosa", None),
    ]
    run("import_menu", text, tmp_path)
    assert len(history()) == 2  # the same file again changes nothing


def test_an_import_by_a_known_user_is_kept_as_theirs(mess1, admin):
    result = menu_import(file=io.BytesIO((HEADER + "mess1,friday,dinner,every,yes,Paneer\n").encode()), changed_by=admin)
    assert result.new == 1
    assert history() == [("mess1", "regular", "dinner", None, 4, MenuWeek.EVERY, "", "Paneer", admin.pk)]


def test_an_import_costs_the_same_queries_for_one_changed_slot_and_for_many(mess1):
    def queries(text: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            menu_import(file=io.BytesIO((HEADER + text).encode()))
        return len(captured)

    one = queries("mess1,monday,lunch,every,yes,Dal\n")
    every = queries(
        "".join(
            f"mess1,{day},{meal},{week},yes,Dish {day} {meal} {week}\n"
            for day in Weekday.values
            for meal in Meal.values
            for week in ("every", "1", "2")
        )
    )
    # 84 slots, the vegetarian menus of every week: beyond some 99 rows SQLite's limit on a query's
    # parameters makes Django split an insert in two, as it splits the upsert of the menus.
    assert MenuChange.objects.count() == 1 + 7 * 4 * 3
    assert one == every, (one, every)
    print("queries per menu import, one slot or 84:", one)


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
    assert not MenuChange.objects.exists()  # nothing changed, nothing kept

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


def test_a_semicolon_cannot_enter_a_dish_so_the_menu_file_goes_out_and_back_in_unchanged(tmp_path, mess1, official, as_official):
    with pytest.raises(ValueError, match="separates dishes in menu files"):
        regular_menus_save(mess=mess1, week=MenuWeek.EVERY, menus={Slot(0, "lunch"): "Dal; Rice"}, changed_by=official)
    assert not RegularMenu.objects.exists()

    regular_menus_save(mess=mess1, week=MenuWeek.EVERY, menus={Slot(0, "lunch"): "Dal\nRice, jeera"}, changed_by=official)
    csv_text = as_official.get("/mess/mess1/menu.csv").content.decode()
    assert csv_text.splitlines()[1] == 'mess1,monday,lunch,every,yes,"Dal; Rice, jeera"'

    out, _ = run("import_menu", csv_text, tmp_path)
    assert out.strip() == "imported 1 menus (0 new, 0 updated, 1 unchanged)"
    assert stored() == {("mess1", 0, "lunch", MenuWeek.EVERY, True): "Dal\nRice, jeera"}
    assert MenuChange.objects.count() == 1  # the official's change, and nothing from the import
