"""Absences on the pages (the rules are mess/absences.py's): a student's one-tap skip of a meal and
taking it back, and a leave from one day to another, each posted from the students' page and back
to it with a message; and a mess's absences, who is away from which meals over the days chosen,
paged and as CSV in import_absences' columns, for its officials and the admins (the dashboard
shows them only the numbers)."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from mess.absences import (
    ABSENCE_COLUMNS,
    SKIP_AHEAD,
    absence_export_rows,
    absence_leave,
    absence_skip,
    absence_take_back,
    absences_of_mess,
)
from mess.forms.absences import AbsenceMealForm, LeaveForm
from mess.forms.exports import DateRangeForm
from mess.models import Meal, Mess
from mess.refusals import Refused
from mess.views.access import mess_page, student_page
from mess.views.exports import csv_response
from mess.views.feedback import LEAVE_IDS, feedback_page

ABSENCES_PAGE = 50  # absences per page of a mess's list


def _feedback_at(anchor: str):
    """The students' page, scrolled to `anchor`."""
    return redirect(f"{reverse('mess:feedback')}#{anchor}")


def _day_anchor(date: datetime.date) -> str:
    return f"day-{date.isoformat()}"  # each day's box on the page (templates/mess/feedback/_week.html)


def _meal_changed(request, *, change, done: str, already: str):
    """Calls `change` (absence_skip or absence_take_back) for the meal posted, and says what it did."""
    form = AbsenceMealForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("That meal could not be read. Please try again from the list."))
        return _feedback_at("menu-week")
    date, meal = form.cleaned_data["date"], form.cleaned_data["meal"]
    what = gettext("%(meal)s of %(day)s") % {"meal": Meal(meal).label, "day": date_format(date, "SHORT_DATE_FORMAT")}
    try:
        news = change(student=request.user, date=date, meal=meal)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, (done if news else already) % {"what": what})
    return _feedback_at(_day_anchor(date))


@student_page
@require_POST
def skip(request):
    return _meal_changed(
        request,
        change=absence_skip,
        done=gettext("%(what)s: you will skip it. Thank you for telling the kitchen."),
        already=gettext("%(what)s was already marked as skipped."),
    )


@student_page
@require_POST
def take_back(request):
    return _meal_changed(
        request,
        change=absence_take_back,
        done=gettext("%(what)s: you are counted in again."),
        already=gettext("%(what)s was not marked as skipped: you are counted in."),
    )


@student_page
@require_POST
def leave(request):
    form = LeaveForm(request.POST, auto_id=LEAVE_IDS)
    if form.is_valid():
        try:
            taken = absence_leave(student=request.user, first_day=form.cleaned_data["first_day"], last_day=form.cleaned_data["last_day"])
        except Refused as refused:
            for field, message in refused.errors.items():
                form.add_error(field if field in form.fields else None, message)
        except ValueError as error:  # a student who eats at no mess
            form.add_error(None, str(error))
        else:
            messages.success(request, _leave_text(taken))
            return _feedback_at("absences")
    return feedback_page(request, leave=form)


def _leave_text(taken) -> str:
    days = {"first": date_format(taken.first_day, "SHORT_DATE_FORMAT"), "last": date_format(taken.last_day, "SHORT_DATE_FORMAT")}
    if taken.first_day == taken.last_day:
        text = gettext("You are away on %(first)s: the kitchen will not cook for you. Have a good time.") % days
    else:
        text = gettext("You are away from %(first)s to %(last)s: the kitchen will not cook for you. Have a good time.") % days
    if taken.missed:
        meals = get_text_list([Meal(m).label.lower() for m in taken.missed], gettext("and"))
        planned = ngettext(
            "The %(meals)s of %(first)s was planned already, so you are still counted for it.",
            "The %(meals)s of %(first)s were planned already, so you are still counted for them.",
            len(taken.missed),
        )
        text = f"{text} {planned % {'meals': meals, **days}}"
    return text


@mess_page
def mess_absences(request, code):
    """The absences of the days chosen (by default the week from today), paged."""
    mess = get_object_or_404(Mess, code=code)
    today = timezone.localdate()
    chosen = "start" in request.GET or "end" in request.GET
    form = DateRangeForm(request.GET if chosen else {"start": today, "end": today + datetime.timedelta(days=SKIP_AHEAD - 1)})
    context = {"mess": mess, "form": form, "page": None}
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        page = Paginator(absences_of_mess(mess=mess, start=start, end=end), ABSENCES_PAGE).get_page(request.GET.get("page"))
        context |= {"page": page, "start": start, "end": end, "range": urlencode({"start": start, "end": end})}
    return render(request, "mess/absences/absences.html", context)


@mess_page
def export_absences(request, code):
    mess = get_object_or_404(Mess, code=code)
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        return render(request, "mess/absences/absences.html", {"mess": mess, "form": form, "page": None}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = absence_export_rows(start=start, end=end, mess_id=mess.pk)
    return csv_response(columns=ABSENCE_COLUMNS, rows=rows, filename=f"absences-{mess.code}-{start}-{end}.csv")
