"""The generate_alerts job: raises, updates and resolves high-waste and low-rating alerts."""

from django.db import transaction
from django.utils import timezone

from mess.models import Alert
from mess.selectors import alert_conditions, mess_code_check
from mess.text import plural

# What an open alert says, rewritten when its condition is seen again with other figures.
FIGURES = ["value", "threshold", "window_start", "window_end"]


@transaction.atomic
def alerts_generate(*, mess_code: str | None = None) -> str:
    """Brings the stored alerts of every mess (or of the one named) in line with its window ending
    today: a condition that holds keeps exactly one open alert, created the first time and updated
    (value, threshold, window, last seen) afterwards; an open alert whose condition no longer holds,
    or whose mess is inactive, is resolved. Running twice in a row creates and resolves nothing the
    second time. A constant number of queries whatever the number of messes and floors.
    Raises ValueError for an unknown mess code."""
    mess_code_check(mess_code=mess_code)
    now = timezone.now()
    messes, found = alert_conditions(as_of=timezone.localdate(now), mess_code=mess_code)

    open_alerts = Alert.objects.filter(is_open=True)
    if mess_code is not None:
        open_alerts = open_alerts.filter(mess__code=mess_code)
    existing = {(a.mess_id, a.kind, a.subject): a for a in open_alerts.select_for_update()}

    new, changed, unchanged = [], [], []
    for c in found:
        fields = {name: c[name] for name in FIGURES}
        alert = existing.pop((c["mess"].pk, c["kind"], c["subject"]), None)
        if alert is None:
            new.append(Alert(mess=c["mess"], kind=c["kind"], subject=c["subject"], first_seen_at=now, last_seen_at=now, **fields))
        elif all(getattr(alert, name) == value for name, value in fields.items()):
            unchanged.append(alert.pk)
        else:
            for name, value in fields.items():
                setattr(alert, name, value)
            alert.last_seen_at = now
            changed.append(alert)
    # Most hourly runs find most alerts as they were: one UPDATE marks them seen, and only the
    # ones whose figures moved are rewritten (bulk_update writes a CASE per field per row).
    if unchanged:
        Alert.objects.filter(pk__in=unchanged).update(last_seen_at=now)
    if changed:
        Alert.objects.bulk_update(changed, FIGURES + ["last_seen_at"])
    if new:
        # A concurrent run (the schedule and an admin's "run now") may have opened the same alert
        # a moment ago: the unique constraint keeps one, and this run leaves it be.
        Alert.objects.bulk_create(new, ignore_conflicts=True)
    resolved = 0
    if existing:
        resolved = Alert.objects.filter(pk__in=[a.pk for a in existing.values()], is_open=True).update(resolved_at=now, is_open=None)
    active = len(found)
    return f"{plural(active, 'active alert')} ({len(new)} new, {resolved} resolved) in {plural(len(messes), 'mess', 'messes')}"
