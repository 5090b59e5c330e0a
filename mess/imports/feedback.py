"""The feedback file: `date,mess,meal,student,rating[,comment][,category]`, one entry per student,
date and meal."""

from collections.abc import Callable
from typing import IO

from django.contrib.auth import get_user_model
from django.utils import timezone

from mess.bulk import upsert_staged
from mess.derived import records_changed
from mess.feedback import FEEDBACK_COLUMNS
from mess.imports.problems import Problems
from mess.imports.reader import (
    MEALS,
    Bad,
    Dates,
    DaySlots,
    FileKind,
    ImportResult,
    choice,
    existing,
    import_file,
    messes,
    parse_mess,
    show,
    staged_write,
)
from mess.models import MAX_COMMENT, Feedback, FeedbackCategory, Role, StagedFeedback
from mess.text import typed_text
from mess.triage import terms_load, triage

User = get_user_model()


def feedback_import(*, file: IO, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Imports `date,mess,meal,student,rating[,comment][,category]` rows as feedback, one per student,
    date and meal. The mess must be the student's own mess (feedback counts towards the alerts and
    reports of the mess it names); the category defaults to food. All or nothing (see mess.imports.reader)."""
    return import_file(_FeedbackImport(), file=file, progress=progress)


class _FeedbackImport(FileKind):
    what = "feedback entries"
    columns = FEEDBACK_COLUMNS
    required = columns[:5]
    key_text = "student, date and meal"

    def __init__(self):
        super().__init__()
        self.seen = DaySlots().seen
        self.date = Dates()

    def load(self) -> None:
        self.codes, self.mess_codes = messes()
        students = User.objects.filter(groups__name=Role.STUDENT).values_list("username", "id", "profile__mess_id")
        self.students = {username: (pk, mess_id) for username, pk, mess_id in students}

    def parse(self, fields: dict[str, str]) -> tuple:
        row = Problems()
        day = row.take(self.date, fields["date"])
        mess_id = row.take(parse_mess, fields["mess"], self.codes)
        meal = row.take(choice, fields["meal"], MEALS, "meal")
        student_id = row.take(self._student, fields["student"], mess_id) if mess_id is not None else None
        rating = row.take(_rating, fields["rating"])
        comment = row.take(_comment, fields.get("comment", ""))
        category = row.take(choice, fields.get("category") or FeedbackCategory.FOOD, _CATEGORIES, "category")
        row.done()
        return (student_id, day, meal), (student_id, day, meal, mess_id, rating, category, comment)

    def _student(self, username: str, mess_id: int) -> int:
        if not username:
            raise Bad("student is missing")
        student = self.students.get(username)
        if student is None:
            raise Bad(f"unknown student {show(username)}")
        student_id, student_mess_id = student
        if student_mess_id != mess_id:
            raise Bad(f"student {username} eats at {self.mess_codes.get(student_mess_id, 'no mess')}, not {self.mess_codes[mess_id]}")
        return student_id

    def check(self, items: list) -> tuple[list, int]:
        stored = existing(
            Feedback, owner="student_id", keys=[item[:3] for item in items], values=("mess_id", "rating", "category", "comment")
        )
        changed, new = [], 0
        for item in items:
            student_id, day, meal, *values = item
            old = stored.get((student_id, day, meal))
            if old == tuple(values):
                continue
            new += old is None
            changed.append(item)
            self.dates.add(day)
        self.changed += len(changed)
        return changed, new

    def write(self, batches) -> None:
        def publish(staged_import) -> None:
            now = timezone.now()
            upsert_staged(
                Feedback,
                staging=StagedFeedback,
                staged_import_id=staged_import.pk,
                columns=[*_FIELDS, *_VERDICT],
                values={"created_at": now, "updated_at": now},
                unique_fields=["student_id", "date", "meal"],
                update_fields=["mess_id", "rating", "category", "comment", *_VERDICT, "updated_at"],
            )
            records_changed(dates=self.dates)

        terms = terms_load()
        rows = ([self._staged(item, terms) for item in batch] for batch in batches)
        staged_write(kind="feedback", staging=StagedFeedback, rows=rows, publish=publish)

    @staticmethod
    def _staged(item: tuple, terms) -> StagedFeedback:
        entry = StagedFeedback(**dict(zip(_FIELDS, item, strict=True)))
        verdict = triage(rating=entry.rating, category=entry.category, comment=entry.comment, terms=terms)
        entry.is_critical, entry.critical_why, entry.critical_themes = verdict.critical, verdict.why, verdict.themes
        return entry


_FIELDS = ("student_id", "date", "meal", "mess_id", "rating", "category", "comment")
_VERDICT = ("is_critical", "critical_why", "critical_themes")  # mess.triage's, of each entry written


_CATEGORIES = {category: category for category in FeedbackCategory.values}


_RATINGS = {str(n): n for n in range(1, 6)}


def _rating(text: str) -> int:
    rating = _RATINGS.get(text)
    if rating is None:
        raise Bad(f"rating {show(text)} is not a whole number from 1 to 5")
    return rating


def _comment(text: str) -> str:
    try:
        comment = typed_text(text)
    except ValueError as error:
        raise Bad(f"comment {error}") from None
    if len(comment) > MAX_COMMENT:
        raise Bad(f"comment is longer than {MAX_COMMENT} characters ({len(comment)})")
    return comment
