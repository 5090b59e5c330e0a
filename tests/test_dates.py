"""Dates in one style (manageit/formats/<language>/formats.py): the day, the day whose year goes
without saying, the time and the moment, in English and in Hindi words; every page, e-mail and
message uses only these named styles, and files keep ISO dates."""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format, time_format

from mess.demo import demo_seed
from mess.people import profile_language_set
from mess.reports import daily_reports_send
from tests.test_translations import visible_text

ROOT = Path(settings.BASE_DIR)
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
MOMENT = datetime.datetime(2026, 12, 7, 13, 30, tzinfo=IST)

STYLES = {
    "en": {
        "DATE_FORMAT": "Mon 7 Dec 2026",
        "SHORT_DATE_FORMAT": "Mon 7 Dec",
        "TIME_FORMAT": "13:30",
        "DATETIME_FORMAT": "Mon 7 Dec 2026, 13:30",
        "SHORT_DATETIME_FORMAT": "Mon 7 Dec, 13:30",
    },
    "hi": {
        "DATE_FORMAT": "सोम 7 दिसंबर 2026",
        "SHORT_DATE_FORMAT": "सोम 7 दिसंबर",
        "TIME_FORMAT": "13:30",
        "DATETIME_FORMAT": "सोम 7 दिसंबर 2026, 13:30",
        "SHORT_DATETIME_FORMAT": "सोम 7 दिसंबर, 13:30",
    },
}
NAMED = set(STYLES["en"])


