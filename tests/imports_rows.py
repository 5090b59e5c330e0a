"""What the import tests share: the files' headers, running a command on a file, and the rows stored."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from mess.models import WasteRecord

User = get_user_model()

WASTE_HEADER = "date,mess,floor,meal,total_kg,diners\n"
FEEDBACK_HEADER = "date,mess,meal,student,rating,comment,category\n"
STUDENTS_HEADER = "username,name,email,mess\n"


def run(command: str, text: str | bytes, tmp_path) -> tuple[str, str]:
    """Runs `command` on a file holding `text`; returns its standard output and error."""
    path = tmp_path / "import.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    out, err = io.StringIO(), io.StringIO()
    call_command(command, str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rejected(command: str, text: str | bytes, tmp_path) -> list[str]:
    """Runs `command` on `text`, expecting it to fail; returns the lines it wrote to standard error."""
    path = tmp_path / "import.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command(command, str(path), stdout=io.StringIO(), stderr=err)
    return err.getvalue().splitlines()


def waste_rows() -> list[tuple]:
    return list(
        WasteRecord.objects.order_by("floor__name", "date", "meal").values_list("floor__name", "date", "meal", "total_kg", "diners")
    )


GOOD_WASTE = "2024-07-01,mess1,Ground,lunch,2.5,100"
GOOD_FEEDBACK = "2024-07-01,mess1,lunch,alice,4,,"
GOOD_STUDENT = "s010,Asha Rao,asha@example.org,mess1"
