"""The students' page: rating today's meals, and their own past feedback."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from mess.context_processors import request_access
from mess.feedback import (
    feedback_history,
    feedback_of_student,
    feedback_save,
)
from mess.forms import FeedbackForm
from mess.meals import meals_of_today
from mess.models import FeedbackCategory, Meal
from mess.views.access import student_page


@student_page
def feedback(request):
    now = timezone.now()
    today = timezone.localdate(now)
    history = feedback_history(student=request.user, before=today)
    if request_access(request).mess_id is None:
        return render(request, "mess/feedback.html", {"today": today, "no_mess": True, "history": history})
    started, upcoming = meals_of_today(now=now)
    posted = None
    if request.method == "POST":
        meal = request.POST.get("meal") if request.POST.get("meal") in Meal.values else "other"
        posted = FeedbackForm(request.POST, meals=started, auto_id=f"id_{meal}_%s")  # the ids its card has unposted
        if posted.is_valid():
            data = posted.cleaned_data
            try:
                saved = feedback_save(
                    student=request.user, meal=data["meal"], rating=data["rating"], category=data["category"], comment=data["comment"]
                )
            except ValueError as e:
                posted.add_error(None, str(e))
            else:
                what = saved.entry.get_meal_display().lower()
                messages.success(request, f"Thank you: your feedback on today's {what} is {'saved' if saved.created else 'updated'}.")
                return redirect("mess:feedback")
    mine = feedback_of_student(student=request.user, date=today)
    cards = []
    for window in started:
        if posted is not None and posted.data.get("meal") == window.meal:
            form = posted
        else:
            entry = mine.get(window.meal)
            initial = {"meal": window.meal, "category": FeedbackCategory.FOOD}
            if entry:
                initial.update(rating=entry.rating, category=entry.category, comment=entry.comment)
            form = FeedbackForm(initial=initial, meals=started, auto_id=f"id_{window.meal}_%s")
        cards.append({"window": window, "form": form, "entry": mine.get(window.meal)})
    # A post for a meal that cannot be rated (not started, unknown) has no card to show its error on.
    stray = posted if posted is not None and posted.errors and posted.data.get("meal") not in {w.meal for w in started} else None
    context = {
        "today": today,
        "cards": cards,
        "upcoming": upcoming,
        "stray": stray,
        "history": history,
    }
    return render(request, "mess/feedback.html", context)
