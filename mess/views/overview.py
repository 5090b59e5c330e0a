"""The admins' overview of every mess (mess/overview.py), with the form of the exports of every mess
(mess/views/exports.py) and the jobs' health."""

from django.shortcuts import render
from django.utils import timezone

from mess.forms.exports import DateRangeForm
from mess.meals import days_ending
from mess.overview import messes_overview
from mess.views.access import admin_page
from scheduling.selectors import jobs_health


@admin_page
def overview(request):
    today = timezone.localdate()
    month_start, _ = days_ending(end=today, days=30)
    context = {
        "today": today,
        "rows": messes_overview(today=today),
        "export_form": DateRangeForm(initial={"start": month_start, "end": today}),
        "jobs": jobs_health(),
    }
    return render(request, "mess/overview/overview.html", context)
