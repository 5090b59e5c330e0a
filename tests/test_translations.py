"""The Hindi translation stays whole: every catalogue (locale/, scheduling/locale/) has a Hindi
string for every message and no fuzzy one, its committed .mo says exactly what its .po says (a
fresh machine has no GNU gettext to compile it), each translation keeps its message's placeholders
(as `compilemessages` checks), and the pages, rendered in Hindi, have no English sentence left on
them (names, dishes and codes aside)."""

import datetime
import html as html_text
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import polib
import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import translation

from mess.cook_sheets import cook_sheets_send
from mess.demo import demo_seed
from mess.forecast import Forecast, explanation_in_words
from mess.missing_waste import waste_reminders_send
from mess.models import (
    Alert,
    Announcement,
    Closure,
    ComplaintTerm,
    ComplaintTheme,
    DishVote,
    Feedback,
    FeedbackCategory,
    Floor,
    Meal,
    MenuChange,
    Mess,
    MessChangeRequest,
    NonVegItem,
    Notification,
    RegularMenu,
    TemporaryMenu,
    WasteChange,
)
from mess.notifications import notifications_send
from mess.people import people_invite, profile_language_set
from mess.reports import daily_reports_send
from mess.text import span_in_words
from mess.triage import Terms, triage, why_in_words

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
    # still to come: /accounts/password/ (Django's password rules); /feedback/ is below, with the officials' pages
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


# The officials' and admins' pages, and the students' feedback page, with the demo data (60 days of
# everything: alerts, notifications, cook sheets, replies, closures, announcements). What people typed
# is data, taken out before the check: the messes and floors are renamed in Hindi (their English names
# are words of sentences too: "First"), the rest (dishes, comments, replies, notes, complaint terms) is
# taken out as typed, each whole value and each of its lines.
STAFF_PAGES = [
    ("admin", "/mess/mess1/"),
    ("official1", "/mess/mess1/"),
    ("official1", "/mess/mess1/waste/"),
    ("official1", "/mess/mess1/waste/history/"),
    ("official1", "/mess/mess1/menu/"),
    ("official1", "/mess/mess1/menu/day/"),
    ("official1", "/mess/mess1/menu/nonveg/"),
    ("official1", "/mess/mess1/menu/history/"),
    ("official1", "/mess/mess1/absences/"),
    ("official1", "/mess/mess1/closures/"),
    ("official1", "/mess/mess1/announcements/"),
    ("official1", "/mess/mess1/notifications/"),
    ("official1", "notification"),
    ("official1", "/mess/mess1/alerts/"),
    ("official1", "alert"),
    ("official1", "/mess/mess1/scorecard/"),
    ("official1", "/mess/mess1/reports/2026-12-06/"),
    ("official1", "/settings/"),
    ("admin", "/overview/"),
    ("admin", "/settings/"),
    ("student", "/feedback/"),
]
TYPED = [
    (Feedback, ["comment", "reply"]),
    (Announcement, ["title", "text"]),
    (Closure, ["reason"]),
    (RegularMenu, ["dishes"]),
    (TemporaryMenu, ["dishes"]),
    (NonVegItem, ["name"]),
    (DishVote, ["dish"]),
    (MenuChange, ["before", "after"]),
    (Alert, ["acknowledgement"]),
    (MessChangeRequest, ["reason"]),
    (ComplaintTheme, ["name"]),
    (ComplaintTerm, ["words"]),
]
HINDI_NAMES = {
    "Mess 1": "पहला मेस",
    "Mess 2": "दूसरा मेस",
    "Ground": "भूतल",
    "First": "पहली मंज़िल",
    "Second": "दूसरी मंज़िल",
    "Third": "तीसरी मंज़िल",
}


def typed_values() -> list[str]:
    """What people typed into the demo data, longest first (so that a whole value goes before its parts)."""
    found = set()
    for model, fields in TYPED:
        for row in model.objects.values_list(*fields):
            for value in filter(None, row):
                found |= {value, value.lower(), *(line.strip() for line in value.splitlines() if line.strip())}
    return sorted(found, key=len, reverse=True)


def names_in_hindi() -> None:
    for english, hindi in HINDI_NAMES.items():
        Mess.objects.filter(name=english).update(name=hindi)
        Floor.objects.filter(name=english).update(name=hindi)
        WasteChange.objects.filter(floor_name=english).update(floor_name=hindi)


# An English day, month or meal name, in a Hindi e-mail, would be words made outside its language.
ENGLISH_NAMES = re.compile(
    r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec|[Bb]reakfast|[Ll]unch|[Ss]nacks|[Dd]inner)\b"
)


def english_left_besides(html: str, typed: list[str]) -> list[str]:
    """The English sentences, and day, month and meal names, left on a page once `typed` is out."""
    html = html_text.unescape(html)
    for value in typed:
        html = html.replace(value, " ")
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>|<[^>]+>", " ", html)
    return english_left(visible_text(html)) + ENGLISH_NAMES.findall(text)


