"""Notifications: a meal's critical feedback, told to its mess's officials and the admins in the app
and by e-mail, each entry in one e-mail, never lost (the send_admin_notifications job); the
officials' inbox, paged, each notification's page of all its comments, and marking what they have
read."""

import datetime
import logging
import time
from collections import defaultdict
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Case, Count, ExpressionWrapper, Q, Sum, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.text import get_text_list
from django.utils.translation import gettext

from mess.email_choices import EMAILS_CRITICAL
from mess.emails import Delivery, Email, earlier_text, emails_check, emails_deliver, emails_store, emails_unsent
from mess.figures import average
from mess.meals import MAKE_UP_DAYS, day_check, messes_of_meal, serving_order, windows_read
from mess.models import Feedback, Meal, MealWindow, Mess, MessageKind, Notification, OutgoingEmail
from mess.people import messes_recipients
from mess.summaries import SummaryFailed, summaries_enabled, summary_ask
from mess.text import plural
from mess.triage import CRITICAL_FEEDBACK, critical_digest, theme_names

logger = logging.getLogger(__name__)

MAX_COMMENTS = 20
INBOX_PAGE = 10  # notifications to a page of the inbox
NOTIFICATION_COMMENTS_PAGE = 50  # comments to a page of one notification's own page


def _meals_covered(
    *, meal: str, date: datetime.date | None, now: datetime.datetime, windows: list[MealWindow], served_now: bool = False
) -> list[tuple[datetime.date, str]]:
    """The (date, meal) pairs a run covers, in serving order: with a date, that date's `meal` and the
    meals served before it; without, today's `meal` and every meal whose window ended in the
    MAKE_UP_DAYS days up to `now`. Students may rate a meal until its day ends, after the meal's own
    run, and the cluster may have been down: the next runs pick up what came in late or was missed.
    A meal of today is covered once its window has ended, unless `served_now`: then the comments
    written after this run go out with the meal's own run, in a second e-mail. `windows`: those of
    the mess whose meals these are."""
    order = [w.meal for w in windows] + [m for m in Meal.values if m not in {w.meal for w in windows}]
    ends = {w.meal: w.ends_at for w in windows}
    today = timezone.localdate(now)

    def over(day: datetime.date, m: str) -> bool:
        return served_now or day < today or m not in ends or timezone.localtime(now).time() >= ends[m]

    if date is not None:
        return [(date, m) for m in order[: order.index(meal) + 1] if over(date, m)]
    pairs = {(today, meal)} if over(today, meal) else set()
    for back in range(MAKE_UP_DAYS, -1, -1):
        day = today - datetime.timedelta(days=back)
        for w in windows:
            ends = timezone.make_aware(datetime.datetime.combine(day, w.ends_at))
            if now - datetime.timedelta(days=MAKE_UP_DAYS) < ends <= now:
                pairs.add((day, w.meal))
    return sorted(pairs, key=lambda p: (p[0], order.index(p[1])))


def notifications_parts(kwargs: dict) -> list[tuple[str, str]]:
    """The parts of a send_admin_notifications run (see scheduling.parts): each active mess whose
    `meal` window ends at `ends_at` when given (the run scheduled at that time), as (code, name)."""
    return messes_of_meal(meal=kwargs["meal"], ends_at=kwargs.get("ends_at"))


def _covered_by_mess(
    *,
    meal: str,
    date: datetime.date | None,
    now: datetime.datetime,
    served_now: bool,
    ends_at: datetime.time | None,
    mess: str | None = None,
) -> tuple[Q | bool | None, list[tuple[datetime.date, str]]]:
    """Which feedback a run covers: a query of each active mess's (date, meal) pairs (see
    `_meals_covered`, by the mess's own windows), only of the messes whose `meal` window ends at
    `ends_at` when given (False: no mess's does), and every pair covered, by date then serving
    order; only of the mess whose code is `mess`, when given. Two queries."""
    windows = windows_read()
    messes = defaultdict(list)  # messes with the same windows cover the same meals
    active = Mess.objects.filter(is_active=True) if mess is None else Mess.objects.filter(is_active=True, code=mess)
    for mess_id in active.order_by("pk").values_list("pk", flat=True):
        window = windows.window(mess_id, meal)
        if ends_at is None or (window is not None and window.ends_at == ends_at):
            messes[tuple(windows.of(mess_id))].append(mess_id)
    if not messes:
        if ends_at is not None:
            return False, []
        messes[tuple(windows.of(None))] = []  # no active mess: what the default windows cover, for the summary
    query, every = None, set()
    for mess_windows, mess_ids in messes.items():
        covered = _meals_covered(meal=meal, date=date, now=now, windows=list(mess_windows), served_now=served_now)
        if covered:
            every.update(covered)
            pairs = Q(mess_id__in=mess_ids) & reduce(or_, (Q(date=d, meal=m) for d, m in covered))
            query = pairs if query is None else query | pairs
    return query, sorted(every, key=lambda p: (p[0], Meal.values.index(p[1])))


