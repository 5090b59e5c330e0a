"""The reader every import shares: CSV files read as a stream, checked row by row, written all or
nothing. Each kind of file (students.py, waste.py, feedback.py) says its columns, how to parse a row,
what of a batch needs writing and how to write it.

One machinery reads every import: the file is decoded and parsed as a stream, and each row is checked
by the import's own row parser, all before anything is written, so one run reports every bad row and
a file with any writes nothing. Rows are matched on their natural key (a username; a floor, date and
meal; a student, date and meal), and a row whose stored values are already the file's is left
untouched, so importing a file twice changes nothing the second time.

Writing is all or nothing too, and never holds the database's write lock for long, since on SQLite
that lock is the whole database's and a login or a rating waits for it: waste and feedback go into a
staging table in short transactions, and one short transaction makes them all visible at once
(`staged_write`); students, fewer, are written in one transaction.
"""

import csv
import datetime
import io
import pickle
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from mess.imports.problems import Bad
from mess.meals import day_check
from mess.models import Meal, Mess, StagedFeedback, StagedImport, StagedWaste

MAX_REPORTED = 1000  # bad rows listed; the rest are counted
BATCH = 1000  # rows checked against the database at a time
STAGE_BATCH = 5000  # rows staged, or deleted from the staging table, per transaction: a fraction of a second
STALE_IMPORT = datetime.timedelta(days=1)  # an import still staged after this long was killed
MAX_LINE = 1 << 20  # characters; a longer line is not a CSV row, and reading it whole would cost memory

# NUL, and the lone surrogates that undecodable bytes become (errors="surrogateescape"), so that a
# file that is not UTF-8 is reported row by row instead of failing on its first bad byte.
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
_ISO_DATE = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")
MEALS = {meal: meal for meal in Meal.values}
_MEAL_INDEX = {meal: i for i, meal in enumerate(Meal.values)}


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
    invited: int | None = None  # students sent an invitation, when asked for

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged

    def __str__(self) -> str:
        text = f"imported {self.total} {self.what} ({self.new} new, {self.updated} updated, {self.unchanged} unchanged)"
        return text if self.invited is None else f"{text}; invited {self.invited}"


class _Unreadable(Exception):
    """A place where the file stops being CSV text: reading ends there."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


class FileKind:
    """One kind of import: its columns, its row parser, what of a batch of rows needs writing, and
    its writer."""

    what: str  # plural, for the summary
    columns: tuple[str, ...]  # in the documented order
    required: tuple[str, ...]
    key_text: str  # what makes two rows the same, for the duplicate message

    def __init__(self):
        self.dates: set[datetime.date] = set()  # of the waste and feedback written: their day totals change
        self.changed = 0  # items `check` kept

    def load(self) -> None:
        """Reads the lookups (messes, floors, users) the parser needs."""

    def seen(self, key) -> bool:
        """Records `key`; True if an earlier row of the file had it."""
        raise NotImplementedError

    def parse(self, fields: dict[str, str]) -> tuple:
        """(key, item) of one row's stripped fields; raises Bad."""
        raise NotImplementedError

    def check(self, items: list) -> tuple[list, int]:
        """The items of a batch that need writing (new, or other than what is stored) and how many of
        them are new. Reads only: the whole file is checked before anything is written."""
        raise NotImplementedError

    def write(self, batches: Iterator[list]) -> None:
        """Writes every batch of items `check` kept, all or nothing, holding the database's write
        lock for no more than a few seconds at a time."""
        raise NotImplementedError

    def header_text(self) -> str:
        return ",".join(c if c in self.required else f"[{c}]" for c in self.columns)


def import_file(spec: FileKind, *, file: IO, progress: Callable[[int], None] | None) -> ImportResult:
    """Reads `file` as a file of `spec`'s kind and writes it, all or nothing; raises ImportRejected,
    having written nothing, if any row or the header is bad.

    The whole file is read and checked first, with reads only, so a long file never holds the
    database's write lock while it is checked (SQLite has one for the whole database); what needs
    writing waits in a temporary file meanwhile, so memory stays flat. Only then does `spec.write`
    write it."""
    errors: list[str] = []
    count = 0
    rows = new = 0
    text = _text(file, progress)
    try:
        with tempfile.TemporaryFile() as spool:

            def check(batch: list) -> None:
                nonlocal rows, new
                to_write, fresh = spec.check(batch)
                rows, new = rows + len(batch), new + fresh
                if to_write:
                    pickle.dump(to_write, spool, protocol=pickle.HIGHEST_PROTOCOL)

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
                        check(batch)
                        batch = []
            if count:
                raise ImportRejected(errors, count)
            if batch:
                check(batch)
            written = spool.tell()
            spool.seek(0)
            if written:
                spec.write(_spooled(spool))
            changed = spec.changed
    finally:
        if text is not file:
            text.detach()  # leave the caller's file (or stdin) open
    return ImportResult(spec.what, new, changed - new, rows - changed)


def staged_write(*, kind: str, staging: type[models.Model], rows: Iterator[list], publish: Callable[[StagedImport], None]) -> None:
    """Writes `rows` (batches of unsaved `staging` instances, their `staged_import` left unset) to
    the staging table, a short transaction per STAGE_BATCH rows, then calls `publish` in one
    transaction, which copies them to where they belong and so makes them visible all at once, then
    deletes them from the staging table, again in short transactions. If anything fails before
    `publish` has committed, nothing is visible and the staged rows are deleted too."""
    _stale_imports_delete()
    staged_import = StagedImport.objects.create(kind=kind)
    try:
        for batch in rows:
            for start in range(0, len(batch), STAGE_BATCH):
                part = batch[start : start + STAGE_BATCH]
                for row in part:
                    row.staged_import = staged_import
                with transaction.atomic():
                    staging.objects.bulk_create(part)
        with transaction.atomic():
            publish(staged_import)
    finally:
        _staged_delete(staged_import)


