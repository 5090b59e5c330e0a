"""The web pages: a dashboard and a waste form for each mess's officials, an overview of every mess
for admins, a feedback form for students, and CSV exports. Views check who may see what, then call
the features' reads and writes (mess/waste.py, feedback.py, ...); each page costs a fixed, small
number of queries."""

import csv
import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mess.alerts import alerts_open
from mess.context_processors import request_access
from mess.feedback import (
    FEEDBACK_COLUMNS,
    feedback_critical_latest,
    feedback_export_rows,
    feedback_history,
    feedback_of_student,
    feedback_save,
    ratings_by_meal,
)
from mess.forms import DateRangeForm, FeedbackForm, WasteForm
from mess.meals import days_ending, meals_of_today
from mess.models import DailyReport, FeedbackCategory, Meal, Mess, Notification
from mess.notifications import mess_for_dashboard, notification_mark_read, notifications_inbox, notifications_mark_all_read
from mess.reports import daily_reports_latest
from mess.text import plural
from mess.totals import messes_overview
from mess.waste import WASTE_COLUMNS, waste_by_floor_and_meal, waste_export_rows, waste_record_save, waste_records_recent, waste_trend
from scheduling.selectors import jobs_state

MEAL_SERIES = [{"label": meal.label} for meal in Meal]
RATING_SERIES = [{"label": "Last 7 days"}, {"label": "Last 30 days"}]


# Who may see what ---------------------------------------------------------------------------------


