"""What people type: newlines and tabs are text; every other control character is refused, and so is
every invisible format character but the joiners Indian scripts need, at every door text comes in by."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib import admin as django_admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from mess.alerts import alert_acknowledge
from mess.feedback import feedback_save
from mess.imports.feedback import feedback_import
from mess.imports.menus import menu_import
from mess.imports.reader import ImportRejected
from mess.imports.students import students_import
from mess.menu_editing import nonveg_items_save, temporary_menu_save
from mess.menu_rules import Item
from mess.models import Feedback, NonVegItem, RegularMenu
from mess.replies import feedback_reply
from mess.text import folded, plural, span_in_words, typed_text
from tests.factories import NOW, TODAY, alert, feedback

User = get_user_model()


def test_newlines_from_a_browser_become_plain_newlines_and_tabs_stay():
    assert typed_text("Cold idli.\r\nNo sambar.\tAgain.") == "Cold idli.\nNo sambar.\tAgain."


@pytest.mark.parametrize(
    ("text", "code"), [("a\rb", "U+000D"), ("\x1b[31mred", "U+001B"), ("nul\x00", "U+0000"), ("del\x7f", "U+007F"), ("c1\x85", "U+0085")]
)
def test_other_control_characters_are_refused_by_name(text, code):
    with pytest.raises(ValueError, match=re.escape(f"contains the control character {code}, which is not text")):
        typed_text(text)


def test_text_in_any_script_is_text():
    assert typed_text("खाना ठंडा था \u200d ok") == "खाना ठंडा था \u200d ok"


def test_plural():
    assert (plural(1, "menu"), plural(2, "menu"), plural(2, "mess", "messes")) == ("1 menu", "2 menus", "2 messes")


def test_a_duration_is_said_in_its_largest_whole_unit():
    assert (
        span_in_words(timedelta(days=3)),
        span_in_words(timedelta(hours=47)),
        span_in_words(timedelta(hours=1)),
        span_in_words(timedelta(seconds=30)),
    ) == (
        "3 days",
        "47 hours",
        "60 minutes",
        "1 minute",
    )


def test_folded_text_ignores_case_and_compatibility_forms():
    assert folded("ADA") == folded("Ada") == folded("ａｄａ") == "ada"


# Invisible format characters: refused like control characters, but the joiners Indian scripts need

RLO, ZWSP = "\u202e", "\u200b"  # a right-to-left override; a zero-width space
HINDI = "क्\u200dष और क्\u200cष"  # the half form of क, with the joiner and the non-joiner
MALAYALAM = "അവന്\u200d"  # a chillu, written with the joiner


@pytest.mark.parametrize(("char", "code"), [(RLO, "U+202E"), (ZWSP, "U+200B"), ("\u00ad", "U+00AD"), ("\ufeff", "U+FEFF")])
def test_format_characters_are_refused_like_control_characters(char, code):
    with pytest.raises(ValueError, match=re.escape(f"contains the control character {code}, which is not text")):
        typed_text(f"Tasty{char}dal")


def test_the_joiners_of_indian_scripts_and_emoji_are_text():
    for text in (HINDI, MALAYALAM, "👨\u200d🍳"):
        assert typed_text(text) == text


# Every door through which typed text comes in goes through typed_text


@pytest.fixture
def at_lunch():
    with time_machine.travel(NOW, tick=False):
        yield


def _comment(mess1, student, text):
    return feedback_save(student=student, meal="lunch", rating=2, category="food", comment=text).entry.comment


def _dish(mess1, student, text):
    menu, _ = temporary_menu_save(mess=mess1, date=TODAY, meal="lunch", dishes=f"Rice\n{text}", changed_by=None)
    return menu.dishes.split("\n")[1]


def _nonveg_item(mess1, student, text):
    nonveg_items_save(mess=mess1, date=TODAY, meal="lunch", items=[Item(text, Decimal("80"))], changed_by=None)
    return NonVegItem.objects.get().name


def _reply(mess1, student, text):
    entry = feedback(mess1, TODAY, "lunch", 1, "Stone in the dal", student=student)
    feedback_reply(mess=mess1, feedback_id=entry.pk, reply=text, replied_by=None)
    return Feedback.objects.get(pk=entry.pk).reply


def _alert_note(mess1, student, text):
    open_alert = alert(mess1, "Ground")
    return alert_acknowledge(mess=mess1, alert_id=open_alert.pk, note=text, by=None).acknowledgement


def _imported_dishes(mess1, student, text):
    menu_import(file=io.StringIO(f"mess,weekday,meal,week,veg,dishes\nmess1,monday,lunch,every,yes,Rice;{text}\n"))
    return RegularMenu.objects.get().dishes.split("\n")[1]


def _imported_comment(mess1, student, text):
    feedback_import(file=io.StringIO(f"date,mess,meal,student,rating,comment,category\n2026-03-09,mess1,lunch,alice,2,{text},\n"))
    return Feedback.objects.get().comment


def _imported_name(mess1, student, text):
    students_import(file=io.StringIO(f"username,name,email,mess\ns010,Asha {text},asha@example.org,mess1\n"))
    return User.objects.get(username="s010").last_name


def _admin_mess_name(mess1, student, text):
    mess1.name = text
    mess1.full_clean()  # what Django admin's form runs before it saves
    return mess1.name


def _admin_user_name(mess1, student, text):
    superuser = User.objects.create_superuser(username="root", password="pw-root-123")
    request = RequestFactory().get("/")
    request.user = superuser
    form = django_admin.site._registry[User].get_form(request, student)
    return form.base_fields["last_name"].clean(text)  # the field's own cleaning, as the admin's form runs it


DOORS = [
    _comment,
    _dish,
    _nonveg_item,
    _reply,
    _alert_note,
    _imported_dishes,
    _imported_comment,
    _imported_name,
    _admin_mess_name,
    _admin_user_name,
]


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.__name__.lstrip("_"))
@pytest.mark.parametrize(("char", "code"), [(RLO, "U+202E"), (ZWSP, "U+200B")])
def test_every_door_refuses_a_format_character_naming_it(at_lunch, mess1, student, door, char, code):
    with pytest.raises((ValueError, ValidationError, ImportRejected)) as refused:
        door(mess1, student, f"Dal{char}ecin")

    said = " ".join(refused.value.errors) if isinstance(refused.value, ImportRejected) else str(refused.value)
    assert f"control character {code}, which is not text" in said, said


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.__name__.lstrip("_"))
def test_every_door_takes_a_hindi_word_with_its_joiner(at_lunch, mess1, student, door):
    assert door(mess1, student, HINDI) == HINDI
