"""The absences file: `student,first_day,last_day,meal`, a student by username, the meal empty for
every meal of those days."""

import datetime
import re
from collections.abc import Callable
from typing import IO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from mess.absences import ABSENCE_COLUMNS, LEAVE_AHEAD
from mess.imports.problems import Problems
from mess.imports.reader import MEALS, Bad, FileKind, ImportResult, choice, import_file, show
from mess.models import EARLIEST_DATE, Absence, Role

User = get_user_model()

_ISO_DATE = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")


def absences_import(*, file: IO, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Imports `student,first_day,last_day,meal` rows as absences of each student at their mess:
    any dates from EARLIEST_DATE to LEAVE_AHEAD days ahead, past ones included, as a file records
    what was known then: an imported absence counts as known before its meals' cut-offs (so that
    the forecast's backtest can use them). A row the student already has (the same days and meal)
    changes nothing; overlapping ones are kept, and count once. A student who is unknown, not a
    student or eats at no mess, a date that is not one, a last day before the first or an unknown
    meal is a bad row. All or nothing (see mess.imports.reader)."""
    return import_file(_AbsencesImport(), file=file, progress=progress)


class _AbsencesImport(FileKind):
    what = "absences"
    columns = ABSENCE_COLUMNS
    required = columns
    key_text = "student, days and meal"

    def __init__(self):
        super().__init__()
        self.keys: set[tuple] = set()
        self.latest = timezone.localdate() + datetime.timedelta(days=LEAVE_AHEAD)

    def seen(self, key) -> bool:
        if key in self.keys:
            return True
        self.keys.add(key)
        return False

    def load(self) -> None:
        students = User.objects.filter(groups__name=Role.STUDENT).values_list("username", "id", "profile__mess_id")
        self.students = {username: (pk, mess_id) for username, pk, mess_id in students}
        self.others = set(User.objects.exclude(groups__name=Role.STUDENT).values_list("username", flat=True))

    def _day(self, value: str, what: str) -> datetime.date:
        if not value:
            raise Bad(f"{what} is missing")
        if not _ISO_DATE.fullmatch(value):
            raise Bad(f"{what} {show(value)} is not a date like 2024-07-31")
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            raise Bad(f"{what} {value} does not exist") from None
        if not EARLIEST_DATE <= day <= self.latest:
            raise Bad(f"{what} {value} is not from {EARLIEST_DATE} to {self.latest} ({LEAVE_AHEAD} days ahead)")
        return day

    def _student(self, username: str) -> tuple[int, int]:
        if not username:
            raise Bad("student is missing")
        if username not in self.students:
            raise Bad(f"{show(username)} is not a student" if username in self.others else f"unknown student {show(username)}")
        student_id, mess_id = self.students[username]
        if mess_id is None:
            raise Bad(f"student {username} eats at no mess")
        return student_id, mess_id

    def parse(self, fields: dict[str, str]) -> tuple:
        row = Problems()
        student_id, mess_id = row.take(self._student, fields["student"]) or (None, None)
        first_day, last_day = row.take(self._day, fields["first_day"], "first_day"), row.take(self._day, fields["last_day"], "last_day")
        if first_day is not None and last_day is not None and last_day < first_day:
            row.found.append(f"last_day {last_day} is before first_day {first_day}")
        meal = row.take(choice, fields["meal"], MEALS, "meal") if fields["meal"] else ""
        row.done()
        key = (student_id, first_day, last_day, meal)
        return key, (student_id, mess_id, first_day, last_day, meal)

    def check(self, items: list) -> tuple[list, int]:
        stored = set(
            Absence.objects.filter(student_id__in={i[0] for i in items}).values_list("student_id", "first_day", "last_day", "meal")
        )
        new = [i for i in items if (i[0], i[2], i[3], i[4]) not in stored]
        self.changed += len(new)
        return new, len(new)

    def write(self, batches) -> None:
        # Absences are few beside waste and ratings (a few a student a week): one transaction.
        with transaction.atomic():
            for batch in batches:
                Absence.objects.bulk_create(
                    Absence(student_id=s, mess_id=m, first_day=f, last_day=last, meal=meal, known_at=None) for s, m, f, last, meal in batch
                )
