"""Notifications: a meal's critical feedback, told to its mess's officials and the admins in the app
and by e-mail, each entry e-mailed once (the send_admin_notifications job); the officials' inbox,
and marking what they have read."""

import datetime
import time
from collections import defaultdict
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum
from django.utils import timezone

from mess.emails import Email, emails_send_once
from mess.feedback import CRITICAL_FEEDBACK
from mess.figures import average
from mess.meals import MAKE_UP_DAYS, day_check, meal_windows
from mess.models import Feedback, Meal, Mess, Notification
from mess.people import messes_recipients
from mess.summaries import SummaryFailed, summaries_enabled, summary_ask
from mess.text import plural
from mess.triage import critical_digest, theme_names

MAX_COMMENTS = 20


def _meals_covered(*, meal: str, date: datetime.date | None, now: datetime.datetime) -> list[tuple[datetime.date, str]]:
    """The (date, meal) pairs a run covers, in serving order: with a date, that date's `meal` and the
    meals served before it; without, today's `meal` and every meal whose window ended in the
    MAKE_UP_DAYS days up to `now`. Students may rate a meal until its day ends, after the meal's own
    run, and the cluster may have been down: the next runs pick up what came in late or was missed."""
    windows = meal_windows()
    order = [w.meal for w in windows] + [m for m in Meal.values if m not in {w.meal for w in windows}]
    if date is not None:
        return [(date, m) for m in order[: order.index(meal) + 1]]
    today = timezone.localdate(now)
    pairs = {(today, meal)}
    for back in range(MAKE_UP_DAYS, -1, -1):
        day = today - datetime.timedelta(days=back)
        for w in windows:
            ends = timezone.make_aware(datetime.datetime.combine(day, w.ends_at))
            if now - datetime.timedelta(days=MAKE_UP_DAYS) < ends <= now:
                pairs.add((day, w.meal))
    return sorted(pairs, key=lambda p: (p[0], order.index(p[1])))