def notifications_send(
    *,
    meal: str,
    date: datetime.date | None = None,
    served_now: bool = False,
    ends_at: datetime.time | None = None,
    mess: str | None = None,
) -> str:
    """For every active mess, or only the one whose code is `mess` (a part of a run the cluster
    fans out, see `notifications_parts`), (only those whose `meal` window ends at `ends_at`, when
    given: the run scheduled at that time) and every (date, meal) the run covers at that mess (see
    `_meals_covered`, by the mess's own windows or the defaults), keeps one
    Notification of the meal's critical feedback (see mess.triage): how many, the meal's average
    rating, its digest (the complaint themes with their counts and an example each), the newest 20
    comments with why each is critical, and, when a language model is configured, a summary made
    once, just before the notification is first e-mailed (see `_summaries_make`).

    The critical entries in no e-mail yet go to the mess's officials and the admins in one e-mail
    per mess, listing each date and meal it covers (after downtime, one e-mail of the meals missed,
    not one per meal). E-mails are never lost, and sent twice only as the same message (see
    mess.emails): each is stored with its entries before it is sent, and an entry is marked as
    e-mailed once the mail server has accepted it. A run first sends, as they were stored, the
    e-mails earlier runs did not get out, then the new ones; an e-mail that fails does not stop the
    others, and the run raises EmailsFailed at its end, leaving it to the next run.
    A meal of today is notified once it is over (the comments of a meal still being served would
    come after its e-mail), unless `served_now` (an operator's --now).
    A constant number of queries whatever the number of messes, besides a few per e-mail sent.
    Raises ValueError for an unknown meal, or a date after today or before EARLIEST_DATE."""
    if meal not in Meal.values:
        raise ValueError(f"unknown meal {meal!r}; the meals are: {', '.join(Meal.values)}")
    now = timezone.now()
    if date is not None:
        day_check(date, latest=timezone.localdate(now))
    earlier = emails_deliver(emails=emails_unsent(kind="notification"), mark_sent=_entries_mark_sent)
    in_covered, covered = _covered_by_mess(meal=meal, date=date, now=now, served_now=served_now, ends_at=ends_at, mess=mess)
    if not covered:
        emails_check(earlier)
        if in_covered is False:
            return f"{earlier_text(earlier)}no active mess's {meal} ends at {ends_at:%H:%M}"
        return f"{earlier_text(earlier)}no meal of those is over yet: {meal} of {date or timezone.localdate(now)} is still being served"

    active = Feedback.objects.filter(in_covered, mess__is_active=True)
    critical = defaultdict(list)
    for entry in active.filter(CRITICAL_FEEDBACK).select_related("mess").order_by("-created_at", "-id"):
        critical[entry.mess_id, entry.date, entry.meal].append(entry)
    if not critical:
        emails_check(earlier)
        return f"{earlier_text(earlier)}no critical feedback; covered {_covered_text(covered)}"
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
        unsent = [e for e in entries if e.notified_at is None and e.email_id is None]
        if unsent:
            to_email.append((notification, unsent))
    summarised = _summaries_make(notifications=[n for n, _ in to_email if not n.summary])
    summarised_only = [n for n in summarised if n.pk is not None and n not in changed]  # stored and otherwise unchanged
    Notification.objects.bulk_create(new)
    Notification.objects.bulk_update(
        changed, ["critical_count", "average_rating", "comments", "digest", "summary", "updated_at", "read_at"]
    )
    Notification.objects.bulk_update(summarised_only, ["summary"])

    sent_entries, delivery = _notifications_email(to_email=to_email, theme_names=names)
    emails_check(earlier, delivery)
    return (
        f"{earlier_text(earlier)}{plural(len(critical), 'notification')} ({len(new)} new, {len(changed)} updated), "
        f"{plural(sent_entries, 'critical entry', 'critical entries')} e-mailed in {plural(len(delivery.sent), 'e-mail')}; "
        f"covered {_covered_text(covered)}{_summaries_text(summarised)}"
    )


