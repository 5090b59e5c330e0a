"""The admins' pages: the overview of every mess and its CSV exports."""

from django.shortcuts import render
from django.utils import timezone

from mess.forms.exports import DateRangeForm
from mess.meals import days_ending
from mess.overview import messes_overview
from mess.views.access import admin_page
from mess.views.exports import csv_export
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
    return render(request, "mess/overview.html", context)


@admin_page
def overview_export_waste(request):
    return csv_export(request, what="waste", mess=None)


@admin_page
def overview_export_feedback(request):
    return csv_export(request, what="feedback", mess=None)
