"""The admins' overview of every mess (mess/overview.py), and a group admin's of their groups' messes:
paged, sorted by any column, filtered (by group, by open alerts) and searched by GET parameters,
which its CSV file of the same selection reads too; with the form of the exports of those messes
(mess/views/exports.py) and the jobs' health."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mess.context_processors import request_access
from mess.forms.exports import DateRangeForm
from mess.meals import days_ending
from mess.overview import messes_overview, overview_page, sort_check
from mess.scopes import scope_groups
from mess.views.access import overview_page as overview_access
from mess.views.exports import csv_response
from scheduling.selectors import jobs_health

# The sortable columns: (key in mess.overview.SORTS, heading, the way a first click sorts).
COLUMNS = [
    ("name", _("Mess"), ""),
    ("waste", _("g per diner"), "-"),
    ("value", _("Worth (₹)"), "-"),
    ("rating", _("Average rating"), "-"),
    ("alerts", _("Open alerts"), "-"),
    ("missing", _("Missing records"), "-"),
]
CSV_COLUMNS = [
    "code",
    "name",
    "active",
    "waste_kg",
    "worth_inr",
    "co2e_kg",
    "meals",
    "g_per_diner",
    "feedback_count",
    "average_rating",
    "open_alerts",
    "missing_records",
    "last_report",
    "baseline_g_per_diner",
    "goal_g_per_diner",
    "reduction_percent",
]


def selection(request) -> dict:
    """The overview's selection in the GET parameters: `q` (name or code), `open_alerts`, `sort`
    (an unknown one: the default) and `group_id` (`?group=`, a group's id; anything else: none);
    and, for a group admin, `mess_ids`, their groups' messes, which no parameter widens."""
    group = request.GET.get("group", "")
    return {
        "q": request.GET.get("q", "").strip()[:100],
        "open_alerts": request.GET.get("alerts") == "1",
        "sort": sort_check(request.GET.get("sort")),
        "group_id": int(group) if group.isdigit() and len(group) < 10 else None,
        "mess_ids": request_access(request).mess_ids,
    }


def headings(sort: str) -> dict:
    """Each sortable column by key: its `label`, the `sort` a click on it asks for (the other way
    when it is the current sort) and its `aria_sort`."""
    current, descending = sort.removeprefix("-"), sort.startswith("-")
    columns = {}
    for key, label, first in COLUMNS:
        if key == current:
            next_sort, aria = (key if descending else f"-{key}"), ("descending" if descending else "ascending")
        else:
            next_sort, aria = f"{first}{key}", "none"
        columns[key] = {"label": label, "sort": next_sort, "aria_sort": aria}
    return columns


@overview_access
def overview(request):
    now = timezone.now()
    today = timezone.localdate(now)
    month_start, _ = days_ending(end=today, days=30)
    chosen = selection(request)
    page, totals = overview_page(now=now, number=request.GET.get("page"), **chosen)
    access = request_access(request)
    context = {
        "groups": scope_groups(user_id=None if access.is_admin else request.user.pk),
        "today": today,
        "page": page,
        "rows": page.object_list,
        "totals": totals,
        "columns": headings(chosen["sort"]),
        **chosen,
        "export_form": DateRangeForm(initial={"start": month_start, "end": today}),
        "jobs": jobs_health(),
    }
    return render(request, "mess/overview/overview.html", context)


@overview_access
def overview_csv(request):
    """Every mess of the selection (search, filter and sort applied, all pages), a row each."""
    now = timezone.now()

    def cells(row):
        mess, valued, goal = row["mess"], row["valued"], row["goal"]
        reduction = goal.reduction
        values = [
            mess.code,
            mess.name,
            "yes" if mess.is_active else "no",
            row["waste_kg"],
            valued.inr if valued else None,
            valued.co2e_kg if valued else None,
            valued.meals if valued else None,
            row["grams_per_diner"],
            row["feedback_count"],
            row["average_rating"],
            row["open_alerts"],
            row["missing_records"],
            row["last_report"],
            goal.baseline,
            goal.target,
            None if reduction is None else f"{reduction * 100:.1f}",
        ]
        return ["" if value is None else str(value) for value in values]

    rows = (cells(row) for row in messes_overview(now=now, **selection(request)))
    return csv_response(columns=CSV_COLUMNS, rows=rows, filename=f"overview-{timezone.localdate(now)}.csv")
