"""CSV exports of waste and feedback over a date range, in the columns the imports read, streamed: a
mess's for its officials and the admins, every mess's for the admins; and the streaming that the
other CSV files (a mess's absences) share."""

import csv

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render

from mess.context_processors import request_access
from mess.feedback import (
    FEEDBACK_COLUMNS,
    feedback_export_rows,
)
from mess.feedback_privacy import feedback_named_export
from mess.forms.exports import DateRangeForm
from mess.imports.reader import cell_out
from mess.models import Mess
from mess.views.access import mess_page, overview_page
from mess.waste import WASTE_COLUMNS, waste_export_rows


class _Echo:
    """A file that hands back what is written to it, so csv.writer can feed a streaming response."""

    def write(self, value):
        return value


def csv_export(request, *, what: str, mess: Mess | None, mess_ids: frozenset[int] | None = None):
    """The waste or feedback of the date range in the GET parameters, of one mess, of all, or (with
    `mess` None) of `mess_ids` (a group admin's messes), as
    CSV in the columns the import commands read. Streamed: memory stays flat however long the range.
    Feedback names each student by a pseudonym; with `names=1`, by their username, for those who may
    see who wrote feedback (others get 403), and the export is logged (mess.feedback_privacy)."""
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        context = {"mess": mess, "form": form, "what": what}
        return render(request, "mess/exports/invalid.html", context, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    mess_id = mess.pk if mess else None
    scope = {"mess_id": mess_id} if mess or mess_ids is None else {"mess_ids": mess_ids}
    if what == "waste":
        columns, rows = WASTE_COLUMNS, waste_export_rows(start=start, end=end, **scope)
    elif request.GET.get("names") == "1":
        what = "feedback-named"
        named = {"mess": mess} if mess or mess_ids is None else {"mess_ids": mess_ids}
        columns, rows = FEEDBACK_COLUMNS, feedback_named_export(user=request.user, start=start, end=end, **named)
    else:
        columns, rows = FEEDBACK_COLUMNS, feedback_export_rows(start=start, end=end, **scope)
    return csv_response(columns=columns, rows=rows, filename=f"{what}-{mess.code if mess else 'all'}-{start}-{end}.csv")


def csv_response(*, columns, rows, filename: str) -> StreamingHttpResponse:
    """`rows` under a header of `columns`, as a CSV file to download, streamed: memory stays flat
    however many rows. Each cell goes out as the imports take it back (cell_out)."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(columns)
        for row in rows:
            yield writer.writerow([cell_out(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@mess_page
def export_waste(request, code):
    mess = get_object_or_404(Mess, code=code)
    return csv_export(request, what="waste", mess=mess)


@mess_page
def export_feedback(request, code):
    mess = get_object_or_404(Mess, code=code)
    return csv_export(request, what="feedback", mess=mess)


@overview_page
def overview_export_waste(request):
    return csv_export(request, what="waste", mess=None, mess_ids=request_access(request).mess_ids)


@overview_page
def overview_export_feedback(request):
    return csv_export(request, what="feedback", mess=None, mess_ids=request_access(request).mess_ids)
