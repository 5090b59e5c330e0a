"""Daily reports: each active mess's day (waste, ratings, critical feedback, alerts), stored as a
DailyReport and e-mailed to the mess's officials and the admins by the send_daily_report job, and
read back on the dashboard."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Min, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone

from mess.email_choices import EMAILS_DAILY_REPORT
from mess.emails import Email, earlier_text, emails_check, emails_deliver, emails_rerender, emails_store, emails_unsent
from mess.figures import KG_SUM, average, cents, grams_per_diner
from mess.meals import MAKE_UP_DAYS, closures_by_day, day_over_check, day_start
from mess.models import Alert, DailyReport, Feedback, Floor, Meal, Mess, MessageKind, OutgoingEmail, WasteRecord
from mess.people import messes_recipients
from mess.text import plural
from mess.triage import CRITICAL_FEEDBACK, critical_digest, theme_names
from mess.waste_value import valued_data, waste_goals_on

REPORT_COMMENTS = 20  # critical comments a daily report lists besides its digest's examples
ADDED_LATER = ("valued", "goal")  # figures a report holds since a later version: older ones lack them


def _cents(value) -> str:
    """Kilograms and ratings in the report's JSON: strings of cents."""
    return str(cents(value))


def daily_reports_data(*, messes: list[Mess], dates: list[datetime.date]) -> dict[tuple[int, datetime.date], dict]:
    """The report data of every mess on every date, keyed by (mess id, date): JSON-ready dicts with
    the waste by floor and by meal (kilograms as strings, grams per diner over the meals with a head
    count), the feedback count and average rating by meal, the critical entries and their digest
    (`report_digest`), the alerts that were open on the date, and `closed`: the reason the mess was
    closed that day ("" when none was given), or None when it was open; the waste's worth (`valued`:
    rupees where the mess sets its food cost, kg CO2e, meals) and how the week ending the date does
    against the waste goal (`goal`, a sentence). Nine queries whatever the number of messes, floors
    and dates."""
    reads = _ReportReads(messes=messes, dates=dates)
    return {(mess.pk, date): _report_of(mess, date, reads) for mess in messes for date in dates}


class _ReportReads:
    """Everything the reports of `messes` on `dates` show, read at once (nine queries)."""

    def __init__(self, *, messes: list[Mess], dates: list[datetime.date]):
        mess_ids = [m.pk for m in messes]
        self.closed = closures_by_day(mess_ids=mess_ids, start=min(dates), end=max(dates))
        self.floors = defaultdict(list)
        for floor in Floor.objects.filter(mess_id__in=mess_ids).order_by("name"):
            self.floors[floor.mess_id].append(floor)
        waste = WasteRecord.objects.filter(date__in=dates, floor__mess_id__in=mess_ids).order_by()
        self.by_floor = {
            (r["floor_id"], r["date"]): r["kg"] for r in waste.values("floor_id", "date").annotate(kg=Sum("total_kg", output_field=KG_SUM))
        }
        self.by_meal = {
            (r["floor__mess_id"], r["date"], r["meal"]): r
            for r in waste.values("floor__mess_id", "date", "meal").annotate(
                kg=Sum("total_kg", output_field=KG_SUM),
                counted_kg=Sum("total_kg", filter=Q(diners__gt=0), output_field=KG_SUM),
                diners=Sum("diners", filter=Q(diners__gt=0)),
            )
        }
        self.feedback = {
            (r["mess_id"], r["date"], r["meal"]): r
            for r in Feedback.objects.filter(date__in=dates, mess_id__in=mess_ids)
            .values("mess_id", "date", "meal")
            .annotate(n=Count("id"), total=Sum("rating"), critical=Count("id", filter=CRITICAL_FEEDBACK))
            .order_by()
        }
        # Open on a date: first seen by the end of that (local) day, and not resolved before it began.
        self.alerts = defaultdict(list)
        for alert in (
            Alert.objects.filter(mess_id__in=mess_ids, first_seen_at__lt=day_start(max(dates) + datetime.timedelta(days=1)))
            .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=day_start(min(dates))))
            .order_by("kind", "subject", "first_seen_at")
        ):
            self.alerts[alert.mess_id].append(alert)
        self.critical_entries = defaultdict(list)
        for entry in (
            Feedback.objects.filter(CRITICAL_FEEDBACK, date__in=dates, mess_id__in=mess_ids)
            .only("id", "mess_id", "date", "comment", "critical_why", "critical_themes")
            .order_by("-created_at", "-id")
        ):
            self.critical_entries[entry.mess_id, entry.date].append(entry)
        self.theme_names = theme_names()
        self.goals = waste_goals_on(messes=messes, dates=dates)


