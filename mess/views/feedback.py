"""The students' page: today's menu (the meal being served first) and the week's, rating today's
meals and the dishes of each (none on a day the mess is closed), the meals of the week they can
still skip (or take back) and their leaves (mess/views/absences.py takes the posts), what the
mess's students think (mess/opinions.py), and their own past feedback; the mess's announcements of
the day at the top."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from mess.absences import absences_ahead, cutoff_in_words, meals_ahead
from mess.announcements import announcements_shown
from mess.context_processors import request_access
from mess.feedback import (
    feedback_history,
    feedback_of_student,
    feedback_save,
)
from mess.forms.absences import LeaveForm
from mess.forms.feedback import DishVotesForm, FeedbackForm
from mess.meals import meals_of_today
from mess.menus import dish_votes_of, meals_now_first, menu_of_week
from mess.models import FeedbackCategory, Meal, Mess
from mess.opinions import opinions
from mess.scorecard import MIN_DISH_VOTES
from mess.views.access import student_page

LEAVE_IDS = "id_leave_%s"  # the leave form's ids, apart from the rating forms'


@student_page
def feedback(request):
    return feedback_page(request, rating_posted=request.method == "POST")


def feedback_page(request, *, rating_posted: bool = False, leave: LeaveForm | None = None):
    """The page, with a rating the student posted (`rating_posted`) or their leave form as posted
    (`leave`) showing its errors."""
    now = timezone.now()
    today = timezone.localdate(now)
    history = feedback_history(student=request.user, before=today)
    if request_access(request).mess_id is None:
        context = {"today": today, "no_mess": True, "history": history, "retention_days": settings.FEEDBACK_RETENTION_DAYS}
        return render(request, "mess/feedback/feedback.html", context)
    mess = Mess.objects.get(pk=request_access(request).mess_id)
    started, upcoming = meals_of_today(now=now, mess=mess)
    week = menu_of_week(mess=mess, start=today)
    posted = posted_votes = None
    if rating_posted:
        meal = request.POST.get("meal") if request.POST.get("meal") in Meal.values else "other"
        posted = FeedbackForm(request.POST, meals=started, auto_id=f"id_{meal}_%s")  # the ids its card has unposted
        dishes = week[0].meal(meal).dishes if meal in Meal.values else []
        posted_votes = DishVotesForm(request.POST, dishes=dishes, auto_id=f"id_{meal}_%s")
        if posted.is_valid() and posted_votes.is_valid():
            data = posted.cleaned_data
            try:
                saved = feedback_save(
                    student=request.user,
                    meal=data["meal"],
                    rating=data["rating"],
                    category=data["category"],
                    comment=data["comment"],
                    dish_votes=posted_votes.votes(),
                )
            except ValueError as e:
                posted.add_error(None, str(e))
            else:
                # said on the meal's card, where the page lands, not at the top of a long page out of sight
                outcome = "saved" if saved.created else "updated"
                return redirect(f"{reverse('mess:feedback')}?{outcome}={saved.entry.meal}#meal-{saved.entry.meal}")
    mine = feedback_of_student(student=request.user, date=today)
    voted = dish_votes_of(feedback_ids=[entry.pk for entry in mine.values()])
    closed = week[0].closed  # a closed mess serves no meal to rate: no form is offered
    rateable = [] if closed else started
    cards = []
    for window in rateable:
        dishes = week[0].meal(window.meal).dishes
        if posted is not None and posted.data.get("meal") == window.meal:
            form, votes = posted, posted_votes
        else:
            entry = mine.get(window.meal)
            initial = {"meal": window.meal, "category": FeedbackCategory.FOOD}
            mine_voted = voted.get(entry.pk, {}) if entry else {}
            if entry:
                initial.update(rating=entry.rating, category=entry.category, comment=entry.comment)
            form = FeedbackForm(initial=initial, meals=started, auto_id=f"id_{window.meal}_%s")
            votes = DishVotesForm(
                initial={
                    "liked": [d for d, liked in mine_voted.items() if liked],
                    "disliked": [d for d, liked in mine_voted.items() if not liked],
                },
                dishes=dishes,
                auto_id=f"id_{window.meal}_%s",
            )
        dish_rows = [{"dish": dish, "vote": votes.choice(dish), "n": n} for n, dish in enumerate(dishes)]
        # the dish votes take the focus when they alone are wrong (else the first wrong field has it)
        focus_votes = (
            form is posted and bool(votes.errors) and not any(n in posted.fields and not posted[n].is_hidden for n in posted.errors)
        )
        card = {"window": window, "form": form, "entry": mine.get(window.meal), "votes": votes, "dishes": dish_rows}
        cards.append({**card, "focus_votes": focus_votes})
    # A post for a meal that cannot be rated (not started, unknown) has no card to show its error on.
    stray = posted if posted is not None and posted.errors and posted.data.get("meal") not in {w.meal for w in rateable} else None
    problems = _problems(posted, posted_votes) if posted is not None and stray is None else []
    context = {
        "today": today,
        "mess": mess,
        "menu_today": meals_now_first(menu=week[0], windows=[*started, *upcoming], now=now),
        "menu_week": week,
        "cards": cards,
        "upcoming": [] if closed else upcoming,
        "closed": closed,
        "stray": stray,
        "problems": problems,
        "thanks": _thanks(request.GET),
        "history": history,
        "retention_days": settings.FEEDBACK_RETENTION_DAYS,
        "shown": announcements_shown(mess_id=mess.pk, day=today),
        "cutoff_text": cutoff_in_words(mess=mess),
        "week": _week_ahead(week, meals_ahead(student=request.user, mess=mess, now=now)),
        "leave_form": leave or LeaveForm(auto_id=LEAVE_IDS),
        "absences": absences_ahead(student=request.user, today=today),
        "opinions": opinions(mess=mess, today=today),
        "min_dish_votes": MIN_DISH_VOTES,
    }
    return render(request, "mess/feedback/feedback.html", context)


def _problems(posted: FeedbackForm, votes: DishVotesForm) -> list[dict]:
    """What a refused rating got wrong, each linked to its field, for the summary at the top of the
    page; the first wrong field gets the focus, so that a phone lands on it and not at the top."""
    meal = posted.data.get("meal")
    problems = []
    for name, errors in posted.errors.items():
        field = posted[name] if name in posted.fields and not posted[name].is_hidden else None
        if field is None:
            href = f"#meal-{meal}"
        else:  # a group of choices has no one input its label names: its first choice
            href = f"#{field.auto_id}_0" if field.field.widget.use_fieldset else f"#{field.id_for_label}"
        label = f"{field.label}: " if field is not None else ""
        problems += [{"href": href, "text": f"{label}{e}"} for e in errors]
        if field is not None and not field.field.widget.use_fieldset and len(problems) == len(errors):
            posted.fields[name].widget.attrs["autofocus"] = True  # a box of its own; a group's choices are linked above
    if votes.errors:
        problems += [{"href": f"#id_{meal}_liked_0", "text": e} for errors in votes.errors.values() for e in errors]
    return problems


def _thanks(query) -> str:
    thanks = {
        "saved": gettext_lazy("Thank you: your feedback on today's %(meal)s is saved."),
        "updated": gettext_lazy("Thank you: your feedback on today's %(meal)s is updated."),
    }
    for outcome, text in thanks.items():
        meal = query.get(outcome)
        if meal in Meal.values:
            return {"meal": meal, "text": text % {"meal": Meal(meal).label.lower()}}
    return None


def _week_ahead(week, ahead) -> list[dict]:
    """Each day of the week's menu with each of its meals beside whether the student skips it and
    its cut-off (mess.absences.MealAhead), for the week's card."""
    return [{"day": day, "meals": [{"menu": m, "ahead": ahead[day.date, m.meal]} for m in day.meals]} for day in week]
