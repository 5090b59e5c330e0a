"""The watchers: the people told of the jobs' problems, once when a schedule starts failing, once
when it recovers, and once when a cluster finds schedules late. Scheduling knows no people: the app
that does registers where their addresses come from, in its jobs.py, with `watchers_register`. An
e-mail that cannot be sent is logged and changes nothing else: the run log and the dashboards still
show the problem."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_q.tasks import async_task

from scheduling.models import JobRun, Outcome

logger = logging.getLogger(__name__)

# Where the watchers' addresses come from: each a function returning a list of e-mail addresses.
WATCHERS: list[Callable[[], list[str]]] = []


def watchers_register(emails: Callable[[], list[str]]) -> None:
    """Adds a source of e-mail addresses of the people told of the jobs' problems."""
    if emails not in WATCHERS:
        WATCHERS.append(emails)


def watchers_emails() -> list[str]:
    """Every watcher's address, once, sorted."""
    return sorted({address for source in WATCHERS for address in source()})


def _recipients(subject: str) -> list[str]:
    to = watchers_emails()
    if not to:
        logger.warning("nobody to tell (no watcher has an e-mail address): %s", subject)
    return to


def watchers_mail(subject: str, body: str) -> bool:
    """E-mails the watchers now. Never raises: a mail server that fails or does not answer (within
    EMAIL_TIMEOUT) is logged. Returns whether the e-mail went out."""
    try:
        to = _recipients(subject)
        if not to:
            return False
        send_mail(f"{settings.EMAIL_SUBJECT_PREFIX}{subject}", body, None, to)
    except Exception:
        logger.exception("could not e-mail the watchers: %s", subject)
        return False
    return True


def _tell(*, subject: str, body: str, via_cluster: bool = False) -> bool:
    """E-mails the watchers, now, or through the cluster's workers with `via_cluster` (the scheduler
    must not wait on a mail server: the due schedules and its heartbeat wait for it)."""
    if not via_cluster:
        return watchers_mail(subject, body)
    try:
        if not _recipients(subject):  # nothing to hand over
            return False
        async_task("scheduling.watchers.watchers_mail", subject, body)
    except Exception:
        logger.exception("could not hand the watchers' e-mail to the cluster: %s", subject)
        return False
    return True


def schedule_outcome_tell(*, run: JobRun, via_cluster: bool = False) -> bool:
    """After a finished run started by a schedule: tells the watchers if it is the first failure
    after a success (or the schedule's first run), or the first success after a failure. Runs that
    were skipped (another run held the job) change nothing. Returns whether an e-mail went out."""
    if run.schedule_id is None or run.outcome not in (Outcome.FAILED, Outcome.SUCCEEDED):
        return False
    before = (
        JobRun.objects.filter(schedule_id=run.schedule_id, outcome__in=[Outcome.FAILED, Outcome.SUCCEEDED], started_at__lte=run.started_at)
        .exclude(pk=run.pk)
        .order_by("-started_at", "-pk")
        .values_list("outcome", flat=True)
        .first()
    )
    name = run.schedule.name if run.schedule else f"schedule {run.schedule_id}"
    when = timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M")
    if run.outcome == Outcome.FAILED and before != Outcome.FAILED:
        return _tell(
            via_cluster=via_cluster,
            subject=f"{name} failed",
            body=(
                f"The schedule {name} (job {run.job}) failed at {when}:\n\n{run.summary}\n\n{_parts_failed_text(run)}"
                f"Its run log entry is {settings.SITE_URL}/admin/scheduling/jobrun/{run.pk}/change/\n"
                "You hear of it once: the next e-mail says when it works again."
            ),
        )
    if run.outcome == Outcome.SUCCEEDED and before == Outcome.FAILED:
        return _tell(
            via_cluster=via_cluster,
            subject=f"{name} works again",
            body=f"The schedule {name} (job {run.job}) succeeded at {when}, after failing:\n\n{run.summary}\n",
        )
    return False


def _parts_failed_text(run: JobRun) -> str:
    """The failed parts of a run in parts, one a line with its error; the others were done."""
    failed = list(run.parts.filter(outcome=Outcome.FAILED).order_by("pk").values_list("label", "summary"))
    if not failed:
        return ""
    lines = "\n".join(f"- {label}: {summary}" for label, summary in failed)
    return f"These parts failed; the other {run.parts.count() - len(failed)} were done:\n{lines}\n\n"


def schedules_late_tell(*, late: list[tuple[str, object]], via_cluster: bool = False) -> bool:
    """A live cluster found these schedules (name, due time) past their time by more than the grace
    period, and has queued them now: one e-mail for all of them."""
    if not late:
        return False
    lines = "\n".join(f"- {name}, due at {timezone.localtime(due):%Y-%m-%d %H:%M}" for name, due in late)
    return _tell(
        via_cluster=via_cluster,
        subject=f"{len(late)} schedule{'s' if len(late) != 1 else ''} ran late",
        body=(
            "A cluster found these schedules late, most likely because no cluster was running, and has started them now:\n\n"
            f"{lines}\n\nThe jobs make up the days they missed themselves. If no cluster was stopped on purpose, see why it stopped."
        ),
    )