def _report_of(mess: Mess, date: datetime.date, reads: _ReportReads) -> dict:
    """One report's data (see daily_reports_data), from what was read."""
    by_meal, ratings = _meals_of(mess, date, reads)
    floor_rows = [
        {"floor": floor.name, "kg": _cents(reads.by_floor[floor.pk, date]) if (floor.pk, date) in reads.by_floor else None}
        for floor in reads.floors[mess.pk]
    ]
    counted = [r for r in by_meal if r["grams_per_diner"] is not None]
    counted_kg = sum((Decimal(reads.by_meal[mess.pk, date, r["meal"]]["counted_kg"]) for r in counted), Decimal(0))
    diners = sum(r["diners"] for r in counted)
    count, total_rating = sum(r["count"] for r in ratings), sum(r["total"] for r in ratings)
    begins, ends = day_start(date), day_start(date + datetime.timedelta(days=1))
    waste_kg = sum((Decimal(r["kg"]) for r in floor_rows if r["kg"]), Decimal(0))
    return {
        "mess": mess.code,
        "date": date.isoformat(),
        "closed": reads.closed.get((mess.pk, date)),
        "waste_kg": _cents(waste_kg),
        "valued": valued_data(mess=mess, kg=waste_kg),
        "goal": reads.goals[mess.pk, date].sentence,
        "grams_per_diner": grams_per_diner(counted_kg, diners),
        "waste_by_floor": floor_rows,
        "waste_by_meal": by_meal,
        "feedback_count": count,
        "average_rating": _cents(average(total_rating, count)) if count else None,
        "feedback_by_meal": [{key: r[key] for key in ("meal", "label", "count", "average_rating")} for r in ratings],
        "critical_count": sum(r["critical"] for r in ratings),
        "critical": report_digest(entries=reads.critical_entries[mess.pk, date], theme_names=reads.theme_names),
        "alerts": [
            {
                "kind": a.kind,
                "label": a.get_kind_display(),
                "subject": a.subject,
                "value": _cents(a.value),
                "threshold": _cents(a.threshold),
                "basis": a.basis,
            }
            for a in reads.alerts[mess.pk]
            if a.first_seen_at < ends and (a.resolved_at is None or a.resolved_at >= begins)
        ],
    }


def _meals_of(mess: Mess, date: datetime.date, reads: _ReportReads) -> tuple[list[dict], list[dict]]:
    """Each meal's waste (kilograms, diners, grams per diner of the meals with a head count) and
    ratings (count, average, and the totals the day's figures add up), in serving order."""
    waste, ratings = [], []
    for meal in Meal:
        w = reads.by_meal.get((mess.pk, date, meal.value))
        f = reads.feedback.get((mess.pk, date, meal.value), {"n": 0, "total": 0, "critical": 0})
        counted = w is not None and bool(w["diners"])
        waste.append(
            {
                "meal": meal.value,
                "label": str(meal.label),
                "kg": _cents(w["kg"]) if w else None,
                "diners": w["diners"] if w else None,
                "grams_per_diner": grams_per_diner(w["counted_kg"], w["diners"]) if counted else None,
            }
        )
        average_rating = _cents(average(f["total"], f["n"])) if f["n"] else None
        ratings.append(
            {
                "meal": meal.value,
                "label": str(meal.label),
                "count": f["n"],
                "average_rating": average_rating,
                "total": f["total"],
                "critical": f["critical"],
            }
        )
    return waste, ratings


def report_digest(*, entries: list[Feedback], theme_names: dict[str, str]) -> dict:
    """The digest of a day's critical entries (newest first) as a report keeps it: the themes with
    their counts and an example each, then at most REPORT_COMMENTS of the rest and how many more."""
    digest = critical_digest(entries=entries, theme_names=theme_names)
    themes = [{key: theme[key] for key in ("theme", "count", "example")} for theme in digest["themes"]]
    rest = digest["rest"]
    return {"themes": themes, "rest": rest[:REPORT_COMMENTS], "more": max(0, len(rest) - REPORT_COMMENTS)}


def daily_reports_parts(kwargs: dict) -> list[tuple[str, str]]:
    """The parts of a send_daily_report run (see scheduling.parts): each active mess, as (code, name)."""
    return list(Mess.objects.filter(is_active=True).order_by("code").values_list("code", "name"))


