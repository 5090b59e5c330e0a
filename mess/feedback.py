"""Students' feedback: a 1-5 rating of one meal of one day, a category and a comment, one entry per
student, day and meal; which entries are critical (the officials must hear of them at once); and its
reads for the students' page, the dashboard and the exports."""

import datetime
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from django.db import OperationalError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from mess.derived import records_changed
from mess.figures import average
from mess.meals import closures_by_day, days_ending, meals_of_today, serving_order
from mess.menus import dish_votes_check, dish_votes_replace
from mess.models import MAX_COMMENT, Feedback, FeedbackCategory, Meal, Mess
from mess.text import typed_text
from mess.triage import CRITICAL_FEEDBACK, Terms, terms_rows, triage

# MySQL's error for a transaction rolled back to end a deadlock, which asks to be tried again.
DEADLOCK = 1213
SAVE_ATTEMPTS = 3

# The columns of a feedback file, as import_feedback reads it and the exports write it.
FEEDBACK_COLUMNS = ("date", "mess", "meal", "student", "rating", "comment", "category")


@dataclass(frozen=True)
class FeedbackSaved:
    entry: Feedback
    created: bool


@dataclass(frozen=True)
class FeedbackChecked:
    """A student's feedback of today's meal as feedback_check let it through, ready to be stored."""

    student: object
    mess: Mess
    date: datetime.date
    meal: str
    fields: dict  # the entry's rating, category, comment and verdict
    terms: list[tuple[str, str, str]]  # the complaint terms the verdict was given under (terms_rows)
    dish_votes: Mapping[str, bool] | None


def feedback_check(
    *, student, meal: str, rating: int, category: str, comment: str, dish_votes: Mapping[str, bool] | None = None
) -> FeedbackChecked:
    """What feedback_save stores, checked and judged, with reads only: raises ValueError for what
    feedback_save refuses (see there), and otherwise returns the entry's fields with its verdict
    under the complaint terms as they are now (mess.triage)."""
    now = timezone.now()
    mess = Mess.objects.filter(profiles__user=student).first()
    if mess is None:
        raise ValueError(gettext("%(student)s eats at no mess") % {"student": student})
    today = timezone.localdate(now)
    closed = closures_by_day(mess_ids=[mess.pk], start=today, end=today).get((mess.pk, today))
    if closed is not None:
        raise ValueError(
            (
                gettext("%(mess)s is closed today (%(reason)s): it serves no meal to rate")
                if closed
                else gettext("%(mess)s is closed today: it serves no meal to rate")
            )
            % {"mess": mess.name, "reason": closed}
        )
    started, _ = meals_of_today(now=now, mess=mess)
    if meal not in {w.meal for w in started}:
        raise ValueError(gettext("%(meal)s has not started yet today") % {"meal": meal})
    if rating not in range(1, 6):
        raise ValueError(gettext("rating %(rating)s is not from 1 to 5") % {"rating": rating})
    if category not in FeedbackCategory.values:
        raise ValueError(f"unknown category {category!r}")
    try:
        comment = typed_text(comment).strip()
    except ValueError as error:
        raise ValueError(gettext("the comment %(problem)s") % {"problem": error}) from None
    if len(comment) > MAX_COMMENT:
        raise ValueError(gettext("the comment is longer than %(most)s characters") % {"most": MAX_COMMENT})
    if dish_votes is not None:
        dish_votes_check(mess=mess, date=today, meal=meal, votes=dish_votes)
    terms = terms_rows()
    fields = {"mess_id": mess.pk, "rating": rating, "category": category, "comment": comment}
    return FeedbackChecked(
        student=student,
        mess=mess,
        date=today,
        meal=meal,
        fields=fields | _verdict_fields(fields, terms),
        terms=terms,
        dish_votes=dish_votes,
    )


def _verdict_fields(fields: dict, terms: list[tuple[str, str, str]]) -> dict:
    verdict = triage(rating=fields["rating"], category=fields["category"], comment=fields["comment"], terms=Terms.of(terms))
    return {"is_critical": verdict.critical, "critical_why": verdict.why, "critical_themes": verdict.themes}


