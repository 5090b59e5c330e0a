"""Which feedback is critical: the rule on ratings and hygiene, and what the text names, matched as
whole words with plurals, misspellings, Hindi in Latin letters and plain negation; the verdict stored
when an entry is saved, again when the terms change before it is notified, and never re-sent."""

import csv
import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from mess.models import ComplaintTerm, ComplaintTheme, Feedback
from mess.notifications import notifications_send
from mess.triage import critical_digest, feedback_retriage, matches, terms_load, theme_names, triage
from tests.factories import IST, feedback
from tests.helpers import ROOT

TODAY = datetime.date(2026, 3, 10)
DATA = ROOT / "tests" / "data"


@pytest.fixture
def terms(db):
    return terms_load()


def verdict(comment, terms, rating=4, category="food"):
    return triage(rating=rating, category=category, comment=comment, terms=terms)


def test_the_rule_on_ratings_and_hygiene_still_holds(terms):
    assert verdict("bit salty", terms, rating=2).why == "a rating of 2 with a comment"
    assert not verdict("", terms, rating=1).critical  # a low rating that says nothing
    assert verdict("", terms, category="hygiene").why == "a hygiene complaint"
    assert not verdict("bit salty", terms, rating=3).critical


def test_what_the_text_names_is_critical_whatever_the_rating(terms):
    found = verdict("Found a cockroach in the dal", terms, rating=3)

    assert (found.critical, found.themes, found.why) == (True, ["foreign_object"], "foreign object: cockroach")


@pytest.mark.parametrize(
    ("comment", "themes"),
    [
        ("two insects in the sabzi", {"foreign_object": ["insects"]}),
        ("flies everywhere near the counter", {"foreign_object": ["flies"]}),
        ("saw cockroches in the kitchen", {"foreign_object": ["cockroches"]}),
        ("roti mein baal tha", {"foreign_object": ["baal"]}),
        ("dal mein keeda", {"foreign_object": ["keeda"]}),
        ("got food poisoning after dinner", {"illness": ["food poisoning"]}),
        ("stomach pain and vomitting all night", {"illness": ["stomach pain", "vomitting"]}),
        ("chicken was kachcha and the curd stale", {"spoiled": ["kachcha", "stale"]}),
        ("the raw chicken smelled", {"spoiled": ["raw chicken"]}),
        ("plates were not clean", {"dirty": ["not clean"]}),
        ("bread was not fresh", {"spoiled": ["not fresh"]}),
        ("found a hair. glasses dirty too", {"foreign_object": ["hair"], "dirty": ["dirty"]}),
        ("no rice left, but there was a hair in the dal", {"foreign_object": ["hair"]}),
        ("Never seen such dirty plates", {"dirty": ["dirty"]}),  # "never" denies only what follows it closely
        ("the water cooler is never cleaned", {"dirty": ["never cleaned"]}),
    ],
)
def test_terms_are_found_as_whole_words_with_plurals_misspellings_and_hindi(terms, comment, themes):
    assert matches(comment, terms) == themes


@pytest.mark.parametrize(
    "comment",
    [
        "The cook's new hairstyle is great",
        "stone-ground atta rotis were lovely",
        "No insects today, thank you",
        "didn't find any hair this time",
        "curd was not stale at all",
        "baal nahi tha aaj",
        "fresh and clean, well done",
        "nothing stale this week!",
        "nothing stale or rotten today",
        "not a single cockroach this month",
        "na ulti na pet dard, khana theek tha",
        "keede? nahi. roti? soft.",
        "Roti was hard like a stone",
        "idlis hard as pebbles",
        "roti stone jaisi thi",
    ],
)
def test_praise_and_plain_negation_are_not_complaints(terms, comment):
    assert matches(comment, terms) == {}
    assert not verdict(comment, terms).critical


def test_the_verdict_is_stored_when_a_student_saves_feedback(as_student):
    with time_machine.travel(datetime.datetime(2026, 3, 10, 13, 0, tzinfo=IST), tick=False):
        as_student.post(
            reverse("mess:feedback"), {"meal": "lunch", "rating": "4", "category": "food", "comment": "Nice, but a stone in the rice"}
        )

    entry = Feedback.objects.get()
    assert (entry.is_critical, entry.critical_why, entry.critical_themes) == (True, "foreign object: stone", ["foreign_object"])