def daily_reports_send(*, date: datetime.date | None = None, resend: bool = False, mess: str | None = None) -> str:
    """Stores and e-mails the daily report of every active mess, or only of the one whose code is
    `mess` (a part of a run the cluster fans out, see `daily_reports_parts`): of `date`, or by default of
    yesterday and of any of the 7 days before it that has no report yet for that mess, from the
    mess's first report on (the days a missed run left out; a new mess starts with yesterday, not
    with a week of empty reports). A report already stored is re-rendered from the current data,
    and e-mailed again only with `resend`.

    E-mails are never lost, and sent twice only as the same message (see mess.emails): a report's
    e-mail is stored, linked to the report, before it is sent, and the report is marked as e-mailed
    once the mail server has accepted it. A run first sends, as they were stored, the e-mails earlier
    runs did not get out, then the new ones; an e-mail that fails does not stop the others, and the
    run raises EmailsFailed at its end, leaving it to the next run.
    A constant number of queries whatever the number of messes, floors and days, besides a few per
    e-mail sent. Raises ValueError for a date that is not over yet, or before EARLIEST_DATE."""
    now = timezone.now()
    yesterday = timezone.localdate(now) - datetime.timedelta(days=1)
    if date is not None:
        day_over_check(date)
    earlier = emails_deliver(emails=emails_unsent(kind="daily-report"), mark_sent=_reports_mark_sent)
    messes = list(Mess.objects.filter(is_active=True) if mess is None else Mess.objects.filter(is_active=True, code=mess))
    if not messes:
        emails_check(earlier)
        return f"{earlier_text(earlier)}no active messes"
    if date is not None:
        stored = {(r.mess_id, r.date): r for r in DailyReport.objects.filter(mess__in=messes, date=date)}
        pairs = [(m, date) for m in messes]
    else:
        candidates = [yesterday - datetime.timedelta(days=n) for n in range(MAKE_UP_DAYS, -1, -1)]
        stored = {(r.mess_id, r.date): r for r in DailyReport.objects.filter(mess__in=messes, date__in=candidates)}
        first = dict(
            DailyReport.objects.filter(mess__in=messes).values("mess_id").annotate(first=Min("date")).values_list("mess_id", "first")
        )

        pairs = [
            (m, d)
            for d in candidates
            for m in messes
            if d == yesterday or (m.pk in first and first[m.pk] < d and ((m.pk, d) not in stored or stored[m.pk, d].emailed_at is None))
        ]
    dates = sorted({d for _, d in pairs})
    data = daily_reports_data(messes=messes, dates=dates)

    reports, new, changed = [], [], []
    for mess, day in pairs:
        report = stored.get((mess.pk, day))
        if report is None:
            context, fields = _report_rendered(mess=mess, date=day, data=data[mess.pk, day], corrected_at=None)
            report = DailyReport(mess=mess, date=day, **fields)
            new.append(report)
        else:
            context, fields = _report_rerendered(report=report, mess=mess, data=data[mess.pk, day], now=now)
            if fields:
                changed.append(report)
        reports.append((report, context))

    # A report in a stored e-mail not sent yet is not e-mailed again: that e-mail goes out. The
    # report of a day the mess was closed is stored, not e-mailed: its officials closed it
    # themselves, and a vacation would bring them an empty report every day.
    wanted = [(r, c) for r, c in reports if (r.emailed_at is None and r.email_id is None and r.data.get("closed") is None) or resend]
    recipients = messes_recipients(mess_ids=sorted({r.mess_id for r, _ in wanted}), about=EMAILS_DAILY_REPORT) if wanted else {}
    to_send = [(r, c) for r, c in wanted if recipients[r.mess_id]]

    def store(stored: list[tuple[OutgoingEmail, DailyReport]]) -> None:
        # The reports are stored, each linked to its e-mail, in the write that stores the e-mails.
        for email, report in stored:
            report.email = email
        DailyReport.objects.bulk_create(new)
        new_ids = {id(r) for r in new}
        updated = {id(r): r for r in changed + [r for _, r in stored] if id(r) not in new_ids}
        DailyReport.objects.bulk_update(list(updated.values()), ["data", "text_body", "html_body", "updated_at", "corrected_at", "email"])

    stored = emails_store(
        emails=[(Email("daily-report", context, recipients[report.mess_id]), report) for report, context in to_send],
        link=store,
        also_as=MessageKind.DAILY_REPORT,
    )
    delivery = emails_deliver(emails=stored, mark_sent=_reports_mark_sent)
    emails_check(earlier, delivery)
    return (
        f"{earlier_text(earlier)}{plural(len(reports), 'daily report')} ({len(new)} new, {len(changed)} updated) "
        f"for {', '.join(map(str, dates))}; {len(delivery.sent)} e-mailed"
    )