def feedback_save(
    *, student, meal: str, rating: int, category: str, comment: str, dish_votes: Mapping[str, bool] | None = None
) -> FeedbackSaved:
    """Stores the student's feedback of today's `meal` at their own mess: one entry per student,
    day and meal, which later saves of the same day change. Only meals whose window has started
    (local time) can be rated, so the day a student may still change an entry ends at midnight.
    The comment is stored stripped (an empty comment is "no comment"), its newlines as \n. Raises
    ValueError for a student without a mess, a day their mess is closed (mess.closures: it serves no
    meal), a meal that has not started yet, a rating outside 1 to 5, an unknown category, or a
    comment too long or holding a control character (see typed_text). A save that changes the
    comment clears the official's reply (and who replied, and when): it answered other words. The
    mess's alerts are re-evaluated soon after (see mess.derived).

    `dish_votes` (dish -> liked), when given, replace the entry's dish votes in the same transaction
    (mess.menus.dish_votes_replace): a dish that is not on the mess's menu of that meal today is
    refused with ValueError (mess.menus.dish_votes_check), and then nothing is saved.

    What only reads (the checks, the verdict, the menu the votes must be on) is done first
    (feedback_check), and the transaction holds only the writes that go with the rating (on SQLite
    it holds the whole database's write lock): the entry, its dish votes and what follows it. The
    verdict is the one under the terms as they are when the entry is stored: if an admin changed
    them in between (and re-judged the entries stored by then), it is given again. On MySQL/MariaDB,
    a save that InnoDB rolls back to end a deadlock (two saves' dish votes inserted side by side in
    one unique index can deadlock) is made again, up to SAVE_ATTEMPTS times, unless it ran inside the
    caller's transaction."""
    checked = feedback_check(student=student, meal=meal, rating=rating, category=category, comment=comment, dish_votes=dish_votes)
    outermost = not transaction.get_connection().in_atomic_block
    for attempt in range(1, SAVE_ATTEMPTS + 1):
        try:
            return feedback_store(checked=checked)
        except OperationalError as error:
            # InnoDB's victim of a deadlock is rolled back whole: again, unless it was the caller's transaction
            if error.args[:1] != (DEADLOCK,) or not outermost or attempt == SAVE_ATTEMPTS:
                raise


@transaction.atomic  # the rating and its dish votes are stored together, or neither
def feedback_store(*, checked: FeedbackChecked) -> FeedbackSaved:
    """Stores the feedback feedback_check let through (see feedback_save), in one transaction."""
    key = {"student": checked.student, "date": checked.date, "meal": checked.meal}
    defaults = dict(checked.fields)
    terms = terms_rows()
    if terms != checked.terms:  # changed since the check, and re-judged without this entry
        defaults |= _verdict_fields(defaults, terms)
    # locked, so that a reply stored meanwhile is not kept under words it did not answer
    before = Feedback.objects.select_for_update().filter(**key).values_list("comment", flat=True).first()
    if before is not None and before != defaults["comment"]:
        defaults |= {"reply": "", "replied_by": None, "replied_at": None}
    entry, created = Feedback.objects.update_or_create(**key, defaults=defaults)
    if checked.dish_votes is not None:
        dish_votes_replace(feedback=entry, mess=checked.mess, votes=checked.dish_votes)
    records_changed(dates=[entry.date], mess_ids=[checked.mess.pk])
    return FeedbackSaved(entry=entry, created=created)


def feedback_delete(*, entries: QuerySet[Feedback]) -> int:
    """Deletes feedback `entries` (a spam comment, say) with their dish votes, and brings the
    figures of their days up to date (mess.derived: day totals, stored reports, the messes' alerts),
    in one transaction; returns how many entries it deleted. An entry already e-mailed stays in its
    e-mail: that has gone."""
    with transaction.atomic():
        rows = list(entries.select_for_update().order_by().values_list("pk", "date", "mess_id"))
        if not rows:
            return 0
        Feedback.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
        records_changed(dates=sorted({date for _, date, _ in rows}), mess_ids=sorted({mess_id for _, _, mess_id in rows}))
    return len(rows)


