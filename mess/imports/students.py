"""The students file: `username,name,email,mess[,since]`, one student per username."""

import datetime
import re
import smtplib
from collections.abc import Callable
from dataclasses import replace
from typing import IO, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone

from mess.imports.problems import Problems
from mess.imports.reader import (
    Bad,
    FileKind,
    ImportResult,
    import_file,
    messes,
    parse_mess,
    show,
)
from mess.models import EARLIEST_DATE, Role
from mess.people import Person, admins, people_create, people_invite, people_place, people_since
from mess.text import typed_text

User = get_user_model()


def students_import(*, file: IO, progress: Callable[[int], None] | None = None, invite: bool = False) -> ImportResult:
    """Imports `username,name,email,mess[,since]` rows: creates each new user as a student of the
    mess with no usable password (they set one through an invitation or "Forgot your password?"),
    and updates an existing student's name, e-mail and mess. `since` is the first day the student
    eats at the mess (the head counts count them from it, so that a history can be loaded): a new
    student without one eats there from today; an existing one keeps theirs. Usernames are matched exactly; one that differs only
    in case from an existing user, or names an official or an admin, is a bad row. All or nothing:
    raises ImportRejected and writes nothing if any row is bad. `file` is binary (UTF-8, optional
    BOM) or text; `progress`, if given, is called with the number of bytes read as reading goes.

    With `invite`, once the file is imported, each student of the file who cannot log in yet and was
    never invited gets an invitation (see people_invite): importing the same file again invites
    nobody twice, and sends the invitations a failed mail server kept from going out."""
    spec = _StudentsImport()
    result = import_file(spec, file=file, progress=progress)
    return invitations_send(result=result, user_ids=spec.student_ids) if invite else result


def invitations_send(*, result: ImportResult, user_ids: list[int]) -> ImportResult:
    """Invites each of `user_ids` who cannot log in yet and was never invited (see people_invite),
    after an import: `result` with how many. Raises InvitationsStopped when the mail server fails."""
    invited = 0
    try:
        for start in range(0, len(user_ids), 1000):
            waiting = User.objects.filter(
                pk__in=user_ids[start : start + 1000], password__startswith=UNUSABLE_PASSWORD_PREFIX, profile__invited_at=None
            )
            invited += people_invite(users=waiting.order_by("username"))
    except (smtplib.SMTPException, OSError) as error:
        raise InvitationsStopped(
            f"{result}, but the invitations stopped ({error}); importing the same file again with --invite invites the rest"
        ) from error
    return replace(result, invited=invited)


class InvitationsStopped(Exception):
    """The file is imported, and the mail server failed before every invitation went out."""


class _User(NamedTuple):
    id: int
    first_name: str
    last_name: str
    email: str
    mess_id: int | None
    since: datetime.date | None
    is_student: bool
    is_refused: bool  # an official, an admin or a staff account: never made a student by a file


class PeopleFile(FileKind):
    """What the files of people (students, officials) share: one row per username, as MariaDB
    matches usernames (in any case), and who is in which role now."""

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

    # What an existing user this file may not take is (`users[name].is_refused`), in a bad row's words.
    not_theirs = ""

    def _username(self, username: str) -> str:
        if not username:
            raise Bad("username is missing")
        if not USERNAME.fullmatch(username):
            raise Bad(f"username {show(username)} is not 1 to 150 of the letters A-Z, digits and @ . + - _")
        user = self.users.get(username)
        if user is None and username.lower() in self.lowered:
            raise Bad(f"username {username} differs only in case from the existing user {self.lowered[username.lower()]}")
        if user is not None and user.is_refused:
            raise Bad(f"username {username} is {self.not_theirs}")
        return username

    @staticmethod
    def roles() -> tuple[set[int], set[int], set[int]]:
        """The ids of the students, the officials and the admins. Two queries."""
        members = list(User.groups.through.objects.filter(group__name__in=Role.values).values_list("user_id", "group__name"))
        students = {pk for pk, group in members if group == Role.STUDENT}
        officials = {pk for pk, group in members if group == Role.OFFICIAL}
        return students, officials, set(admins().values_list("pk", flat=True))