@pytest.mark.parametrize("language", STYLES)
def test_each_named_style_reads_the_same_in_templates_and_in_python(language, settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    with translation.override(language):
        for name, shown in STYLES[language].items():
            assert Template(f'{{{{ moment|date:"{name}" }}}}').render(Context({"moment": MOMENT})) == shown, name
        assert Template("{{ moment|date }} {{ moment|time }}").render(Context({"moment": MOMENT})) == (
            f"{STYLES[language]['DATE_FORMAT']} 13:30"
        )
        assert date_format(MOMENT.date(), "SHORT_DATE_FORMAT") == STYLES[language]["SHORT_DATE_FORMAT"]
        assert time_format(MOMENT.time()) == "13:30"


def test_every_month_and_weekday_has_its_hindi_name():
    with translation.override("hi"):
        days = [datetime.date(2026, month, 1) for month in range(1, 13)] + [datetime.date(2026, 12, d) for d in range(7, 14)]
        shown = " ".join(date_format(day, "DATE_FORMAT") for day in days)
    assert not re.search(r"[A-Za-z]", shown), shown
    assert "जनवरी" in shown and "दिसंबर" in shown and "रवि" in shown


# A template formats a date with a named style, or with "Y-m-d" for what a machine reads (a URL, an
# element's id, a form's value); a literal format of its own would be a sixth style.
DATE_FILTER = re.compile(r"""\|(date|time):(["'])(.*?)\2""")


def test_templates_use_only_the_named_styles():
    stray = []
    for path in sorted((ROOT / "templates").rglob("*.*")):
        for line_no, line in enumerate(path.read_text().splitlines(), 1):
            for kind, _, fmt in DATE_FILTER.findall(line):
                if not (fmt in NAMED or (kind == "date" and fmt == "Y-m-d")):
                    stray.append(f"{path.relative_to(ROOT)}:{line_no}: |{kind}:{fmt!r}")
    assert stray == []


# Python-built messages format dates with django.utils.formats and a named style: strftime's names
# (%a, %b...) are English whatever the reader's language, and django.utils.dateformat ignores the
# language's formats.
PYTHON_STYLES = re.compile(r"%[aAbB]\b|%d %b|django\.utils\.dateformat|\.strftime\(")


def test_python_messages_use_only_the_named_styles():
    stray = []
    for path in sorted((ROOT / "mess").rglob("*.py")):
        if "migrations" in path.parts or "demo" in path.parts:
            continue
        for line_no, line in enumerate(path.read_text().splitlines(), 1):
            if PYTHON_STYLES.search(line):
                stray.append(f"{path.relative_to(ROOT)}:{line_no}: {line.strip()}")
    assert stray == []


def test_the_checks_find_a_stray_style():
    assert DATE_FILTER.findall('{{ day|date:"l j F Y" }}') == [("date", '"', "l j F Y")]
    assert PYTHON_STYLES.search('f"{day:%a %d %b}"')


# The pages, with the demo data (60 days of everything), in each language: no date in another style
# (a zero-padded day, a full English weekday or month, a.m./p.m., an ISO date in the text), and, in
# Hindi, no English day or month name.
OFFICIAL_PAGES = [
    "/mess/mess1/",
    "/mess/mess1/waste/",
    "/mess/mess1/waste/history/",
    "/mess/mess1/menu/",
    "/mess/mess1/menu/day/",
    "/mess/mess1/menu/nonveg/",
    "/mess/mess1/menu/history/",
    "/mess/mess1/absences/",
    "/mess/mess1/closures/",
    "/mess/mess1/announcements/",
    "/mess/mess1/notifications/",
    "/mess/mess1/alerts/",
    "/mess/mess1/scorecard/",
    "/mess/mess1/reports/2026-12-06/",
    "/overview/",
]
STUDENT_PAGES = ["/feedback/", "/mess-change/", "/menu/mess1/"]
WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
MONTHS = "January|February|March|April|June|July|August|September|October|November|December"
OTHER_STYLES = re.compile(
    rf"\b0\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b|\b({WEEKDAYS})\b \d|\b({MONTHS})\b|\b[ap]\.m\.|\b20\d\d-\d\d-\d\d\b"
)
ENGLISH_NAMES = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")


def pages_text(client, language: str) -> dict[str, str]:
    users = get_user_model().objects
    texts = {}
    for username, urls in (("admin", OFFICIAL_PAGES), ("student", STUDENT_PAGES)):
        user = users.get(username=username)
        profile_language_set(user=user, language=language)
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            texts[url] = visible_text(response.content.decode())
    return texts


@pytest.mark.parametrize("language", STYLES)
@time_machine.travel("2026-12-07 13:30 +05:30", tick=False)
def test_the_pages_show_dates_only_in_the_languages_style(db, client, language):
    demo_seed()
    daily_reports_send(date=MOMENT.date() - datetime.timedelta(days=1))

    texts = pages_text(client, language)

    with translation.override(language):
        today, short = date_format(MOMENT.date(), "DATE_FORMAT"), date_format(MOMENT.date(), "SHORT_DATE_FORMAT")
    assert today == STYLES[language]["DATE_FORMAT"]
    assert today in texts["/mess/mess1/"] and today in texts["/feedback/"] and today in texts["/overview/"]
    assert short in texts["/mess/mess1/absences/"]
    others = {url: OTHER_STYLES.findall(text) for url, text in texts.items() if OTHER_STYLES.search(text)}
    assert others == {}
    if language == "hi":
        english = {url: sorted(set(ENGLISH_NAMES.findall(text))) for url, text in texts.items() if ENGLISH_NAMES.search(text)}
        assert english == {}


@pytest.mark.parametrize("language", STYLES)
def test_the_daily_reports_e_mail_says_its_day_in_the_recipients_style(mess1, official, language):
    profile_language_set(user=official, language=language)
    with time_machine.travel(datetime.datetime(2026, 12, 8, 7, tzinfo=IST), tick=False):
        daily_reports_send(date=MOMENT.date())

    (message,) = mail.outbox
    assert f"{STYLES[language]['DATE_FORMAT']}:" in message.subject
    assert STYLES[language]["DATE_FORMAT"] in message.body
    assert not OTHER_STYLES.search(message.subject + message.body)
