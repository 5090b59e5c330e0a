"""The officials file: `username,name,email,messes`, one official per username, the messes they serve
as codes separated by `;` (mess/scopes.py)."""

from collections.abc import Callable
from typing import IO, NamedTuple

from django.contrib.auth import get_user_model
from django.db import transaction

from mess.imports.problems import Problems
from mess.imports.reader import Bad, ImportResult, import_file, messes, show
from mess.imports.students import PeopleFile, invitations_send, person_email, person_name
from mess.models import Profile, Role
from mess.people import Person, people_create, people_place
from mess.scopes import officials_serve

User = get_user_model()


def officials_import(*, file: IO, progress: Callable[[int], None] | None = None, invite: bool = False) -> ImportResult:
    """Imports `username,name,email,messes` rows: creates each new user as an official (the "Mess
    officials" group) serving the messes named, with no usable password (they set one through an
    invitation or "Forgot your password?"), and updates an existing official's name, e-mail and
    messes (exactly those of the file: a mess left out is no longer theirs). Usernames are matched
    exactly; one that differs only in case from an existing user, or names a student or an admin, is
    a bad row, as is an unknown or missing mess. All or nothing: raises ImportRejected, listing every
    problem of every bad row, and writes nothing if any row is bad. `file` and `progress` as for
    students_import.

    With `invite`, once the file is imported, each official of the file who cannot log in yet and
    was never invited gets an invitation (see people_invite)."""
    spec = _OfficialsImport()
    result = import_file(spec, file=file, progress=progress)
    return invitations_send(result=result, user_ids=spec.official_ids) if invite else result


class _User(NamedTuple):
    id: int
    first_name: str
    last_name: str
    email: str
    messes: frozenset[int]
    is_official: bool
    is_refused: bool  # a student or an admin: never made an official by a file


class _OfficialsImport(PeopleFile):
    what = "officials"
    columns = ("username", "name", "email", "messes")
    required = columns
    not_theirs = "an existing student or admin, not an official"

    def __init__(self):
        super().__init__()
        self.official_ids: list[int] = []  # of every official of the file, once written

    def load(self) -> None:
        self.codes, _ = messes()
        students, officials, admin_ids = self.roles()
        refused = students - officials | admin_ids
        served: dict[int, set[int]] = {}
        for user_id, mess_id in Profile.messes_served.through.objects.values_list("profile__user_id", "mess_id"):
            served.setdefault(user_id, set()).add(mess_id)
        self.users, self.lowered = {}, {}
        for pk, username, first_name, last_name, email in User.objects.values_list("id", "username", "first_name", "last_name", "email"):
            mine = frozenset(served.get(pk, ()))
            self.users[username] = _User(pk, first_name, last_name, email, mine, pk in officials, pk in refused)
            self.lowered[username.lower()] = username

    def parse(self, fields: dict[str, str]) -> tuple:
        row = Problems()
        username = row.take(self._username, fields["username"])
        first_name, last_name = row.take(person_name, fields["name"]) or (None, None)
        email = row.take(person_email, fields["email"])
        mess_ids = row.take(self._messes, fields["messes"])
        row.done()
        return username.lower(), (username, first_name, last_name, email, mess_ids)

    def _messes(self, value: str) -> frozenset[int]:
        codes = [code.strip() for code in value.split(";") if code.strip()]
        if not codes:
            raise Bad("messes is missing (mess codes separated by ;)")
        unknown = [code for code in codes if code not in self.codes]
        if unknown:
            raise Bad(f"unknown mess {', '.join(show(code) for code in unknown)}")
        return frozenset(self.codes[code] for code in codes)

    def check(self, items: list) -> tuple[list, int]:
        changed, new = [], 0
        for username, first_name, last_name, email, mess_ids in items:
            user = self.users.get(username)
            if user is None:
                new += 1
            elif (user.first_name, user.last_name, user.email, user.messes, user.is_official) == (
                first_name,
                last_name,
                email,
                mess_ids,
                True,
            ):
                self.official_ids.append(user.id)
                continue
            changed.append((username, first_name, last_name, email, mess_ids))
        self.changed += len(changed)
        return changed, new

    def write(self, batches) -> None:
        # Officials are few: one transaction writes them all.
        with transaction.atomic():
            for batch in batches:
                self._write(batch)

    def _write(self, items: list) -> None:
        changed_users, places, new_people, serving = [], {}, [], {}
        for username, first_name, last_name, email, mess_ids in items:
            user = self.users.get(username)
            first = min(mess_ids)
            if user is None:
                new_people.append(Person(username, Role.OFFICIAL, first, email, first_name, last_name))
                serving[username] = mess_ids
                continue
            if (user.first_name, user.last_name, user.email) != (first_name, last_name, email):
                changed_users.append(User(pk=user.id, first_name=first_name, last_name=last_name, email=email))
            if not user.is_official:
                places[user.id] = first
            serving[username] = mess_ids
        User.objects.bulk_update(changed_users, ["first_name", "last_name", "email"])
        people_place(role=Role.OFFICIAL, messes=places)
        # New officials have no usable password: they set one through an invitation or a reset.
        ids = {username: self.users[username].id for username in serving if username in self.users}
        ids |= people_create(people=new_people)
        officials_serve(messes={ids[username]: mess_ids for username, mess_ids in serving.items()})
        self.official_ids.extend(ids.values())
