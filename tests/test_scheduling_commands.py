"""A job's command (scheduling.commands.JobCommand): a failed run exits non-zero from the shell, says
why without a traceback, and is in the run log. Each job's own command is tested with its feature."""

import pytest

from scheduling.models import JobRun
from tests.helpers import start


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_refused_command_exits_non_zero_from_the_shell_and_is_no_job_failure():
    process = start(["manage.py", "generate_alerts", "--mess", "nomess"])
    output = process.communicate(timeout=60)[0]
    assert process.returncode == 1
    assert "generate_alerts was not run: mess_code: no mess with code 'nomess'" in output and "Traceback" not in output
    assert not JobRun.objects.exists()