def ratings_by_meal(*, mess: Mess, today: datetime.date) -> list[dict]:
    """Each meal in serving order with its feedback count and average rating over the 7 and the 30
    days ending `today`: `meal`, `label`, `n7`, `average7`, `n30`, `average30` (None without
    feedback). One query."""
    start7, _ = days_ending(end=today, days=7)
    start30, _ = days_ending(end=today, days=30)
    rows = {
        r["meal"]: r
        for r in Feedback.objects.filter(mess=mess, date__gte=start30, date__lte=today)
        .values("meal")
        .annotate(
            n30=Count("id"),
            total30=Sum("rating"),
            n7=Count("id", filter=Q(date__gte=start7)),
            total7=Sum("rating", filter=Q(date__gte=start7)),
        )
        .order_by()
    }
    result = []
    for meal in Meal:
        r = rows.get(meal.value, {"n7": 0, "total7": 0, "n30": 0, "total30": 0})
        result.append(
            {
                "meal": meal.value,
                "label": meal.label,
                "n7": r["n7"],
                "average7": average(r["total7"], r["n7"]),
                "n30": r["n30"],
                "average30": average(r["total30"], r["n30"]),
            }
        )
    return result


def feedback_critical_latest(*, mess: Mess, since: datetime.date, limit: int = 10) -> list[Feedback]:
    """The newest critical feedback of `mess` (see CRITICAL_FEEDBACK) dated `since` or later, newest
    day first. One query; the date bound keeps it from sorting the mess's whole history."""
    entries = Feedback.objects.filter(mess=mess, date__gte=since).filter(CRITICAL_FEEDBACK)
    return list(entries.order_by("-date", "-created_at", "-id")[:limit])


def feedback_of_student(*, student, date: datetime.date) -> dict[str, Feedback]:
    """The student's feedback of `date`, by meal. One query."""
    return {f.meal: f for f in Feedback.objects.filter(student=student, date=date)}


def feedback_history(*, student, before: datetime.date, limit: int = 30) -> list[Feedback]:
    """The student's own feedback of the days before `before`, newest first. One query."""
    return list(Feedback.objects.filter(student=student, date__lt=before).order_by("-date", serving_order(), "-id")[:limit])


def feedback_export_rows(
    *, start: datetime.date, end: datetime.date, mess_id: int | None = None, mess_ids: Collection[int] | None = None, names: bool = False
) -> Iterator[tuple[str, ...]]:
    """The feedback from `start` to `end` (of one mess, of those of `mess_ids`, or of all) as rows of FEEDBACK_COLUMNS, by
    date, mess and meal. One query, read in chunks.

    Without `names`, each student is "student-0001", "student-0002", ... in the order they first
    appear in this file: one pseudonym throughout the file, which says nothing of their name and
    does not carry from one file to another (a file of other days numbers other students first);
    within a meal, entries follow the order they were first written, not the students' names, and an
    entry already anonymised has an empty student. Such a file is for reading.

    With `names` (for those who may see who wrote feedback: mess.feedback_privacy), the students'
    usernames, by name within a meal, as import_feedback takes them back; entries already anonymised
    are left out, since they belong to no student and no file can bring them back."""
    entries = Feedback.objects.filter(date__gte=start, date__lte=end)
    if mess_id is not None:
        entries = entries.filter(mess_id=mess_id)
    if mess_ids is not None:
        entries = entries.filter(mess_id__in=mess_ids)
    if names:
        entries = entries.filter(student__isnull=False)
    within_meal = "student__username" if names else "id"
    rows = entries.order_by("date", "mess__code", serving_order(), within_meal).values_list(
        "date", "mess__code", "meal", "student__username", "rating", "comment", "category"
    )
    pseudonyms: dict[str, str] = {}
    for date, code, meal, student, rating, comment, category in rows.iterator(chunk_size=2000):
        if not names:
            student = pseudonyms.setdefault(student, f"student-{len(pseudonyms) + 1:04d}") if student else ""
        yield date.isoformat(), code, meal, student, str(rating), comment, category
