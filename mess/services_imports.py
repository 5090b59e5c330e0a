"""Bulk imports of students, food waste and feedback from CSV files, all or nothing.

One machinery reads every import: the file is decoded and parsed as a stream, each row is checked
by the import's own row parser, and valid rows are written in batches inside one transaction. The
first bad row stops the writing but not the checking, so one run reports every bad row; the
transaction is then rolled back and nothing of the file is kept. Rows are matched on their natural
key (a username; a floor, date and meal; a student, date and meal), and a row whose stored values
are already the file's is left untouched, so importing a file twice changes nothing the second time.
"""

import csv
import datetime
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from mess.bulk import upsert
from mess.figures import CENTS
from mess.models import Feedback, FeedbackCategory, Floor, Meal, Mess, Role, WasteRecord
from mess.people import Person, people_create, people_place
from mess.totals import day_totals_refresh

User = get_user_model()

MAX_REPORTED = 1000  # bad rows listed; the rest are counted
BATCH = 1000  # rows checked against the database and written at a time
MAX_LINE = 1 << 20  # characters; a longer line is not a CSV row, and reading it whole would cost memory

# NUL, and the lone surrogates that undecodable bytes become (errors="surrogateescape"), so that a
# file that is not UTF-8 is reported row by row instead of failing on its first bad byte.
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
_ISO_DATE = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Django's own username characters, ASCII only: MariaDB compares non-ASCII names loosely ("é" = "e"),
# which would merge users the file keeps apart.
_USERNAME = re.compile("[A-Za-z0-9.@+_-]{1,150}")
_MEALS = {meal: meal for meal in Meal.values}
_MEAL_INDEX = {meal: i for i, meal in enumerate(Meal.values)}
_CATEGORIES = {category: category for category in FeedbackCategory.values}
_RATINGS = {str(n): n for n in range(1, 6)}
_MAX_DINERS = 2**31 - 1
_email_validator = EmailValidator()


class ImportRejected(Exception):
    """A file with bad rows or a bad header: nothing of it was written. `errors` are the first
    MAX_REPORTED "line N: reason" strings, `count` how many there were in all."""

    def __init__(self, errors: list[str], count: int):
        super().__init__(f"nothing imported: {count} error{'s' if count != 1 else ''} in the file")
        self.errors = errors
        self.count = count


@dataclass(frozen=True)
class ImportResult:
    what: str
    new: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged

    def __str__(self) -> str:
        return f"imported {self.total} {self.what} ({self.new} new, {self.updated} updated, {self.unchanged} unchanged)"


class _Bad(Exception):
    """A row's reason for being rejected."""


class _Unreadable(Exception):
    """A place where the file stops being CSV text: reading ends there."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


def students_import(*, file: IO, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Imports `username,name,email,mess` rows: creates each new user as a student of the mess with
    no usable password (an admin sets one, or they reset it by e-mail), and updates an existing
    student's name, e-mail and mess. Usernames are matched exactly; one that differs only in case
    from an existing user, or names an official or an admin, is a bad row. All or nothing: raises
    ImportRejected and writes nothing if any row is bad. `file` is binary (UTF-8, optional BOM) or
    text; `progress`, if given, is called with the number of bytes read as reading goes."""
    return _import(_StudentsImport(), file=file, progress=progress)


