"""Which feedback the officials must hear of at once. A comment is critical when it has a rating of 2
or less with a comment, or is a hygiene complaint, or its text names a food-safety problem whatever its
rating and category: a term of a complaint theme (mess.models.ComplaintTheme, ComplaintTerm, edited in
Django admin), matched as whole words, plurals included, unless plainly negated ("no insects today",
"baal nahi tha"). A term may hold its own negation ("not clean").

The verdict is stored with each entry when it is saved (`feedback_verdict`), and again for the entries
not yet notified when the terms change (`feedback_retriage`): an e-mail already sent is never sent again.
"""

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from mess.meals import MAKE_UP_DAYS
from mess.models import ComplaintTerm, ComplaintTheme, Feedback, FeedbackCategory

# Feedback the officials must hear about at once, as `triage` judged it when it was saved (or the
# terms changed before it was notified).
CRITICAL_FEEDBACK = Q(is_critical=True)

# Words that deny what follows them ("no insects", "didn't find any hair", "na ulti")...
NEGATORS = frozenset(
    "no not never without none nothing nobody nor neither zero didnt didn't dont don't doesnt doesn't isnt isn't wasnt wasn't "
    "werent weren't aint ain't hardly bina na".split()
)
# ...across at most these words ("not a single cockroach", "didn't see any hair"), so that "never seen
# such dirty plates" stays a complaint...
NEGATION_FILLERS = frozenset("a an any single one the of there was were is are find found see seen saw get got notice noticed even".split())
# ...and those that deny what comes just before them, as Hindi puts it ("baal nahi tha", "keeda? nahi",
# "makkhi ek bhi nahi thi"), across these words.
AFTER_NEGATORS = frozenset("nahi nahin nai nhi na".split())
AFTER_FILLERS = frozenset("ek bhi koi to toh hi tha thi the bilkul".split())
# A likeness is no complaint: "hard as stone", "like a pebble", "stone jaisi".
LIKENESS_BEFORE = frozenset("like as".split())
LIKENESS_AFTER = frozenset("jaisa jaisi jaise".split())
# Where a clause ends, so that a denial does not reach into the next one ("no rice, but a hair in dal").
_CLAUSES = re.compile(r"[.,;:!()\n]+|\b(?:but|though|however|although|par|lekin|magar)\b")
# A word: letters and digits, with the apostrophes and hyphens inside it ("didn't", "stone-ground").
_WORDS = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class Verdict:
    critical: bool
    why: str = ""  # in words, for the officials: "a rating of 2 with a comment; foreign object: cockroach"
    themes: list[str] = field(default_factory=list)  # codes of the complaint themes the text names


@dataclass(frozen=True)
class Terms:
    """The complaint terms, ready to match: the first word of each term leads to the whole term."""

    by_first_word: dict[str, list[tuple[tuple[str, ...], str]]]  # word -> [(the term's words, theme code)]
    theme_names: dict[str, str]  # theme code -> name

    @classmethod
    def of(cls, rows: Iterable[tuple[str, str, str]]) -> "Terms":
        """From (words, theme code, theme name) rows."""
        by_first_word, names = {}, {}
        for words, code, name in rows:
            tokens = tuple(_words(words))
            if tokens:
                by_first_word.setdefault(tokens[0], []).append((tokens, code))
                names[code] = name
        for candidates in by_first_word.values():
            candidates.sort(key=lambda c: -len(c[0]))  # the longest term first: "raw chicken" before "raw"
        return cls(by_first_word, names)


def terms_rows() -> list[tuple[str, str, str]]:
    """The complaint terms as they are now, as rows of (words, theme code, theme name) for Terms.of,
    in their one order (by theme name, then words): equal lists are equal terms. One query."""
    return list(ComplaintTerm.objects.values_list("words", "theme__code", "theme__name"))


def terms_load() -> Terms:
    """The complaint terms as they are now. One query."""
    return Terms.of(terms_rows())


# The reasons' words, stored in English with each entry (the record) and shown in the reader's
# language by `why_in_words`; a theme's name and the words found are shown as they were typed.
LOW_RATING_REASON = "a rating of %(rating)s with a comment"
HYGIENE_REASON = "a hygiene complaint"
_LOW_RATING = re.compile(r"a rating of (\d+) with a comment")