def notifications_send(*, meal: str, date: datetime.date | None = None) -> str:
    """For every active mess and every (date, meal) the run covers (see `_meals_covered`), keeps one
    Notification of the meal's critical feedback (see mess.triage): how many, the meal's average
    rating, its digest (the complaint themes with their counts and an example each), the newest 20
    comments with why each is critical, and, when a language model is configured, a summary made
    once, just before the notification is first e-mailed (see `_summaries_make`). The critical entries
    not e-mailed before go to the mess's officials and the admins in one e-mail per mess, date and
    meal; an entry is marked as e-mailed only once its e-mail has been sent, so a failed send
    raises, marks nothing and is retried by the next run, and no entry is ever e-mailed twice by
    runs one after another. A constant number of queries whatever the number of messes.
    Raises ValueError for an unknown meal, or a date after today or before EARLIEST_DATE."""
    if meal not in Meal.values:
        raise ValueError(f"unknown meal {meal!r}; the meals are: {', '.join(Meal.values)}")
    now = timezone.now()
    if date is not None:
        day_check(date, latest=timezone.localdate(now))
    covered = _meals_covered(meal=meal, date=date, now=now)
    in_covered = reduce(or_, (Q(date=d, meal=m) for d, m in covered))

    active = Feedback.objects.filter(in_covered, mess__is_active=True)
    critical = defaultdict(list)
    for entry in active.filter(CRITICAL_FEEDBACK).select_related("mess").order_by("-created_at", "-id"):
        critical[entry.mess_id, entry.date, entry.meal].append(entry)
    if not critical:
        return f"no critical feedback; covered {_covered_text(covered)}"
    ratings = {
        (r["mess_id"], r["date"], r["meal"]): (r["total"], r["n"])
        for r in active.values("mess_id", "date", "meal").annotate(total=Sum("rating"), n=Count("id")).order_by()
    }
    stored = {(n.mess_id, n.date, n.meal): n for n in Notification.objects.filter(in_covered, mess_id__in={k[0] for k in critical})}
    names = theme_names()

    new, changed, to_email = [], [], []
    # By mess, then in serving order: the e-mails go out in an order a reader (and a test) can follow.
    for key, entries in sorted(critical.items(), key=lambda kv: (kv[1][0].mess.code, covered.index(kv[0][1:]))):
        total, n = ratings[key]
        fields = {
            "critical_count": len(entries),
            "average_rating": average(total, n),
            "comments": [{"text": e.comment, "why": e.critical_why} for e in entries if e.comment][:MAX_COMMENTS],
            "digest": critical_digest(entries=entries, theme_names=names),
        }
        notification = stored.get(key)
        if notification is None:
            notification = Notification(mess=entries[0].mess, date=key[1], meal=key[2], **fields)
            new.append(notification)
        elif any(getattr(notification, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(notification, name, value)
            # What changed is news: it shows as unread again.
            notification.updated_at, notification.read_at = now, None
            changed.append(notification)
        unsent = [e for e in entries if e.notified_at is None]
        if unsent:
            to_email.append((notification, unsent))
    summarised = _summaries_make(notifications=[n for n, _ in to_email if not n.summary])
    summarised_only = [n for n in summarised if n.pk is not None and n not in changed]  # stored and otherwise unchanged
    Notification.objects.bulk_create(new)
    Notification.objects.bulk_update(
        changed, ["critical_count", "average_rating", "comments", "digest", "summary", "updated_at", "read_at"]
    )
    Notification.objects.bulk_update(summarised_only, ["summary"])

    sent_entries, emails = _notifications_email(to_email=to_email, now=now, theme_names=names)
    return (
        f"{plural(len(critical), 'notification')} ({len(new)} new, {len(changed)} updated), "
        f"{plural(sent_entries, 'critical entry', 'critical entries')} e-mailed in {plural(emails, 'e-mail')}; "
        f"covered {_covered_text(covered)}{_summaries_text(summarised)}"
    )


def _summaries_make(*, notifications: list[Notification]) -> list[Notification]:
    """Asks the language model, when one is configured, for a summary of each notification's comments
    (their text only), each call within LLM_TIMEOUT and all of them within LLM_RUN_SECONDS, so that a
    slow model never holds the e-mails up for long. A notification the model failed keeps no summary
    and its reason (`summary_failure`, for the run log); it goes out with its digest alone. Returns
    the notifications it asked about."""
    if not summaries_enabled():
        return []
    deadline = time.monotonic() + settings.LLM_RUN_SECONDS
    asked = []
    for notification in notifications:
        texts = [c["text"] for c in notification.comments]
        if not texts:
            continue
        left = deadline - time.monotonic()
        notification.summary_failure = None
        if left <= 0:
            notification.summary_failure = f"no time left of the run's {settings.LLM_RUN_SECONDS:g} s"
        else:
            try:
                notification.summary = summary_ask(comments=texts, timeout=min(settings.LLM_TIMEOUT, left))
            except SummaryFailed as failed:
                notification.summary_failure = str(failed)
        asked.append(notification)
    return asked


def _summaries_text(asked: list[Notification]) -> str:
    if not asked:
        return ""
    failures = [n.summary_failure for n in asked if n.summary_failure]
    text = f"; {plural(len(asked) - len(failures), 'summary', 'summaries')} by the language model"
    if failures:
        text += f", {len(failures)} failed ({'; '.join(sorted(set(failures)))})"
    return text


def _notifications_email(
    *, to_email: list[tuple[Notification, list[Feedback]]], now: datetime.datetime, theme_names: dict[str, str]
) -> tuple[int, int]:
    """E-mails each notification's unsent entries to its mess's officials and the admins, each entry
    at most once (see emails_send_once), opening with the notification's summary, if any, and the
    digest of those entries. Returns how many entries went out, in how many e-mails."""
    recipients = messes_recipients(mess_ids=sorted({n.mess_id for n, _ in to_email})) if to_email else {}
    outgoing = [
        (
            Email(
                "notification",
                _email_context(n, entries, theme_names),
                recipients[n.mess_id],
            ),
            entries,
        )
        for n, entries in to_email
        if recipients[n.mess_id]
    ]

    def claim(groups: list[list[Feedback]]) -> None:
        Feedback.objects.filter(pk__in=[e.pk for entries in groups for e in entries], notified_at=None).update(notified_at=now)

    def unclaim(groups: list[list[Feedback]]) -> None:
        Feedback.objects.filter(pk__in=[e.pk for entries in groups for e in entries], notified_at=now).update(notified_at=None)

    sent = emails_send_once(emails=outgoing, claim=claim, unclaim=unclaim)
    return sum(len(entries) for entries in sent), len(sent)


def _email_context(notification: Notification, entries: list[Feedback], theme_names: dict[str, str]) -> dict:
    digest = critical_digest(entries=entries, theme_names=theme_names)
    examples = {theme["entry"] for theme in digest["themes"]}
    return {
        "notification": notification,
        "mess": entries[0].mess,
        "entries": entries,
        "digest": digest,
        "rest": [e for e in entries if e.pk not in examples],
    }


def _covered_text(covered: list[tuple[datetime.date, str]]) -> str:
    (first_date, first_meal), (last_date, last_meal) = covered[0], covered[-1]
    if len(covered) == 1:
        return f"{first_date} {first_meal}"
    return f"{first_date} {first_meal} to {last_date} {last_meal} ({len(covered)} meals)"


def mess_for_dashboard(*, code: str) -> Mess:
    """The mess with this code, with `unread_notifications` counted. Raises Mess.DoesNotExist."""
    return Mess.objects.annotate(unread_notifications=Count("notifications", filter=Q(notifications__read_at__isnull=True))).get(code=code)


def notifications_inbox(*, mess: Mess, since: datetime.date, limit: int = 10) -> list[Notification]:
    """The notifications of `mess` dated `since` or later: unread first, then newest day first. One
    query; the date bound keeps it from sorting the mess's whole history."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return list(Notification.objects.filter(mess=mess, date__gte=since).order_by(unread.desc(), "-date", "-updated_at")[:limit])


def notification_mark_read(*, mess: Mess, notification_id: int) -> bool:
    """Marks one notification of `mess` as read; True if it was unread. Raises
    Notification.DoesNotExist when `mess` has no such notification."""
    marked = Notification.objects.filter(pk=notification_id, mess=mess, read_at__isnull=True).update(read_at=timezone.now())
    if not marked and not Notification.objects.filter(pk=notification_id, mess=mess).exists():
        raise Notification.DoesNotExist(f"{mess.code} has no notification {notification_id}")
    return bool(marked)


def notifications_mark_all_read(*, mess: Mess) -> int:
    """Marks every unread notification of `mess` as read; returns how many there were."""
    return Notification.objects.filter(mess=mess, read_at__isnull=True).update(read_at=timezone.now())
