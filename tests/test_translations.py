"""The Hindi translation stays whole: every catalogue (locale/, scheduling/locale/) has a Hindi
string for every message and no fuzzy one, its committed .mo says exactly what its .po says (a
fresh machine has no GNU gettext to compile it), each translation keeps its message's placeholders
(as `compilemessages` checks), and the pages, rendered in Hindi, have no English sentence left on
them (names, dishes and codes aside)."""

import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
import time_machine
from django.conf import settings

from mess.models import Meal, RegularMenu
from mess.people import profile_language_set

ROOT = Path(settings.BASE_DIR)
CATALOGUES = sorted([*ROOT.glob("locale/*/LC_MESSAGES/*.po"), *ROOT.glob("scheduling/locale/*/LC_MESSAGES/*.po")])
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\w*\}")


def catalogue_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_there_is_a_hindi_catalogue_for_manageit_and_for_scheduling():
    assert (ROOT / "locale/hi/LC_MESSAGES/django.po") in CATALOGUES
    if (ROOT / "scheduling/locale").exists():
        assert (ROOT / "scheduling/locale/hi/LC_MESSAGES/django.po") in CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=catalogue_id)
def test_every_message_has_a_translation_and_none_is_fuzzy(path):
    po = polib.pofile(str(path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} without a translation: {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy[:5]}"
    assert not po.metadata_is_fuzzy


def entries(catalogue) -> dict:
    """(context, message, plural) -> translation(s), of the entries a program reads."""
    found = {}
    for e in catalogue:
        if e.obsolete or "fuzzy" in e.flags or not e.msgid:
            continue
        value = tuple(e.msgstr_plural[k] for k in sorted(e.msgstr_plural)) if e.msgid_plural else e.msgstr
        if any(value) if e.msgid_plural else value:  # an untranslated message is not compiled
            found[e.msgctxt, e.msgid, e.msgid_plural or None] = value
    return found


@pytest.mark.parametrize("path", CATALOGUES, ids=catalogue_id)
def test_the_committed_mo_says_what_the_po_says(path):
    mo_path = path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is not compiled: run manage.py compilemessages"
    assert entries(polib.mofile(str(mo_path))) == entries(polib.pofile(str(path))), "run manage.py compilemessages"


@pytest.mark.parametrize("path", CATALOGUES, ids=catalogue_id)
def test_each_translation_keeps_its_messages_placeholders_so_that_it_compiles(path):
    po = polib.pofile(str(path))
    wrong = []
    for e in po.translated_entries():
        wanted = sorted(PLACEHOLDER.findall(e.msgid_plural or e.msgid))
        for text in e.msgstr_plural.values() if e.msgid_plural else [e.msgstr]:
            if sorted(PLACEHOLDER.findall(text)) != wanted and not (e.msgid_plural and text == ""):
                wrong.append((e.msgid, text))
    assert not wrong, wrong[:5]
    if shutil.which("msgfmt"):  # GNU gettext, where there is one, checks the rest as compilemessages would
        subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(path)], check=True, capture_output=True)


# The pages, in Hindi: no run of three or more English words, two of them common ones, is left on
# them once the fixture's names, dishes and codes are taken out. Add a page here once it is translated.
COMMON = set(
    """a about after all an and any are as at be before by can change day days do each every for from
    go has have here how if in is it its meal meals menu more no not of on one only or page password
    please see send set so that the their there this to today try until was week what when which who
    will with you your""".split()
)
FIXTURE_WORDS = ("ManageIt", "Mess 1", "Mess 2", "mess1", "mess2", "alice", "Dal", "dish", "Breakfast", "Lunch", "Snacks", "Dinner")
STUDENT_PAGES = [
    ("anonymous", "/accounts/login/"),
    ("anonymous", "/accounts/password/reset/"),
    ("anonymous", "/accounts/password/reset/done/"),
    ("anonymous", "/accounts/reset/x/y/"),
    ("anonymous", "/nothing-here/"),
    ("student", "/mess-change/"),
    ("anonymous", "/menu/mess1/"),
    # still to come: /feedback/ (its forms' labels) and /accounts/password/ (Django's password rules)
    ("student", "/accounts/password/done/"),
    ("student", "/settings/telegram/"),  # without a bot; tests/test_telegram_views.py reads it with one
]


def visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    attributes = " ".join(re.findall(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"', html))
    text = re.sub(r"<[^>]+>", " ", html) + " " + attributes
    for word in FIXTURE_WORDS:
        text = text.replace(word, " ")
    return text


def english_left(text: str) -> list[str]:
    runs = []
    for run in re.findall(r"[A-Za-z][A-Za-z'’-]*(?:[ \t\n,.:;]+[A-Za-z][A-Za-z'’-]*){2,}", text):
        words = re.findall(r"[A-Za-z'’-]+", run)
        if sum(w.lower() in COMMON for w in words) >= 2:
            runs.append(" ".join(words))
    return runs


@pytest.mark.parametrize(("role", "url"), STUDENT_PAGES)
@time_machine.travel("2026-03-09 08:30 +05:30", tick=False)
def test_each_page_in_hindi_has_no_english_sentence_left(client, student, mess1, role, url):
    for weekday in range(7):
        for meal in Meal.values:
            RegularMenu.objects.create(mess=mess1, weekday=weekday, meal=meal, dishes=f"Dal\n{meal.title()} dish")
    if role == "student":
        profile_language_set(user=student, language="hi")
        client.force_login(student)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="hi")

    assert response.status_code in (200, 404)
    html = response.content.decode()
    assert '<html lang="hi">' in html
    assert english_left(visible_text(html)) == []


def test_the_check_finds_an_english_sentence():
    assert english_left(visible_text("<p>आपकी राय</p><p>Your feedback was not saved</p>")) == ["Your feedback was not saved"]
    assert english_left(visible_text('<p title="Send it to the kitchen">भेजें</p>')) == ["Send it to the kitchen"]
    assert english_left(visible_text("<p>Mess 1: आज का मेन्यू, Dal Makhani Rice</p>")) == []
