"""Who can tell which student wrote which feedback. The officials read comments without names; a
feedback export gives each student a pseudonym (mess.feedback.feedback_export_rows), unless the
person exporting may see who wrote feedback (the mess.view_feedback_authors permission, given to a
person on purpose), and each export with names is logged (FeedbackNamedExport). After FEEDBACK_RETENTION_DAYS an entry is
linked to nobody (feedback_anonymise, the nightly anonymise_feedback job): its rating, comment and
dish votes stay for the figures."""

import datetime
from collections.abc import Collection, Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from mess.feedback import feedback_export_rows
from mess.models import VIEW_FEEDBACK_AUTHORS, Feedback, FeedbackNamedExport, Mess
from mess.text import plural

FEEDBACK_AUTHORS_PERMISSION = f"mess.{VIEW_FEEDBACK_AUTHORS}"
ANONYMISE_BATCH = 1000  # entries a single UPDATE of feedback_anonymise unlinks


def may_see_feedback_authors(user) -> bool:
    """Whether `user` may export feedback with the students' names (superusers may)."""
    return user.has_perm(FEEDBACK_AUTHORS_PERMISSION)


def feedback_named_export(
    *, user, start: datetime.date, end: datetime.date, mess: Mess | None = None, mess_ids: Collection[int] | None = None
) -> Iterable[tuple[str, ...]]:
    """The feedback export's rows with the students' usernames (mess.feedback.feedback_export_rows
    with `names`), as import_feedback takes them back, for a `user` who may see who wrote feedback
    (may_see_feedback_authors; anyone else gets PermissionDenied and nothing is logged). Entries
    already anonymised are left out: they belong to no student and no file can bring them back.
    Logs the export (FeedbackNamedExport: who, when, which mess and days, how many entries) before a
    row is handed out. `mess_ids` (with no `mess`) limits it to those messes (a group admin's)."""
    if not may_see_feedback_authors(user):
        raise PermissionDenied("Exporting feedback with the students' names needs the permission to see who wrote feedback.")
    mess_id = mess.pk if mess else None
    entries = Feedback.objects.filter(date__gte=start, date__lte=end, student__isnull=False)
    if mess_id is not None:
        entries = entries.filter(mess_id=mess_id)
    if mess_ids is not None:
        entries = entries.filter(mess_id__in=mess_ids)
    FeedbackNamedExport.objects.create(exported_by=user, mess=mess, start=start, end=end, rows=entries.count())
    return feedback_export_rows(start=start, end=end, mess_id=mess_id, mess_ids=mess_ids, names=True)


def feedback_retention_cutoff(*, today: datetime.date | None = None) -> datetime.date:
    """The first day whose feedback is still linked to its student: FEEDBACK_RETENTION_DAYS days
    before `today` (default: today, local time). Feedback of the days before it is anonymised."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=settings.FEEDBACK_RETENTION_DAYS)


def feedback_anonymise(*, batch_size: int | None = None) -> str:
    """Cuts the link between each feedback entry dated before feedback_retention_cutoff and the
    student who wrote it (student set to NULL), keeping its rating, category, comment, reply and dish
    votes, so every figure stays as it was. `batch_size` entries per UPDATE, each its own short
    transaction, so a large backlog never holds the database for long and an interrupted run keeps
    what it did. Running it again changes nothing more. Returns a one-line summary."""
    batch_size = ANONYMISE_BATCH if batch_size is None else batch_size
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, not {batch_size}")
    cutoff = feedback_retention_cutoff()
    linked = Feedback.objects.filter(date__lt=cutoff, student__isnull=False).order_by("pk")
    done = batches = 0
    while True:
        ids = list(linked.values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        # student__isnull again: an entry unlinked meanwhile by another run is not counted twice
        done += Feedback.objects.filter(pk__in=ids, student__isnull=False).update(student=None)
        batches += 1
        if len(ids) < batch_size:
            break
    return f"anonymised {plural(done, 'feedback entry', 'feedback entries')} dated before {cutoff} in {plural(batches, 'batch', 'batches')}"