@time_machine.travel(datetime.datetime(2026, 3, 10, 14, 0, tzinfo=IST), tick=False)
def test_a_new_term_applies_to_entries_not_yet_notified_and_never_re_sends(mess1, official):
    notified = feedback(mess1, TODAY, "breakfast", 4, "Upma had a gecko in it")
    waiting = feedback(mess1, TODAY, "lunch", 4, "A gecko fell in the dal")
    Feedback.objects.filter(pk=notified.pk).update(notified_at=datetime.datetime(2026, 3, 10, 9, 0, tzinfo=IST))
    assert not waiting.is_critical

    ComplaintTerm.objects.create(theme=ComplaintTheme.objects.get(code="foreign_object"), words="gecko")
    assert feedback_retriage() == 1

    waiting.refresh_from_db()
    notified.refresh_from_db()
    assert (waiting.is_critical, waiting.critical_why) == (True, "foreign object: gecko")
    assert (notified.is_critical, notified.critical_why) == (False, "")  # its moment has passed
    notifications_send(meal="lunch")
    assert len(mail.outbox) == 1 and "A gecko fell in the dal" in mail.outbox[0].body and "Upma" not in mail.outbox[0].body


def test_an_admin_adding_a_term_retriages_at_once(as_admin, mess1):
    with time_machine.travel(datetime.datetime(2026, 3, 10, 14, 0, tzinfo=IST), tick=False):
        entry = feedback(mess1, TODAY, "lunch", 5, "a gecko on the wall")
        theme = ComplaintTheme.objects.get(code="foreign_object")
        response = as_admin.post(reverse("admin:mess_complaintterm_add"), {"theme": theme.pk, "words": "gecko"}, follow=True)

    entry.refresh_from_db()
    assert entry.is_critical
    assert "changed the verdict of 1 entry not notified yet" in response.text


def test_the_digest_counts_each_theme_and_shows_its_newest_example(mess1, db):
    entries = [
        feedback(mess1, TODAY, "lunch", 4, "a cockroach again"),
        feedback(mess1, TODAY, "lunch", 4, "hair in rice and a cockroach"),
        feedback(mess1, TODAY, "lunch", 1, "cold"),
        feedback(mess1, TODAY, "lunch", 4, "stale curd"),
    ][::-1]  # newest first

    digest = critical_digest(entries=entries, theme_names=theme_names())

    assert [(t["theme"], t["count"], t["example"]) for t in digest["themes"]] == [
        ("Foreign object", 2, "hair in rice and a cockroach"),
        ("Spoiled food", 1, "stale curd"),
    ]
    assert digest["rest"] == [
        {"text": "cold", "why": "a rating of 1 with a comment"},
        {"text": "a cockroach again", "why": "foreign object: cockroach"},
    ]


# How well the starter terms find what a careful official would call critical


def precision_and_recall(path: str, terms) -> tuple[float, float, int]:
    with open(DATA / path, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    found = [(bool(matches(row["comment"], terms)), row["critical"] == "1") for row in rows]
    hits = sum(1 for got, wanted in found if got and wanted)
    return hits / sum(got for got, _ in found), hits / sum(wanted for _, wanted in found), len(rows)


def test_the_starter_terms_find_the_labelled_complaints(terms, capsys):
    """The labelled comments of tests/data (docs/triage.md says how they were made and used): the
    first set is the one the starter list was built against, and meets the targets (recall 0.95,
    precision 0.9); the second was written apart, and meets the recall target."""
    first = precision_and_recall("triage-comments.csv", terms)
    second = precision_and_recall("triage-comments-heldout.csv", terms)
    with capsys.disabled():
        print(f"\ntriage: {first[2]} comments: precision {first[0]:.3f}, recall {first[1]:.3f}; ", end="")
        print(f"{second[2]} more: precision {second[0]:.3f}, recall {second[1]:.3f}")

    assert first[1] >= 0.95 and first[0] >= 0.9, first
    assert second[1] >= 0.95 and second[0] >= 0.85, second
