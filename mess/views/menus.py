"""Menu pages: each mess's public menu (today and the next seven days, no login) and the weekly
menu as a CSV file for its officials and the admins."""

import csv

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from mess.announcements import announcements_shown
from mess.imports.reader import cell_out
from mess.meals import meal_windows
from mess.menus import MENU_COLUMNS, meals_now_first, menu_export_rows, menu_of_week
from mess.models import Mess
from mess.opinions import opinions
from mess.scorecard import MIN_DISH_VOTES
from mess.views.access import mess_page


def public_menu(request, code):
    """Anyone's, signed in or not, unless PUBLIC_MENUS is off; an inactive mess has none. What its
    students think shows only when the mess allows it (Mess.public_opinions)."""
    if not settings.PUBLIC_MENUS:
        raise Http404("Public menus are turned off.")
    mess = get_object_or_404(Mess, code=code, is_active=True)
    now = timezone.now()
    week = menu_of_week(mess=mess, start=timezone.localdate(now))
    context = {
        "mess": mess,
        "today": week[0].date,
        "menu_today": meals_now_first(menu=week[0], windows=meal_windows(mess=mess), now=now),
        "menu_week": week,
        "shown": announcements_shown(mess_id=mess.pk, day=week[0].date),
        # What students think, only where the mess allows it.
        "opinions": opinions(mess=mess, today=week[0].date) if mess.public_opinions else None,
        "min_dish_votes": MIN_DISH_VOTES,
    }
    return render(request, "mess/menus/public_menu.html", context)


@mess_page
def export_menu(request, code):
    mess = get_object_or_404(Mess, code=code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="menu-{mess.code}.csv"'
    writer = csv.writer(response)
    writer.writerow(MENU_COLUMNS)
    writer.writerows([cell_out(cell) for cell in row] for row in menu_export_rows(mess_id=mess.pk))
    return response