class _StudentsImport(PeopleFile):
    what = "students"
    columns = ("username", "name", "email", "mess", "since")
    required = columns[:4]
    not_theirs = "an existing official or admin, not a student"

    def __init__(self):
        super().__init__()
        self.student_ids: list[int] = []  # of every student of the file, once written

    def load(self) -> None:
        self.codes, _ = messes()
        students, officials, admin_ids = self.roles()
        privileged = officials | admin_ids
        self.users, self.lowered = {}, {}
        fields = ("id", "username", "first_name", "last_name", "email", "is_staff", "profile__mess_id", "profile__since")
        for pk, username, first_name, last_name, email, is_staff, mess_id, since in User.objects.values_list(*fields):
            self.users[username] = _User(pk, first_name, last_name, email, mess_id, since, pk in students, is_staff or pk in privileged)
            self.lowered[username.lower()] = username
        self.today = timezone.localdate()

    def parse(self, fields: dict[str, str]) -> tuple:
        row = Problems()
        username = row.take(self._username, fields["username"])
        first_name, last_name = row.take(person_name, fields["name"]) or (None, None)
        email = row.take(person_email, fields["email"])
        mess_id = row.take(parse_mess, fields["mess"], self.codes)
        since = row.take(self._since, fields.get("since", ""))
        row.done()
        return username.lower(), (username, first_name, last_name, email, mess_id, since)

    def _since(self, value: str) -> datetime.date | None:
        if not value:
            return None
        if not _ISO_DATE.fullmatch(value):
            raise Bad(f"since {show(value)} is not a date like 2024-07-31")
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            raise Bad(f"since {value} does not exist") from None
        latest = self.today + datetime.timedelta(days=SINCE_AHEAD)
        if not EARLIEST_DATE <= day <= latest:
            raise Bad(f"since {value} is not from {EARLIEST_DATE} to {latest}")
        return day

    def check(self, items: list) -> tuple[list, int]:
        changed, new = [], 0
        for username, first_name, last_name, email, mess_id, since in items:
            user = self.users.get(username)
            if user is None:
                new += 1
            elif (user.first_name, user.last_name, user.email, user.mess_id, user.is_student) == (
                first_name,
                last_name,
                email,
                mess_id,
                True,
            ) and since in (None, user.since):
                self.student_ids.append(user.id)
                continue
            changed.append((username, first_name, last_name, email, mess_id, since))
        self.changed += len(changed)
        return changed, new

    def write(self, batches) -> None:
        # Students are fewer than waste records or ratings: one transaction writes them all.
        with transaction.atomic():
            for batch in batches:
                self._write(batch)

    def _write(self, items: list) -> None:
        changed_users, places, new_people, since_of = [], {}, [], {}
        for username, first_name, last_name, email, mess_id, since in items:
            user = self.users.get(username)
            if user is None:
                new_people.append(Person(username, Role.STUDENT, mess_id, email, first_name, last_name, since=since or self.today))
                continue
            if since is not None and since != user.since:
                since_of.setdefault(since, []).append(user.id)
            if (user.first_name, user.last_name, user.email) != (first_name, last_name, email):
                changed_users.append(User(pk=user.id, first_name=first_name, last_name=last_name, email=email))
            if user.mess_id != mess_id or not user.is_student:
                places[user.id] = mess_id
            self.student_ids.append(user.id)
        User.objects.bulk_update(changed_users, ["first_name", "last_name", "email"])
        people_place(role=Role.STUDENT, messes=places)
        for since, user_ids in since_of.items():
            people_since(since=since, user_ids=user_ids)
        # New students have no usable password: they set one through an invitation or a reset.
        self.student_ids.extend(people_create(people=new_people).values())


SINCE_AHEAD = 366  # days ahead a student may be said to start eating at their mess (next term)
_ISO_DATE = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")

# Django's own username characters, ASCII only: MariaDB compares non-ASCII names loosely ("é" = "e"),
# which would merge users the file keeps apart.
USERNAME = re.compile("[A-Za-z0-9.@+_-]{1,150}")


_email_validator = EmailValidator()


def person_name(text: str) -> tuple[str, str]:
    try:
        name = typed_text(text)
    except ValueError as error:
        raise Bad(f"name {error}") from None
    if not name:
        raise Bad("name is missing")
    first_name, _, last_name = name.partition(" ")
    if len(first_name) > 150 or len(last_name) > 150:
        raise Bad("name is too long (at most 150 characters before and after the first space)")
    return first_name, last_name


def person_email(text: str) -> str:
    email = User.objects.normalize_email(text)
    if not email:
        raise Bad("email is missing")
    try:
        _email_validator(email)
    except ValidationError:
        raise Bad(f"email {show(email)} is not a valid e-mail address") from None
    if len(email) > 254:
        raise Bad("email is longer than 254 characters")
    return email
