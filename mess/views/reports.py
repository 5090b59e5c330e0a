"""A mess's daily report as a page (mess/reports.py makes and e-mails them; the dashboard lists the
latest), for its officials and the admins."""

import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from mess.models import DailyReport
from mess.views.access import mess_page


@mess_page
def daily_report(request, code, day):
    try:
        date = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404("No such date.") from None
    report = get_object_or_404(DailyReport.objects.select_related("mess"), mess__code=code, date=date)
    context = {"mess": report.mess, "report": report, "data": report.data}
    return render(request, "mess/reports/report.html", context)
