"""A job's command (scheduling.commands.JobCommand): its options are the job's parameters; it prints
the run's summary, and a run that failed, was skipped or was refused exits non-zero from the shell,
says why without a traceback, and is in the run log unless it was refused."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import CommandParser
from django.utils import timezone

from scheduling.commands import argument_type
from scheduling.models import JobLease, JobRun, Outcome
from scheduling.registry import date_value
from scheduling.tests import jobs
from scheduling.tests.helpers import jobs_commands_checked, start


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue().strip()


def test_every_job_is_a_management_command_of_its_app_with_help_and_an_option_for_each_parameter(capsys):
    jobs_commands_checked(capsys)


def test_the_options_are_the_jobs_parameters_a_switch_for_a_true_or_false_one(db):
    assert run("echo", "--word", "Noon", "--times", "2", "--loud", "--day", "2026-01-05") == "said NOON NOON of 2026-01-05"
    assert run("echo", word="noon", loud=True) == "said NOON"  # call_command's keywords are the options' names
    assert JobRun.objects.count() == 2 and jobs.SAID == ["NOON NOON", "NOON"]
    assert list(JobRun.objects.order_by("pk").values_list("arguments", flat=True)) == [
        {"word": "noon", "times": 2, "loud": True, "day": "2026-01-05"},
        {"word": "noon", "loud": True},
    ]
    with pytest.raises(CommandError, match="argument --loud: ignored explicit argument 'yes'"):
        call_command("echo", "--word", "noon", "--loud=yes")


def test_a_required_parameter_is_a_required_option_and_a_flag_may_have_another_name(db, admin_user):
    with pytest.raises(CommandError, match="the following arguments are required: --word"):
        call_command("echo")
    assert run("tick", "--user", admin_user.username) == f"ticked for {admin_user.username}"
    assert run("tick", user=admin_user.username) == f"ticked for {admin_user.username}"
    assert JobRun.objects.filter(job="tick").first().arguments == {"username": admin_user.username}
    assert not JobRun.objects.filter(job="echo").exists()


def test_a_command_refused_before_the_job_starts_exits_non_zero_and_is_no_failure(db):
    today = timezone.localdate()
    with pytest.raises(CommandError, match=f"echo was not run: day: {today + dt.timedelta(days=1)} is in the future") as refused:
        call_command("echo", "--word", "noon", "--day", (today + dt.timedelta(days=1)).isoformat())
    assert refused.value.returncode == 1
    with pytest.raises(CommandError, match="echo was not run: word: unknown word 'brunch'"):
        call_command("echo", "--word", "brunch")
    with pytest.raises(CommandError, match="echo was not run: day: not a date in the form YYYY-MM-DD: '2026-02-30'"):
        call_command("echo", "--word", "noon", "--day", "2026-02-30")
    assert not JobRun.objects.exists() and jobs.SAID == []
    call_command("echo", "--word", "noon", "--day", today.isoformat(), stdout=io.StringIO())
    assert JobRun.objects.get().outcome == Outcome.SUCCEEDED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_refused_command_exits_non_zero_from_the_shell_and_is_no_job_failure():
    process = start(["-m", "django", "tick", "--user", "nobody"])
    output = process.communicate(timeout=60)[0]
    assert process.returncode == 1
    assert "tick was not run: username: no user called 'nobody'" in output and "Traceback" not in output
    assert not JobRun.objects.exists()


def test_the_command_prints_the_summary_and_records_the_run(db, capsys):
    call_command("prune_job_runs")
    assert capsys.readouterr().out.strip() == "deleted 0 run-log entries older than 90 days"
    run = JobRun.objects.get()
    assert (run.job, run.trigger, run.outcome) == ("prune_job_runs", "command", "succeeded")


def test_the_command_exits_non_zero_when_the_job_fails(db):
    err = io.StringIO()
    with pytest.raises(CommandError, match="failed: RuntimeError: it fails, as it always does") as e:
        call_command("fail", stderr=err)
    assert e.value.returncode == 1
    assert JobRun.objects.get().outcome == Outcome.FAILED
    assert err.getvalue() == ""  # the traceback is in the run log, and on the terminal only with -v 2
    with pytest.raises(CommandError):
        call_command("fail", verbosity=2, stderr=err)
    assert "Traceback" in err.getvalue()


def test_the_command_exits_non_zero_when_the_job_is_already_running(db):
    JobLease.objects.create(job="prune_job_runs", expires_at=timezone.now() + dt.timedelta(minutes=5))
    with pytest.raises(CommandError, match="already running") as e:
        call_command("prune_job_runs")
    assert e.value.returncode == 3
    assert JobRun.objects.get().outcome == Outcome.SKIPPED


def test_an_option_that_is_no_parameter_takes_a_check_as_its_type_and_says_its_words():
    parser = CommandParser(called_from_command_line=False)
    parser.add_argument("--as-of", type=argument_type(date_value))
    assert parser.parse_args(["--as-of", "2026-03-01"]).as_of == dt.date(2026, 3, 1)
    with pytest.raises(CommandError, match="argument --as-of: not a date in the form YYYY-MM-DD: '2026-02-30'"):
        parser.parse_args(["--as-of", "2026-02-30"])