def why_in_words(why: str) -> str:
    """A verdict's stored `why` ("a rating of 2 with a comment; foreign object: hair") in the active
    language: the reasons ManageIt words are translated, a theme's name and its words stay as typed."""
    parts = []
    for reason in why.split("; ") if why else []:
        low = _LOW_RATING.fullmatch(reason)
        if low:
            reason = gettext("a rating of %(rating)s with a comment") % {"rating": low[1]}
        elif reason == HYGIENE_REASON:
            reason = gettext("a hygiene complaint")
        parts.append(reason)
    return "; ".join(parts)


def triage(*, rating: int, category: str, comment: str, terms: Terms) -> Verdict:
    """The verdict on one entry (see the module's docstring)."""
    reasons = []
    if rating <= 2 and comment.strip():
        reasons.append(LOW_RATING_REASON % {"rating": rating})
    if category == FeedbackCategory.HYGIENE:
        reasons.append(HYGIENE_REASON)
    found = matches(comment, terms)
    for code, words in found.items():
        reasons.append(f"{terms.theme_names[code].lower()}: {', '.join(words)}")
    return Verdict(critical=bool(reasons), why="; ".join(reasons)[:255], themes=list(found))


def matches(comment: str, terms: Terms) -> dict[str, list[str]]:
    """The complaint themes `comment` names, in the order it names them, with the words that name
    each (as the student wrote them), leaving out what a negation denies."""
    found: dict[str, list[str]] = {}
    for clause in _CLAUSES.split(unicodedata.normalize("NFKC", comment).casefold()):
        if not clause:
            continue
        words = _words(clause)
        i, denied_until = 0, -1
        while i < len(words):
            hit = _term_at(words, i, terms)
            if hit is None:
                i += 1
                continue
            length, code = hit
            # a denial carries over a list: "nothing stale or rotten", "na ulti na pet dard"
            listed = denied_until >= 0 and words[denied_until:i] in (["or"], ["nor"], ["and"], ["aur"], ["na"], [])
            if listed or _denied(words, i, length):
                denied_until = i + length
            else:
                written = " ".join(words[i : i + length])
                if written not in found.setdefault(code, []):
                    found[code].append(written)
            i += length
    return {code: words for code, words in found.items() if words}


def _words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _WORDS.findall(text.casefold())]


def _forms(word: str) -> tuple[str, ...]:
    """`word` and the singulars it may be the plural of: "flies" -> "fly", "insects" -> "insect"."""
    forms = [word]
    if len(word) > 3 and word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if len(word) > 3 and word.endswith("es"):
        forms.append(word[:-2])
    if len(word) > 2 and word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    return tuple(forms)


def _term_at(words: list[str], i: int, terms: Terms) -> tuple[int, str] | None:
    """(length, theme code) of the longest term that starts at words[i], if any."""
    for form in _forms(words[i]):
        for tokens, code in terms.by_first_word.get(form, ()):
            if len(tokens) <= len(words) - i and all(t in _forms(w) for t, w in zip(tokens[1:], words[i + 1 :], strict=False)):
                return len(tokens), code
    return None


def _denied(words: list[str], i: int, length: int) -> bool:
    """Whether the clause denies the term words[i : i + length], or only likens something to it: a
    negator before it with nothing but NEGATION_FILLERS between, a Hindi negator among the two words
    after it, or a likeness ("as stone", "like a stone", "stone jaisi"). A term that begins with a
    negator ("not clean") says what it says."""
    if words[i] in NEGATORS:
        return False
    j = i - 1
    while j >= 0 and words[j] in NEGATION_FILLERS:
        j -= 1
    if j >= 0 and words[j] in NEGATORS:
        return True
    before = words[max(0, i - 2) : i]
    if before[-1:] and (before[-1] in LIKENESS_BEFORE or (before[-1] in ("a", "an") and before[:1] and before[0] in LIKENESS_BEFORE)):
        return True
    after = words[i + length :]
    if after[:1] and after[0] in LIKENESS_AFTER:
        return True
    k = 0
    while k < len(after) and k < 4 and after[k] in AFTER_FILLERS:
        k += 1
    return k < len(after) and after[k] in AFTER_NEGATORS