@time_machine.travel("2026-12-07 14:30 +05:30", tick=False)
def test_the_officials_and_students_pages_in_hindi_have_no_english_sentence_left(db, client):
    demo_seed()
    yesterday = datetime.date(2026, 12, 6)
    for meal in Meal.values:
        notifications_send(meal=meal, date=yesterday)
    daily_reports_send(date=yesterday)
    names_in_hindi()
    typed = typed_values()
    specific = {
        "notification": f"/mess/mess1/notifications/{Notification.objects.filter(mess__code='mess1').latest('date').pk}/",
        "alert": f"/mess/mess1/alerts/{Alert.objects.filter(mess__code='mess1').first().pk}/acknowledge/",
    }
    left = {}
    for username, url in STAFF_PAGES:
        user = get_user_model().objects.get(username=username)
        profile_language_set(user=user, language="hi")
        client.force_login(user)
        response = client.get(specific.get(url, url))
        assert response.status_code == 200, url
        assert '<html lang="hi">' in response.content.decode()
        if found := english_left_besides(response.content.decode(), typed):
            left[username, url] = found
    assert left == {}


def test_the_jobs_e_mails_to_people_who_read_hindi_have_no_english_sentence_or_date_left(db):
    with time_machine.travel("2026-12-07 14:30 +05:30", tick=False):
        demo_seed()
    for user in get_user_model().objects.all():
        profile_language_set(user=user, language="hi")
    Mess.objects.update(kitchen_email="")  # a kitchen's address has no language: English
    names_in_hindi()
    day = datetime.date(2026, 12, 7)
    with time_machine.travel("2026-12-08 07:00 +05:30", tick=False):
        for meal in Meal.values:
            notifications_send(meal=meal, date=day)
        daily_reports_send(date=day)
        waste_reminders_send(meal="dinner", date=day)
    with time_machine.travel("2026-12-08 16:30 +05:30", tick=False):
        cook_sheets_send(meal="dinner")
    typed = typed_values()

    kinds = {re.sub(r"\d+", "", m.subject)[:24] for m in mail.outbox}
    assert len(mail.outbox) >= 7 and len(kinds) >= 4, [m.subject for m in mail.outbox]
    left = {}
    for message in mail.outbox:
        text, html = message.subject + "\n" + message.body, message.alternatives[0][0]
        for value in typed:
            text, html = text.replace(value, " "), html_text.unescape(html).replace(value, " ")
        found = english_left(visible_text(text)) + english_left(visible_text(html)) + ENGLISH_NAMES.findall(text + html)
        if found:
            left[message.subject] = found
    assert left == {}


def test_the_words_manageit_stores_with_a_row_are_shown_in_the_readers_language():
    terms = Terms.of([("hair", "foreign", "Foreign object")])
    why = triage(rating=1, category=FeedbackCategory.HYGIENE, comment="a hair in the dal", terms=terms).why
    learned = Forecast(1, datetime.date(2026, 12, 8), "lunch", 100, 10, 72, Decimal("0.8"), "recent Tuesday lunches").explanation
    learned_any_day = Forecast(1, datetime.date(2026, 12, 8), "dinner", 100, 10, 72, Decimal("0.8"), "recent dinners").explanation
    no_history = Forecast(1, datetime.date(2026, 12, 8), "lunch", 100, 10, 90, None, "").explanation

    with translation.override("hi"):
        assert why_in_words(why) == "टिप्पणी के साथ 1 की रेटिंग; साफ़-सफ़ाई की शिकायत; foreign object: hair"  # the theme as typed
        assert explanation_in_words(learned) == "अनुमान 72: 90 खाने वाले × 80 %, जितने हाल के मंगलवार के दोपहर के खानों में आए"
        assert explanation_in_words(learned_any_day) == "अनुमान 72: 90 खाने वाले × 80 %, जितने हाल के रात के खानों में आए"
        assert explanation_in_words(no_history) == "अनुमान 90: खाने वाले सभी 90 (सीखने के लिए अभी कोई गिनती दर्ज नहीं)"
        assert explanation_in_words("something else") == "something else"
        assert span_in_words(datetime.timedelta(hours=3)) == "3 घंटे" and span_in_words(datetime.timedelta(days=3)) == "3 दिन"
    with translation.override("en"):
        assert why_in_words(why) == why == "a rating of 1 with a comment; a hygiene complaint; foreign object: hair"
        assert [explanation_in_words(e) for e in (learned, learned_any_day, no_history)] == [learned, learned_any_day, no_history]


def test_an_invitation_in_hindi_says_how_long_its_link_works_in_hindi(student):
    profile_language_set(user=student, language="hi")
    people_invite(users=[student])
    assert "3 दिन" in mail.outbox[0].body and "3 days" not in mail.outbox[0].body


def test_the_check_finds_an_english_sentence():
    assert english_left(visible_text("<p>आपकी राय</p><p>Your feedback was not saved</p>")) == ["Your feedback was not saved"]
    assert english_left(visible_text('<p title="Send it to the kitchen">भेजें</p>')) == ["Send it to the kitchen"]
    assert english_left(visible_text("<p>Mess 1: आज का मेन्यू, Dal Makhani Rice</p>")) == []