def _summaries_make(*, notifications: list[Notification]) -> list[Notification]:
    """Asks the language model, when one is configured, for a summary of each notification's comments
    (their text only), each call ending within LLM_TIMEOUT and all of them within LLM_RUN_SECONDS of
    wall-clock time, whatever the model's server does, so that a slow model never holds the e-mails
    up for long. A notification the model failed, whatever it answered, keeps no summary and its
    reason (`summary_failure`, for the run log); it goes out with its digest alone. Returns the
    notifications it asked about."""
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
            except Exception as error:
                # The summary is optional and the model a stranger: no answer of its may keep the
                # officials from the digest. What summary_ask did not foresee is logged in full.
                logger.exception("the language model's summary failed unexpectedly")
                notification.summary_failure = f"the summary failed unexpectedly ({type(error).__name__})"
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


def _notifications_email(*, to_email: list[tuple[Notification, list[Feedback]]], theme_names: dict[str, str]) -> tuple[int, Delivery]:
    """E-mails the notifications' entries in no e-mail yet to each mess's officials and the admins,
    in one e-mail per mess: for each date and meal, in serving order, the notification's summary, if
    any, and the digest of those entries. Stores the e-mails with their entries linked (see
    mess.emails), then sends them. Returns how many entries the mail server accepted, and the
    delivery."""
    recipients = messes_recipients(mess_ids=sorted({n.mess_id for n, _ in to_email}), about=EMAILS_CRITICAL) if to_email else {}
    by_mess = defaultdict(list)
    for notification, entries in to_email:  # by mess, then in serving order
        if recipients[notification.mess_id]:
            by_mess[notification.mess_id].append((notification, entries))
    outgoing = [
        (Email("notification", _email_context(sections, theme_names), recipients[mess_id]), [e for _, es in sections for e in es])
        for mess_id, sections in by_mess.items()
    ]

    def link(stored: list[tuple[OutgoingEmail, list[Feedback]]]) -> None:
        if stored:
            Feedback.objects.filter(pk__in=[e.pk for _, entries in stored for e in entries], email=None).update(
                email=Case(*(When(pk__in=[e.pk for e in entries], then=Value(email.pk)) for email, entries in stored))
            )

    stored = emails_store(emails=outgoing, link=link, also_as=MessageKind.CRITICAL)
    delivery = emails_deliver(emails=stored, mark_sent=_entries_mark_sent)
    sent = {email.pk for email in delivery.sent}
    return sum(len(entries) for email, (_, entries) in zip(stored, outgoing, strict=True) if email.pk in sent), delivery


def _entries_mark_sent(email: OutgoingEmail, sent_at: datetime.datetime) -> None:
    Feedback.objects.filter(email=email).update(notified_at=sent_at)


def _email_context(sections: list[tuple[Notification, list[Feedback]]], theme_names: dict[str, str]) -> dict:
    """One e-mail's context: its mess, how many entries, the dates and meals it covers in words, and
    a section per notification with its entries' digest and the entries the digest does not show."""
    parts = []
    for notification, entries in sections:
        digest = critical_digest(entries=entries, theme_names=theme_names)
        examples = {theme["entry"] for theme in digest["themes"]}
        parts.append(
            {
                "notification": notification,
                "entries": entries,
                "digest": digest,
                "rest": [e for e in entries if e.pk not in examples],
            }
        )
    return {
        "mess": sections[0][1][0].mess,
        "count": sum(len(entries) for _, entries in sections),
        "meals": lazy(_meals_text, str)([(n.date, n.meal) for n, _ in sections]),
        "sections": parts,
    }