def mess_page(view):
    """For the officials of the mess the URL names, and for admins. Another mess's official gets
    404, as if the mess did not exist; students and users without a role get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, code, *args, **kwargs):
        access = request_access(request)
        if access.is_official:
            if access.mess_code != code:
                raise Http404("No such mess.")
        elif not access.is_admin:
            raise PermissionDenied
        return view(request, code, *args, **kwargs)

    return wrapper


def admin_page(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request_access(request).is_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def student_page(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request_access(request).is_student:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def home(request):
    """Sends each role to its page."""
    access = request_access(request)
    if access.is_admin:
        return redirect("mess:overview")
    if access.is_official and access.mess_code:
        return redirect("mess:dashboard", code=access.mess_code)
    if access.is_student:
        return redirect("mess:feedback")
    return render(request, "mess/no_role.html")


# Officials and admins: one mess -------------------------------------------------------------------


@mess_page
def dashboard(request, code):
    try:
        mess = mess_for_dashboard(code=code)
    except Mess.DoesNotExist:
        raise Http404("No such mess.") from None
    today = timezone.localdate()
    week_start, _ = days_ending(end=today, days=7)
    month_start, _ = days_ending(end=today, days=30)
    waste_week = waste_by_floor_and_meal(mess=mess, start=week_start, end=today)
    trend = waste_trend(mess=mess, start=month_start, end=today)
    ratings = ratings_by_meal(mess=mess, today=today)
    context = {
        "mess": mess,
        "today": today,
        "week_start": week_start,
        "alerts": alerts_open(mess_code=mess.code),
        "waste_week": waste_week,
        "waste_week_rows": [{"label": r["floor"], "values": list(r["meals"].values())} for r in waste_week],
        "meal_series": MEAL_SERIES,
        "trend": trend,
        "trend_kg": [(d["date"], d["kg"]) for d in trend],
        "trend_grams": [(d["date"], d["grams_per_diner"]) for d in trend],
        "has_grams": any(d["grams_per_diner"] is not None for d in trend),
        "ratings": ratings,
        "rating_rows": [{"label": r["label"], "values": [r["average7"], r["average30"]]} for r in ratings],
        "rating_series": RATING_SERIES,
        # the last 30 days: older entries have been dealt with, and reading them costs years of history
        "critical": feedback_critical_latest(mess=mess, since=month_start),
        "notifications": notifications_inbox(mess=mess, since=month_start),
        "reports": daily_reports_latest(mess=mess),
        "jobs": jobs_state(),
        "export_form": DateRangeForm(initial={"start": month_start, "end": today}),
    }
    return render(request, "mess/dashboard.html", context)


@mess_page
def waste_entry(request, code):
    mess = get_object_or_404(Mess, code=code)
    if request.method == "POST":
        form = WasteForm(request.POST, mess=mess)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = waste_record_save(
                    mess=mess,
                    floor=data["floor"],
                    date=data["date"],
                    meal=data["meal"],
                    total_kg=data["total_kg"],
                    diners=data["diners"],
                    recorded_by=request.user,
                )
            except ValueError as e:
                form.add_error(None, str(e))
            else:
                record = saved.record
                what = f"{record.floor.name}, {record.get_meal_display().lower()} of {record.date:%d %b %Y}"
                if saved.created:
                    messages.success(request, f"Recorded {record.total_kg} kg for {what}.")
                else:
                    messages.info(
                        request,
                        f"Updated the existing record for {what}: {saved.previous_kg} kg is now {record.total_kg} kg "
                        "(a floor has one record per meal and day).",
                    )
                return redirect("mess:waste", code=mess.code)
    else:
        started, _ = meals_of_today(now=timezone.now())
        form = WasteForm(mess=mess, initial={"date": timezone.localdate(), "meal": started[-1].meal if started else Meal.BREAKFAST})
    context = {"mess": mess, "form": form, "recent": waste_records_recent(mess=mess)}
    return render(request, "mess/waste.html", context)


@mess_page
@require_POST
def notification_read(request, code, pk):
    mess = get_object_or_404(Mess, code=code)
    try:
        notification_mark_read(mess=mess, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None
    return redirect(reverse("mess:dashboard", kwargs={"code": code}) + "#notifications")


@mess_page
@require_POST
def notifications_read_all(request, code):
    mess = get_object_or_404(Mess, code=code)
    n = notifications_mark_all_read(mess=mess)
    messages.success(request, f"Marked {plural(n, 'notification')} as read.")
    return redirect(reverse("mess:dashboard", kwargs={"code": code}) + "#notifications")


@mess_page
def daily_report(request, code, day):
    try:
        date = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404("No such date.") from None
    report = get_object_or_404(DailyReport.objects.select_related("mess"), mess__code=code, date=date)
    context = {"mess": report.mess, "report": report, "data": report.data}
    return render(request, "mess/report.html", context)


@mess_page
def export_waste(request, code):
    mess = get_object_or_404(Mess, code=code)
    return _export(request, what="waste", mess=mess)


@mess_page
def export_feedback(request, code):
    mess = get_object_or_404(Mess, code=code)
    return _export(request, what="feedback", mess=mess)


# Admins: every mess -------------------------------------------------------------------------------


@admin_page
def overview(request):
    today = timezone.localdate()
    month_start, _ = days_ending(end=today, days=30)
    context = {
        "today": today,
        "rows": messes_overview(today=today),
        "export_form": DateRangeForm(initial={"start": month_start, "end": today}),
    }
    return render(request, "mess/overview.html", context)


@admin_page
def overview_export_waste(request):
    return _export(request, what="waste", mess=None)


@admin_page
def overview_export_feedback(request):
    return _export(request, what="feedback", mess=None)


# Students ----------------------------------------------------------------------------------------


@student_page
def feedback(request):
    now = timezone.now()
    today = timezone.localdate(now)
    history = feedback_history(student=request.user, before=today)
    if request_access(request).mess_id is None:
        return render(request, "mess/feedback.html", {"today": today, "no_mess": True, "history": history})
    started, upcoming = meals_of_today(now=now)
    posted = None
    if request.method == "POST":
        meal = request.POST.get("meal") if request.POST.get("meal") in Meal.values else "other"
        posted = FeedbackForm(request.POST, meals=started, auto_id=f"id_{meal}_%s")  # the ids its card has unposted
        if posted.is_valid():
            data = posted.cleaned_data
            try:
                saved = feedback_save(
                    student=request.user, meal=data["meal"], rating=data["rating"], category=data["category"], comment=data["comment"]
                )
            except ValueError as e:
                posted.add_error(None, str(e))
            else:
                what = saved.entry.get_meal_display().lower()
                messages.success(request, f"Thank you: your feedback on today's {what} is {'saved' if saved.created else 'updated'}.")
                return redirect("mess:feedback")
    mine = feedback_of_student(student=request.user, date=today)
    cards = []
    for window in started:
        if posted is not None and posted.data.get("meal") == window.meal:
            form = posted
        else:
            entry = mine.get(window.meal)
            initial = {"meal": window.meal, "category": FeedbackCategory.FOOD}
            if entry:
                initial.update(rating=entry.rating, category=entry.category, comment=entry.comment)
            form = FeedbackForm(initial=initial, meals=started, auto_id=f"id_{window.meal}_%s")
        cards.append({"window": window, "form": form, "entry": mine.get(window.meal)})
    # A post for a meal that cannot be rated (not started, unknown) has no card to show its error on.
    stray = posted if posted is not None and posted.errors and posted.data.get("meal") not in {w.meal for w in started} else None
    context = {
        "today": today,
        "cards": cards,
        "upcoming": upcoming,
        "stray": stray,
        "history": history,
    }
    return render(request, "mess/feedback.html", context)


# Exports ----------------------------------------------------------------------------------------


class _Echo:
    """A file that hands back what is written to it, so csv.writer can feed a streaming response."""

    def write(self, value):
        return value


def _export(request, *, what: str, mess: Mess | None):
    """The waste or feedback of the date range in the GET parameters, of one mess or of all, as
    CSV in the columns the import commands read. Streamed: memory stays flat however long the range."""
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        context = {"mess": mess, "form": form, "what": what}
        return render(request, "mess/export_invalid.html", context, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    mess_id = mess.pk if mess else None
    if what == "waste":
        columns, rows = WASTE_COLUMNS, waste_export_rows(start=start, end=end, mess_id=mess_id)
    else:
        columns, rows = FEEDBACK_COLUMNS, feedback_export_rows(start=start, end=end, mess_id=mess_id)
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(columns)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"{what}-{mess.code if mess else 'all'}-{start}-{end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
