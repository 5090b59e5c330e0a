"""A mess's dishes that work and dishes that don't, and its menu scorecard (mess/scorecard.py), for
its officials and the admins."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from mess.models import Mess
from mess.scorecard import DISH_DAYS, MIN_DISH_VOTES, SCORECARD_DAYS, dish_counts, scorecard
from mess.views.access import mess_page


@mess_page
def scorecard_page(request, code):
    mess = get_object_or_404(Mess, code=code)
    today = timezone.localdate()
    context = {
        "mess": mess,
        "dishes": dish_counts(mess=mess, today=today),
        "scorecard": scorecard(mess=mess, today=today),
        "dish_days": DISH_DAYS,
        "min_dish_votes": MIN_DISH_VOTES,
        "scorecard_days": SCORECARD_DAYS,
    }
    return render(request, "mess/scorecard/scorecard.html", context)