def feedback_verdict(*, entry: Feedback, terms: Terms | None = None) -> Feedback:
    """Sets the verdict fields of `entry` (unsaved) from its rating, category and comment."""
    verdict = triage(rating=entry.rating, category=entry.category, comment=entry.comment, terms=terms or terms_load())
    entry.is_critical, entry.critical_why, entry.critical_themes = verdict.critical, verdict.why, verdict.themes
    return entry


def feedback_retriage(*, since: datetime.date | None = None) -> int:
    """Gives the entries not notified yet, dated `since` or later (default: the days the notifications
    may still cover), their verdict under the terms as they are now; returns how many changed. An
    entry already notified keeps its verdict: its e-mail has gone."""
    since = since or timezone.localdate() - datetime.timedelta(days=MAKE_UP_DAYS + 1)
    terms = terms_load()
    changed = []
    with transaction.atomic():
        entries = Feedback.objects.filter(date__gte=since, notified_at__isnull=True).only(
            "id", "rating", "category", "comment", "is_critical", "critical_why", "critical_themes"
        )
        for entry in entries.iterator(chunk_size=2000):
            before = (entry.is_critical, entry.critical_why, entry.critical_themes)
            feedback_verdict(entry=entry, terms=terms)
            if (entry.is_critical, entry.critical_why, entry.critical_themes) != before:
                changed.append(entry)
        Feedback.objects.bulk_update(changed, ["is_critical", "critical_why", "critical_themes"], batch_size=1000)
    return len(changed)


def complaint_theme_save(*, theme: ComplaintTheme, terms: list[ComplaintTerm] = (), deleted_terms: list[ComplaintTerm] = ()) -> int:
    """Stores a complaint theme (new or changed) with its new and changed `terms`, deletes its
    `deleted_terms`, and gives the feedback not notified yet its verdict under the terms as they are
    now (feedback_retriage), in one transaction; returns how many verdicts changed."""
    with transaction.atomic():
        theme.save()
        ComplaintTerm.objects.filter(pk__in=[term.pk for term in deleted_terms if term.pk]).delete()
        for term in terms:
            term.theme = theme
            term.save()
        return feedback_retriage()


def complaint_term_save(*, term: ComplaintTerm) -> int:
    """Stores one complaint term (new or changed) and retriages as complaint_theme_save does."""
    with transaction.atomic():
        term.save()
        return feedback_retriage()


def complaint_themes_delete(*, themes: QuerySet[ComplaintTheme]) -> int:
    """Deletes complaint themes with their terms and retriages as complaint_theme_save does."""
    with transaction.atomic():
        themes.delete()
        return feedback_retriage()


def complaint_terms_delete(*, terms: QuerySet[ComplaintTerm]) -> int:
    """Deletes complaint terms and retriages as complaint_theme_save does."""
    with transaction.atomic():
        terms.delete()
        return feedback_retriage()


def critical_digest(*, entries: list[Feedback], theme_names: dict[str, str]) -> dict:
    """What a notification or a daily report opens with, for busy officials: each complaint theme the
    critical `entries` (newest first) name, with how many name it and the newest of them as its
    example, most named first; then every other critical comment with why it is critical. JSON-ready:
    {"themes": [{"theme", "count", "example", "entry"}], "rest": [{"text", "why"}]}, "entry" the
    example's id."""
    counts: dict[str, int] = {}
    examples: dict[str, Feedback] = {}
    for entry in entries:
        for code in entry.critical_themes:
            counts[code] = counts.get(code, 0) + 1
            examples.setdefault(code, entry)
    themes = sorted(counts, key=lambda code: (-counts[code], theme_names.get(code, code)))
    shown = {examples[code].pk for code in themes}
    return {
        "themes": [
            {"theme": theme_names.get(code, code), "count": counts[code], "example": examples[code].comment, "entry": examples[code].pk}
            for code in themes
        ],
        "rest": [{"text": e.comment, "why": e.critical_why} for e in entries if e.comment and e.pk not in shown],
    }


def theme_names() -> dict[str, str]:
    """Complaint theme code -> name. One query."""
    return dict(ComplaintTheme.objects.values_list("code", "name"))