def waste_import(*, file: IO, recorded_by=None, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Imports `date,mess,floor,meal,total_kg[,diners]` rows as waste records, one per floor, date and
    meal: new ones are created and changed ones updated (recorded by `recorded_by`, None for files).
    All or nothing, like `students_import`; memory stays flat however long the file is."""
    return _import(_WasteImport(recorded_by=recorded_by), file=file, progress=progress)


def feedback_import(*, file: IO, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Imports `date,mess,meal,student,rating[,comment][,category]` rows as feedback, one per student,
    date and meal. The mess must be the student's own mess (feedback counts towards the alerts and
    reports of the mess it names); the category defaults to food. All or nothing, like `students_import`."""
    return _import(_FeedbackImport(), file=file, progress=progress)


# The shared driver -------------------------------------------------------------------------------


class _Import:
    """One kind of import: its columns, its row parser and its batch writer."""

    what: str  # plural, for the summary
    columns: tuple[str, ...]  # in the documented order
    required: tuple[str, ...]
    key_text: str  # what makes two rows the same, for the duplicate message

    def __init__(self):
        self.dates: set[datetime.date] = set()  # of the waste and feedback written: their day totals change

    def load(self) -> None:
        """Reads the lookups (messes, floors, users) the parser needs."""

    def seen(self, key) -> bool:
        """Records `key`; True if an earlier row of the file had it."""
        raise NotImplementedError

    def parse(self, fields: dict[str, str]) -> tuple:
        """(key, item) of one row's stripped fields; raises _Bad."""
        raise NotImplementedError

    def write(self, items: list) -> tuple[int, int, int]:
        """Writes a batch of parsed items; returns how many were new, updated and unchanged."""
        raise NotImplementedError

    def header_text(self) -> str:
        return ",".join(c if c in self.required else f"[{c}]" for c in self.columns)


def _import(spec: _Import, *, file: IO, progress: Callable[[int], None] | None) -> ImportResult:
    errors: list[str] = []
    count = 0
    totals = [0, 0, 0]

    def write(batch: list) -> None:
        for i, n in enumerate(spec.write(batch)):
            totals[i] += n

    text = _text(file, progress)
    try:
        with transaction.atomic():
            spec.load()
            batch = []
            for line, reason, item in _checked(spec, _rows(text)):
                if reason is not None:
                    count += 1
                    if len(errors) < MAX_REPORTED:
                        errors.append(f"line {line}: {reason}")
                elif not count:  # once a row is bad nothing will be kept: only check the rest
                    batch.append(item)
                    if len(batch) >= BATCH:
                        write(batch)
                        batch = []
            if count:
                raise ImportRejected(errors, count)  # inside the transaction: rolls back what was written
            if batch:
                write(batch)
            if spec.dates:
                day_totals_refresh(dates=spec.dates)
    finally:
        if text is not file:
            text.detach()  # leave the caller's file (or stdin) open
    return ImportResult(spec.what, *totals)


def _checked(spec: _Import, rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, str | None, object]]:
    """(line, reason, item) of every row after the header but blank ones: `reason` None and the
    parsed `item` for a good row, or why the row is bad. Raises ImportRejected for a bad header."""
    try:
        columns = _columns(spec, rows)
        width = len(columns)
        for line, row in rows:
            joined = "".join(row)
            if not joined.strip():
                continue  # blank lines, and the empty rows spreadsheets leave at the end
            if found := _NOT_TEXT.search(joined):
                yield line, "contains a NUL character" if found.group() == "\x00" else "is not UTF-8 text", None
                continue
            if len(row) != width:
                yield line, f"has {len(row)} fields, expected {width} ({','.join(columns)})", None
                continue
            try:
                key, item = spec.parse({c: v.strip() for c, v in zip(columns, row, strict=True)})
            except _Bad as reason:
                yield line, str(reason), None
                continue
            if spec.seen(key):
                yield line, f"same {spec.key_text} as an earlier row", None
            else:
                yield line, None, item
    except _Unreadable as stop:
        yield stop.line, f"{stop}; the rest of the file was not read", None


def _text(file: IO, progress: Callable[[int], None] | None) -> io.TextIOBase:
    if isinstance(file, io.TextIOBase):
        return file
    if progress is not None:
        file = io.BufferedReader(_Counted(file, progress))
    return io.TextIOWrapper(file, encoding="utf-8-sig", errors="surrogateescape", newline="")


class _Counted(io.RawIOBase):
    """A binary stream that reports how many bytes were read from it (for a progress bar)."""

    def __init__(self, raw: IO, progress: Callable[[int], None]):
        self._raw, self._progress = raw, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self._progress(len(data))
        return len(data)


def _lines(text: io.TextIOBase) -> Iterator[str]:
    number = 0
    while line := text.readline(MAX_LINE):
        number += 1
        if len(line) == MAX_LINE and line[-1] not in "\r\n":
            raise _Unreadable(number, f"the line is longer than {MAX_LINE:,} characters")
        yield line


def _rows(text: io.TextIOBase) -> Iterator[tuple[int, list[str]]]:
    """(line number where the row starts, fields) of every CSV row, the header included."""
    reader = csv.reader(_lines(text))
    end = 0
    try:
        for row in reader:
            yield end + 1, row
            end = reader.line_num
    except csv.Error as error:
        # csv.field_size_limit's "field larger than field limit", mostly; the reader cannot resync.
        raise _Unreadable(reader.line_num, f"not readable as CSV ({error})") from None