def _staged_delete(staged_import: StagedImport) -> None:
    """Deletes an import's staged rows, a short transaction per STAGE_BATCH, then the import."""
    for staging in (StagedWaste, StagedFeedback):
        rows = staging.objects.filter(staged_import=staged_import)
        while ids := list(rows.order_by("id").values_list("id", flat=True)[:STAGE_BATCH]):
            with transaction.atomic():
                staging.objects.filter(id__in=ids).delete()
    StagedImport.objects.filter(pk=staged_import.pk).delete()


def _stale_imports_delete() -> None:
    for staged_import in StagedImport.objects.filter(started_at__lt=timezone.now() - STALE_IMPORT):
        _staged_delete(staged_import)


def _spooled(spool: IO) -> Iterator[list]:
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


def _checked(spec: FileKind, rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, str | None, object]]:
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
                key, item = spec.parse({c: cell_in(v.strip()) for c, v in zip(columns, row, strict=True)})
            except Bad as reason:
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


def _columns(spec: FileKind, rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    """The header's column names, checked; raises ImportRejected for a missing or bad header."""
    expected = f"expected the header {spec.header_text()}"
    for line, header in rows:
        joined = "".join(header)
        if not joined.strip():
            continue
        if _NOT_TEXT.search(joined):
            raise ImportRejected([f"line {line}: the header is not UTF-8 text (save the file as CSV UTF-8); {expected}"], 1)
        names = [name.strip().lower() for name in header]
        counted = Counter(names)  # each check below is linear: a header may have any number of columns
        problems = []
        if missing := [c for c in spec.required if c not in counted]:
            problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        if unknown := [n for n in counted if n not in spec.columns]:
            problems.append(f"unknown column{'s' if len(unknown) > 1 else ''} {_listed(unknown)}")
        if repeated := sorted(n for n, times in counted.items() if n in spec.columns and times > 1):
            problems.append(f"repeated column{'s' if len(repeated) > 1 else ''} {', '.join(repeated)}")
        if problems:
            raise ImportRejected([f"line {line}: {'; '.join(problems)}; {expected}"], 1)
        return names
    raise ImportRejected([f"line 1: the file is empty; {expected}"], 1)


# A cell that begins with one of these is a formula to a spreadsheet, however the file was meant: the
# exports write such a cell with a quote before it (which a spreadsheet shows as text), and the
# imports take exactly that quote off, so that a file goes out and back in unchanged.
_FORMULA = re.compile("'*[=+\\-@\t\r]")


def cell_out(value: str) -> str:
    """A cell as the exports write it: text, never a formula, when a spreadsheet opens the file."""
    return "'" + value if _FORMULA.match(value) else value


def cell_in(value: str) -> str:
    """A cell as the imports read it: cell_out undone."""
    return value[1:] if value.startswith("'") and _FORMULA.match(value, 1) else value


def _listed(values: list[str], most: int = 10) -> str:
    """The first `most` values, shown, and how many more there are."""
    text = ", ".join(show(v) for v in values[:most])
    return text + (f" and {len(values) - most} more" if len(values) > most else "")


def show(value: str) -> str:
    """A value for an error message: quoted, and cut short (a hostile file may have huge fields)."""
    return repr(value if len(value) <= 40 else value[:40] + "…")


class DaySlots:
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


class Dates:
    """Parses ISO dates from EARLIEST_DATE to today. Cached: a file has many rows and few distinct dates."""

    def __init__(self):
        self._today = timezone.localdate()
        self._cache: dict[str, datetime.date] = {}

    def __call__(self, value: str) -> datetime.date:
        day = self._cache.get(value)
        if day is None:
            if not value:
                raise Bad("date is missing")
            if not _ISO_DATE.fullmatch(value):
                raise Bad(f"date {show(value)} is not a date like 2024-07-31")
            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                raise Bad(f"date {value} does not exist") from None
            try:
                day_check(day, latest=self._today)
            except ValueError as error:
                raise Bad(f"date {error}") from None
            if len(self._cache) >= 10_000:
                self._cache.clear()
            self._cache[value] = day
        return day


def choice(value: str, choices: dict, what: str, expected: str | None = None):
    """choices[value], any case; Bad naming the choices (or `expected`, when they are many) otherwise."""
    if not value:
        raise Bad(f"{what} is missing")
    found = choices.get(value.lower())
    if found is None:
        raise Bad(f"unknown {what} {show(value)} ({'expected ' + expected if expected else 'one of: ' + ', '.join(choices)})")
    return found


def messes() -> tuple[dict[str, int], dict[int, str]]:
    """Mess code -> id, and id -> code."""
    codes = dict(Mess.objects.values_list("code", "id"))
    return codes, {pk: code for code, pk in codes.items()}


def parse_mess(value: str, codes: dict[str, int]) -> int:
    if not value:
        raise Bad("mess is missing")
    mess_id = codes.get(value)
    if mess_id is None:
        raise Bad(f"unknown mess {show(value)}")
    return mess_id


def existing(model: type[models.Model], *, owner: str, keys: list[tuple], values: tuple[str, ...]) -> dict[tuple, tuple]:
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