def _report_rendered(*, mess: Mess, date: datetime.date, data: dict, corrected_at: datetime.datetime | None) -> tuple[dict, dict]:
    """The e-mail context of a report and the fields it stores: its data and both bodies."""
    context = {"mess": mess, "date": date, "report": data, "corrected_at": corrected_at}
    fields = {
        "data": data,
        "text_body": render_to_string("emails/daily-report-body.txt", context),
        "html_body": render_to_string("emails/daily-report-body.html", context),
    }
    return context, fields


def _report_rerendered(
    *, report: DailyReport, mess: Mess, data: dict, now: datetime.datetime, skip_unchanged: bool = False
) -> tuple[dict, dict]:
    """Renders a stored report again from `data`, changing `report` in place: corrected `now` when
    its figures changed. Returns the e-mail context and the fields that changed (none: unchanged).
    With `skip_unchanged`, a report whose figures are unchanged is not rendered (nor its context)."""
    # Reports stored before closed days were kept say nothing of them (they were open), and those
    # stored before the waste was valued say nothing of its worth: that is no correction.
    stored = {"closed": None, **report.data}
    figures_changed = {k: v for k, v in data.items() if k in stored or k not in ADDED_LATER} != stored
    corrected_at = now if figures_changed else report.corrected_at
    if skip_unchanged and not figures_changed:  # same figures: same bodies
        return {}, {}
    context, fields = _report_rendered(mess=mess, date=report.date, data=data, corrected_at=corrected_at)
    fields["corrected_at"] = corrected_at
    fields = {name: value for name, value in fields.items() if getattr(report, name) != value}
    if fields:
        for name, value in fields.items():
            setattr(report, name, value)
        report.updated_at = now
    return context, fields


def daily_reports_correct(*, dates: list[datetime.date], mess_ids: list[int] | None = None) -> int:
    """Recomputes the stored daily reports of `dates` (of the messes named, or of any) from the
    records as they are now, after a change of those days' waste or feedback; a report whose
    figures changed is marked corrected now, and says so on its page and in any later e-mail. A
    report whose e-mail is stored but not sent yet has that e-mail rendered again from the corrected
    report (the same message, see `emails_rerender`), so that it never goes out with the old figures.
    It e-mails nothing (`send_daily_report --resend` does). Returns how many reports it corrected.
    One query when none of those days has a report (today never has one), else eleven whatever the
    number of reports, messes and days (and a savepoint inside a transaction), and one more when some
    of their e-mails are not sent yet."""
    reports = DailyReport.objects.filter(date__in=set(dates)).select_related("mess", "email")
    if mess_ids is not None:
        reports = reports.filter(mess_id__in=mess_ids)
    reports = list(reports)
    if not reports:
        return 0
    messes = list({r.mess_id: r.mess for r in reports}.values())
    data = daily_reports_data(messes=messes, dates=sorted({r.date for r in reports}))
    now = timezone.now()
    changed, unsent = [], []
    for report in reports:
        context, fields = _report_rerendered(
            report=report, mess=report.mess, data=data[report.mess_id, report.date], now=now, skip_unchanged=True
        )
        if fields:
            changed.append(report)
            if report.email is not None and report.email.sent_at is None and report.email.given_up_at is None:
                unsent.append((report.email, context))
    with transaction.atomic():  # a corrected report and its e-mail not sent yet: both or neither
        DailyReport.objects.bulk_update(changed, ["data", "text_body", "html_body", "updated_at", "corrected_at"])
        emails_rerender(emails=unsent)
    return sum(1 for r in changed if r.corrected_at == now)


def _reports_mark_sent(email: OutgoingEmail, sent_at: datetime.datetime) -> None:
    DailyReport.objects.filter(email=email).update(emailed_at=sent_at)


def daily_reports_latest(*, mess: Mess, limit: int = 7) -> list[DailyReport]:
    """The newest daily reports of `mess` without their rendered bodies. One query."""
    return list(DailyReport.objects.filter(mess=mess).defer("text_body", "html_body").order_by("-date")[:limit])