def _meals_text(meals: list[tuple[datetime.date, str]]) -> str:
    """'lunch, Tue 10 Mar 2026'; 'dinner, Sun 8 Mar; breakfast and lunch, Mon 9 Mar 2026': the meals
    (date, meal) an e-mail covers, by date, in the order given, in the active language's words and
    date styles; the year once, at the end."""
    by_date = defaultdict(list)
    for day, meal in meals:
        by_date[day].append(Meal(meal).label.lower())
    days = list(by_date)
    return "; ".join(
        f"{get_text_list(names, gettext('and'))}, {date_format(day, 'DATE_FORMAT' if day == days[-1] else 'SHORT_DATE_FORMAT')}"
        for day, names in by_date.items()
    )


def _covered_text(covered: list[tuple[datetime.date, str]]) -> str:
    (first_date, first_meal), (last_date, last_meal) = covered[0], covered[-1]
    if len(covered) == 1:
        return f"{first_date} {first_meal}"
    return f"{first_date} {first_meal} to {last_date} {last_meal} ({len(covered)} meals)"


def mess_for_dashboard(*, code: str) -> Mess:
    """The mess with this code, with its `unread_notifications` and `notifications_count` counted (the
    inbox's badge, and its number of pages). One query. Raises Mess.DoesNotExist."""
    return Mess.objects.annotate(
        unread_notifications=Count("notifications", filter=Q(notifications__read_at__isnull=True)),
        notifications_count=Count("notifications"),
    ).get(code=code)


def notifications_page(*, mess: Mess, number) -> Page:
    """One page of the inbox of `mess`, which holds every notification it ever had: unread first,
    then newest meal first, INBOX_PAGE to a page, each page in a fixed order so that paging reaches
    every one. `number` as typed: one out of range gives the last page, one that is not a number
    the first (Django's Paginator.get_page). Each notification carries `entries`: the critical
    entries of its meal with a comment, newest first, at most MAX_COMMENTS, which the officials may
    reply to (see mess.replies), and `comments_count`: how many there are in all (the rest are on
    the notification's own page, see `notification_comments`). Two queries, the page and its
    entries, for a mess as `mess_for_dashboard` returns it (with its notifications counted); one
    more for another."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    inbox = Notification.objects.filter(mess=mess).order_by(unread.desc(), "-date", serving_order().desc(), "-id")
    paginator = Paginator(inbox, INBOX_PAGE)
    if hasattr(mess, "notifications_count"):
        paginator.count = mess.notifications_count  # counted with the unread, in the mess's own query
    page = paginator.get_page(number)
    notifications = list(page.object_list)
    page.object_list = notifications
    entries = defaultdict(list)
    if notifications:
        # The page's dates and meals as two INs, which the (mess, date, meal) index serves (the few
        # other meals of those dates it brings are read by no notification): as an OR of (date AND
        # meal) pairs, SQLite read the mess's whole history through that index (270 ms against 2 ms
        # for a mess of three years).
        dates, meals = {n.date for n in notifications}, {n.meal for n in notifications}
        for entry in _critical_comments(mess=mess).filter(date__in=dates, meal__in=meals):
            entries[entry.date, entry.meal].append(entry)
    for notification in notifications:
        meal_entries = entries[notification.date, notification.meal]
        notification.entries, notification.comments_count = meal_entries[:MAX_COMMENTS], len(meal_entries)
    return page


def _critical_comments(*, mess: Mess):
    """The critical entries of `mess` with a comment, newest first, with who replied to them."""
    return (
        Feedback.objects.filter(CRITICAL_FEEDBACK, mess=mess)
        .exclude(comment="")
        .select_related("replied_by")
        .order_by("-created_at", "-id")
    )


def notification_comments(*, mess: Mess, notification_id: int, number) -> tuple[Notification, Page]:
    """The notification `notification_id` of `mess` and one page of every critical entry of its meal
    with a comment (the inbox shows the newest MAX_COMMENTS), newest first, NOTIFICATION_COMMENTS_PAGE
    to a page, each page in a fixed order so that paging reaches every one and the officials may
    reply to each (see mess.replies). `number` as typed, as `notifications_page` takes it. Three
    queries whatever the number of comments: the notification, the count and the page. Raises
    Notification.DoesNotExist when `mess` has no such notification."""
    notification = Notification.objects.get(pk=notification_id, mess=mess)
    entries = _critical_comments(mess=mess).filter(date=notification.date, meal=notification.meal)
    page = Paginator(entries, NOTIFICATION_COMMENTS_PAGE).get_page(number)
    page.object_list = list(page.object_list)
    return notification, page


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
