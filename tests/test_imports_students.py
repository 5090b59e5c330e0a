"""The students file's `since` column: the first day a student eats at their mess, which the head
counts count them from, so that a history can be loaded."""

import datetime
import io

import pytest
import time_machine

from mess.imports.reader import ImportRejected
from mess.imports.students import students_import
from mess.models import Profile

TODAY = datetime.date(2026, 3, 10)
NOW = datetime.datetime(2026, 3, 10, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)))


def _file(*rows: str, header: str = "username,name,email,mess,since") -> io.StringIO:
    return io.StringIO(header + "\n" + "".join(f"{row}\n" for row in rows))


def since_of(username: str) -> datetime.date | None:
    return Profile.objects.get(user__username=username).since


@time_machine.travel(NOW, tick=False)
def test_a_student_eats_at_their_mess_from_the_day_the_file_says_or_from_today(mess1):
    students_import(file=_file("ravi,Ravi K,ravi@example.org,mess1,2025-07-21", "sita,Sita R,sita@example.org,mess1,"))

    assert (since_of("ravi"), since_of("sita")) == (datetime.date(2025, 7, 21), TODAY)


@time_machine.travel(NOW, tick=False)
def test_an_existing_student_keeps_their_day_unless_the_file_gives_another(mess1):
    students_import(file=_file("ravi,Ravi K,ravi@example.org,mess1,2025-07-21"))

    same = students_import(file=_file("ravi,Ravi K,ravi@example.org,mess1", header="username,name,email,mess"))
    moved = students_import(file=_file("ravi,Ravi K,ravi@example.org,mess1,2025-08-01"))

    assert str(same) == "imported 1 students (0 new, 0 updated, 1 unchanged)"
    assert str(moved) == "imported 1 students (0 new, 1 updated, 0 unchanged)"
    assert since_of("ravi") == datetime.date(2025, 8, 1)


@time_machine.travel(NOW, tick=False)
def test_a_day_that_is_not_one_is_a_bad_row(mess1):
    with pytest.raises(ImportRejected) as rejected:
        students_import(file=_file("ravi,Ravi K,ravi@example.org,mess1,21/07/2025", "sita,Sita R,sita@example.org,mess1,2099-01-01"))

    assert rejected.value.errors == [
        "line 2: since '21/07/2025' is not a date like 2024-07-31",
        "line 3: since 2099-01-01 is not from 2000-01-01 to 2027-03-11",
    ]
    assert not Profile.objects.exists()