def _columns(spec: _Import, rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    """The header's column names, checked; raises ImportRejected for a missing or bad header."""
    expected = f"expected the header {spec.header_text()}"
    for line, header in rows:
        joined = "".join(header)
        if not joined.strip():
            continue
        if _NOT_TEXT.search(joined):
            raise ImportRejected([f"line {line}: the header is not UTF-8 text (save the file as CSV UTF-8); {expected}"], 1)
        names = [name.strip().lower() for name in header]
        problems = []
        if missing := [c for c in spec.required if c not in names]:
            problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        if unknown := [n for n in names if n not in spec.columns]:
            problems.append(f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(_show(n) for n in unknown)}")
        if repeated := sorted({n for n in names if n in spec.columns and names.count(n) > 1}):
            problems.append(f"repeated column{'s' if len(repeated) > 1 else ''} {', '.join(repeated)}")
        if problems:
            raise ImportRejected([f"line {line}: {'; '.join(problems)}; {expected}"], 1)
        return names
    raise ImportRejected([f"line 1: the file is empty; {expected}"], 1)


def _show(value: str) -> str:
    """A value for an error message: quoted, and cut short (a hostile file may have huge fields)."""
    return repr(value if len(value) <= 40 else value[:40] + "…")


class _DaySlots:
    """The (owner id, date, meal) keys seen so far, one bit each, in blocks of 512 days per owner:
    memory grows with the owners (floors, students) and the years a file spans, not with its rows."""

    def __init__(self):
        self._blocks: dict[tuple[int, int], bytearray] = {}

    def seen(self, key: tuple[int, datetime.date, str]) -> bool:
        owner, day, meal = key
        ordinal = day.toordinal()
        block = self._blocks.get((owner, ordinal >> 9))
        if block is None:
            block = self._blocks[owner, ordinal >> 9] = bytearray(512 * len(_MEAL_INDEX) // 8)
        bit = (ordinal & 511) * len(_MEAL_INDEX) + _MEAL_INDEX[meal]
        mask = 1 << (bit & 7)
        if block[bit >> 3] & mask:
            return True
        block[bit >> 3] |= mask
        return False


class _Dates:
    """Parses ISO dates up to today. Cached: a file has many rows and few distinct dates."""

    def __init__(self):
        self._today = timezone.localdate()
        self._cache: dict[str, datetime.date] = {}

    def __call__(self, value: str) -> datetime.date:
        day = self._cache.get(value)
        if day is None:
            if not value:
                raise _Bad("date is missing")
            if not _ISO_DATE.fullmatch(value):
                raise _Bad(f"date {_show(value)} is not a date like 2024-07-31")
            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                raise _Bad(f"date {value} does not exist") from None
            if day > self._today:
                raise _Bad(f"date {value} is in the future")
            if len(self._cache) >= 10_000:
                self._cache.clear()
            self._cache[value] = day
        return day


def _choice(value: str, choices: dict[str, str], what: str) -> str:
    if not value:
        raise _Bad(f"{what} is missing")
    found = choices.get(value.lower())
    if found is None:
        raise _Bad(f"unknown {what} {_show(value)} (one of: {', '.join(choices)})")
    return found


def _messes() -> tuple[dict[str, int], dict[int, str]]:
    """Mess code -> id, and id -> code."""
    codes = dict(Mess.objects.values_list("code", "id"))
    return codes, {pk: code for code, pk in codes.items()}


def _mess(value: str, codes: dict[str, int]) -> int:
    if not value:
        raise _Bad("mess is missing")
    mess_id = codes.get(value)
    if mess_id is None:
        raise _Bad(f"unknown mess {_show(value)}")
    return mess_id


def _existing(model: type[models.Model], *, owner: str, keys: list[tuple], values: tuple[str, ...]) -> dict[tuple, tuple]:
    """(owner id, date, meal) -> the stored `values` of those of `keys` that exist. One query per
    300 distinct (date, meal) pairs, so one per batch for a file in date order."""
    owners = defaultdict(list)
    for owner_id, day, meal in keys:
        owners[day, meal].append(owner_id)
    slots = list(owners.items())
    found = {}
    for start in range(0, len(slots), 300):
        where = Q(*(Q(date=day, meal=meal, **{f"{owner}__in": ids}) for (day, meal), ids in slots[start : start + 300]), _connector=Q.OR)
        for row in model.objects.filter(where).order_by().values_list(owner, "date", "meal", *values):
            found[row[:3]] = row[3:]
    return found


# The three imports -------------------------------------------------------------------------------


class _WasteImport(_Import):
    what = "waste records"
    columns = ("date", "mess", "floor", "meal", "total_kg", "diners")
    required = columns[:5]
    key_text = "floor, date and meal"

    def __init__(self, *, recorded_by):
        super().__init__()
        self.recorded_by = recorded_by
        self.seen = _DaySlots().seen
        self.date = _Dates()

    def load(self) -> None:
        self.codes, self.mess_codes = _messes()
        self.floors = {(mess_id, name): pk for pk, mess_id, name in Floor.objects.values_list("id", "mess_id", "name")}
        self.floor_names = defaultdict(list)
        for mess_id, name in sorted(self.floors):
            self.floor_names[mess_id].append(name)

    def parse(self, fields: dict[str, str]) -> tuple:
        day = self.date(fields["date"])
        mess_id = _mess(fields["mess"], self.codes)
        floor_id = self.floors.get((mess_id, fields["floor"]))
        if floor_id is None:
            if not fields["floor"]:
                raise _Bad("floor is missing")
            names = ", ".join(self.floor_names[mess_id]) or "none"
            raise _Bad(f"mess {self.mess_codes[mess_id]} has no floor {_show(fields['floor'])} (its floors: {names})")
        meal = _choice(fields["meal"], _MEALS, "meal")
        kg = _kg(fields["total_kg"])
        diners = _diners(fields.get("diners", ""))
        return (floor_id, day, meal), (floor_id, day, meal, kg, diners)

    def write(self, items: list) -> tuple[int, int, int]:
        stored = _existing(WasteRecord, owner="floor_id", keys=[item[:3] for item in items], values=("total_kg", "diners"))
        records, new = [], 0
        for floor_id, day, meal, kg, diners in items:
            old = stored.get((floor_id, day, meal))
            if old == (kg, diners):
                continue
            new += old is None
            records.append(WasteRecord(floor_id=floor_id, date=day, meal=meal, total_kg=kg, diners=diners, recorded_by=self.recorded_by))
            self.dates.add(day)
        upsert(
            WasteRecord,
            records,
            unique_fields=["floor", "date", "meal"],
            update_fields=["total_kg", "diners", "recorded_by", "recorded_at"],
        )
        return new, len(records) - new, len(items) - len(records)


def _kg(value: str) -> Decimal:
    if not value:
        raise _Bad("total_kg is missing")
    try:
        kg = Decimal(value)
    except InvalidOperation:
        kg = None
    if kg is None or not kg.is_finite():
        raise _Bad(f"total_kg {_show(value)} is not a number")
    if kg < 0:
        raise _Bad(f"total_kg {value} is negative")
    if kg > WasteRecord.MAX_KG:
        raise _Bad(f"total_kg {value} is more than {WasteRecord.MAX_KG} kg")
    rounded = kg.quantize(CENTS)
    if rounded != kg:
        raise _Bad(f"total_kg {value} has more than 2 decimals")
    return rounded


def _diners(value: str) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise _Bad(f"diners {_show(value)} is not a whole number (0 or more)")
    if len(value) > 10 or int(value) > _MAX_DINERS:
        raise _Bad(f"diners {_show(value)} is too large")
    return int(value)


class _FeedbackImport(_Import):
    what = "feedback entries"
    columns = ("date", "mess", "meal", "student", "rating", "comment", "category")
    required = columns[:5]
    key_text = "student, date and meal"

    def __init__(self):
        super().__init__()
        self.seen = _DaySlots().seen
        self.date = _Dates()

    def load(self) -> None:
        self.codes, self.mess_codes = _messes()
        students = User.objects.filter(groups__name=Role.STUDENT).values_list("username", "id", "profile__mess_id")
        self.students = {username: (pk, mess_id) for username, pk, mess_id in students}

    def parse(self, fields: dict[str, str]) -> tuple:
        day = self.date(fields["date"])
        mess_id = _mess(fields["mess"], self.codes)
        meal = _choice(fields["meal"], _MEALS, "meal")
        username = fields["student"]
        if not username:
            raise _Bad("student is missing")
        student = self.students.get(username)
        if student is None:
            raise _Bad(f"unknown student {_show(username)}")
        student_id, student_mess_id = student
        if student_mess_id != mess_id:
            raise _Bad(f"student {username} eats at {self.mess_codes.get(student_mess_id, 'no mess')}, not {fields['mess']}")
        rating = _RATINGS.get(fields["rating"])
        if rating is None:
            raise _Bad(f"rating {_show(fields['rating'])} is not a whole number from 1 to 5")
        comment = fields.get("comment", "")
        if len(comment) > Feedback.MAX_COMMENT:
            raise _Bad(f"comment is longer than {Feedback.MAX_COMMENT} characters ({len(comment)})")
        category = _choice(fields.get("category") or FeedbackCategory.FOOD, _CATEGORIES, "category")
        return (student_id, day, meal), (student_id, day, meal, mess_id, rating, category, comment)

    def write(self, items: list) -> tuple[int, int, int]:
        stored = _existing(
            Feedback, owner="student_id", keys=[item[:3] for item in items], values=("mess_id", "rating", "category", "comment")
        )
        entries, new = [], 0
        for student_id, day, meal, mess_id, rating, category, comment in items:
            old = stored.get((student_id, day, meal))
            if old == (mess_id, rating, category, comment):
                continue
            new += old is None
            entries.append(
                Feedback(student_id=student_id, date=day, meal=meal, mess_id=mess_id, rating=rating, category=category, comment=comment)
            )
            self.dates.add(day)
        upsert(
            Feedback,
            entries,
            unique_fields=["student", "date", "meal"],
            update_fields=["mess", "rating", "category", "comment", "updated_at"],
        )
        return new, len(entries) - new, len(items) - len(entries)


class _User(NamedTuple):
    id: int
    first_name: str
    last_name: str
    email: str
    mess_id: int | None
    is_student: bool
    is_privileged: bool  # an official, staff or a superuser: never made a student by a file


class _StudentsImport(_Import):
    what = "students"
    columns = ("username", "name", "email", "mess")
    required = columns
    key_text = "username"

    def __init__(self):
        super().__init__()
        self.usernames: set[str] = set()

    def seen(self, key: str) -> bool:
        # Case-insensitively: MariaDB's usernames are, so "Alice" and "alice" are one user there.
        if key in self.usernames:
            return True
        self.usernames.add(key)
        return False

    def load(self) -> None:
        self.codes, _ = _messes()
        roles = dict(User.groups.through.objects.filter(group__name__in=Role.values).values_list("user_id", "group__name"))
        self.users, self.lowered = {}, {}
        rows = User.objects.values_list(
            "id", "username", "first_name", "last_name", "email", "is_staff", "is_superuser", "profile__mess_id"
        )
        for pk, username, first_name, last_name, email, is_staff, is_superuser, mess_id in rows:
            role = roles.get(pk)
            self.users[username] = _User(
                pk, first_name, last_name, email, mess_id, role == Role.STUDENT, is_staff or is_superuser or role == Role.OFFICIAL
            )
            self.lowered[username.lower()] = username

    def parse(self, fields: dict[str, str]) -> tuple:
        username = fields["username"]
        if not username:
            raise _Bad("username is missing")
        if not _USERNAME.fullmatch(username):
            raise _Bad(f"username {_show(username)} is not 1 to 150 of the letters A-Z, digits and @ . + - _")
        name = fields["name"]
        if not name:
            raise _Bad("name is missing")
        first_name, _, last_name = name.partition(" ")
        if len(first_name) > 150 or len(last_name) > 150:
            raise _Bad("name is too long (at most 150 characters before and after the first space)")
        email = User.objects.normalize_email(fields["email"])
        if not email:
            raise _Bad("email is missing")
        try:
            _email_validator(email)
        except ValidationError:
            raise _Bad(f"email {_show(email)} is not a valid e-mail address") from None
        if len(email) > 254:
            raise _Bad("email is longer than 254 characters")
        mess_id = _mess(fields["mess"], self.codes)
        user = self.users.get(username)
        if user is None and username.lower() in self.lowered:
            raise _Bad(f"username {username} differs only in case from the existing user {self.lowered[username.lower()]}")
        if user is not None and user.is_privileged:
            raise _Bad(f"username {username} is an existing official or admin, not a student")
        return username.lower(), (username, first_name, last_name, email, mess_id)

    def write(self, items: list) -> tuple[int, int, int]:
        changed_users, places, new_people = [], {}, []
        updated = 0
        for username, first_name, last_name, email, mess_id in items:
            user = self.users.get(username)
            if user is None:
                new_people.append(Person(username, Role.STUDENT, mess_id, email, first_name, last_name))
                continue
            changed = (user.first_name, user.last_name, user.email) != (first_name, last_name, email)
            if changed:
                changed_users.append(User(pk=user.id, first_name=first_name, last_name=last_name, email=email))
            if user.mess_id != mess_id or not user.is_student:
                places[user.id] = mess_id
            updated += changed or user.mess_id != mess_id or not user.is_student
        User.objects.bulk_update(changed_users, ["first_name", "last_name", "email"])
        people_place(role=Role.STUDENT, messes=places)
        # New students have no usable password: an admin sets one, or they reset it by e-mail.
        people_create(people=new_people)
        return len(new_people), updated, len(items) - len(new_people) - updated
