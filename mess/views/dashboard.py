"""A mess's dashboard, for its officials and the admins: each feature's reads on one page (alerts, the
meal being cooked and the week's forecasts beside who came, the week's waste by floor and meal, the
month's trend, what the waste is worth and how it does against the goal, ratings by meal, the latest
critical feedback, the inbox's first page, missing waste, daily reports, the jobs' health, today's
menu, the exports)."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from mess.absences import cutoff_in_words
from mess.alerts import alerts_of_mess
from mess.cook_sheets import cook_sheet_next, cook_sheets_recent
from mess.feedback import (
    feedback_critical_latest,
    ratings_by_meal,
)
from mess.forms.exports import DateRangeForm
from mess.forms.replies import ReplyForm
from mess.meals import day_over, days_ending, meal_windows
from mess.menus import menu_of_day
from mess.missing_waste import waste_gaps
from mess.models import Meal
from mess.reports import daily_reports_latest
from mess.views.access import mess_page
from mess.views.notifications import inbox_page, mess_with_inbox
from mess.waste import waste_by_floor_and_meal, waste_trend
from mess.waste_value import waste_goals, waste_periods, weekly_grams
from scheduling.selectors import jobs_health

MEAL_SERIES = [{"label": meal.label} for meal in Meal]
RATING_SERIES = [{"label": gettext_lazy("Last 7 days")}, {"label": gettext_lazy("Last 30 days")}]


@mess_page
def dashboard(request, code):
    return dashboard_render(request, mess=mess_with_inbox(code))


def dashboard_render(request, *, mess, posted: tuple[int, ReplyForm] | None = None):
    """The dashboard of `mess`, with a reply form beside each critical comment (whether or not the
    notifications job has gathered it yet): the form just posted, with its errors, for the comment
    `posted` names."""
    now = timezone.now()
    today = timezone.localdate(now)
    windows = meal_windows(mess=mess)
    today_partial = not day_over(date=today, now=now, windows=windows)  # today's charts wait for its last meal
    week_start, _ = days_ending(end=today, days=7)
    month_start, _ = days_ending(end=today, days=30)
    waste_week = waste_by_floor_and_meal(mess=mess, start=week_start, end=today, end_partial=today_partial)
    trend = waste_trend(mess=mess, start=month_start, end=today, end_partial=today_partial)
    ratings = ratings_by_meal(mess=mess, today=today)
    goal = waste_goals(messes=[mess], today=today)[mess.pk]
    context = {
        "mess": mess,
        "today": today,
        "week_start": week_start,
        "alerts": alerts_of_mess(mess=mess),
        "waste_week": waste_week,
        "meal_series": MEAL_SERIES,
        "trend": trend,
        "trend_kg": [(d["date"], d["kg"]) for d in trend],
        "trend_grams": [(d["date"], d["grams_per_diner"]) for d in trend],
        "has_grams": any(d["grams_per_diner"] is not None for d in trend),
        "ratings": ratings,
        "rating_rows": [{"label": r["label"], "values": [r["average7"], r["average30"]], "counts": [r["n7"], r["n30"]]} for r in ratings],
        "rating_series": RATING_SERIES,
        # the last 30 days: older entries have been dealt with, and reading them costs years of history
        "critical": _with_reply_forms(feedback_critical_latest(mess=mess, since=month_start), posted=posted),
        "notifications": inbox_page(mess=mess, number=1),
        "waste_gaps": waste_gaps(mess=mess, now=now, windows=windows),
        "today_partial": today_partial,
        "reports": daily_reports_latest(mess=mess),
        "jobs": jobs_health(),
        "export_form": DateRangeForm(initial={"start": month_start, "end": today}),
        "menu_today": menu_of_day(mess=mess, date=today),
        "public_menu": settings.PUBLIC_MENUS and mess.is_active,
        "cook_sheet": cook_sheet_next(mess=mess, now=now),
        "cutoff_text": cutoff_in_words(mess=mess),
        "cook_sheets": cook_sheets_recent(mess=mess, today=today),
        "periods": waste_periods(mess=mess, today=today).values(),
        "goal": goal,
        "weekly_grams": weekly_grams(mess=mess, today=today),
        "goal_lines": _goal_lines(goal),
    }
    return render(request, "mess/dashboard/dashboard.html", context)


def _with_reply_forms(entries, *, posted: tuple[int, ReplyForm] | None) -> list:
    entries = list(entries)
    for entry in entries:
        if posted is not None and posted[0] == entry.pk:
            entry.reply_form = posted[1]
        else:
            entry.reply_form = ReplyForm(initial={"reply": entry.reply}, auto_id=f"id_reply_{entry.pk}_%s")
    return entries


def _goal_lines(goal) -> list[dict]:
    """The baseline and the goal, as the lines across the chart of grams per diner."""
    lines = [(goal.baseline, "baseline", gettext("baseline, %(grams)s g")), (goal.target, "goal", gettext("goal, %(grams)s g"))]
    return [{"value": grams, "label": label % {"grams": grams}, "kind": kind} for grams, kind, label in lines if grams is not None]
