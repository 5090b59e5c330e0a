"""The waste pages of a mess, for its officials and the admins: a meal's waste for every floor in one
form (on a day the mess is closed too, with a warning), the deletion of a wrong record, and the
history of every change."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from mess.forms.waste import WasteMealForm, WasteMealPickForm, unusual_key
from mess.meals import closures_by_day, meals_of_today
from mess.models import Floor, Meal, Mess, WasteRecord
from mess.unusual_waste import waste_unusual
from mess.views.access import mess_page
from mess.waste import (
    FloorChanged,
    MealSaved,
    meal_cooked,
    waste_history,
    waste_meal_save,
    waste_of_meal,
    waste_record_delete,
    waste_records_recent,
)

HISTORY_PAGE = 50  # changes per page of the history


def meal_url(mess: Mess, date: datetime.date, meal: str) -> str:
    """The waste page of `mess` showing `meal` of `date`."""
    return reverse("mess:waste", kwargs={"code": mess.code}) + "?" + urlencode({"date": date.isoformat(), "meal": meal})


def latest_meal(*, mess: Mess) -> dict:
    """The meal the waste page opens at: today's latest meal at `mess` that has started, or, before
    the first, yesterday's last."""
    now = timezone.now()
    started, to_come = meals_of_today(now=now, mess=mess)
    if started:
        return {"date": timezone.localdate(now).isoformat(), "meal": started[-1].meal}
    return {"date": (timezone.localdate(now) - datetime.timedelta(days=1)).isoformat(), "meal": to_come[-1].meal}


@mess_page
def waste_entry(request, code):
    mess = get_object_or_404(Mess, code=code)
    floors = list(Floor.objects.filter(mess=mess).order_by("name"))
    data = request.POST if request.method == "POST" else request.GET
    pick = WasteMealPickForm(data if "date" in data or "meal" in data else latest_meal(mess=mess), mess=mess)
    context = {"mess": mess, "pick": pick, "form": None, "unusual": {}, "recent": waste_records_recent(mess=mess)}
    if not pick.is_valid():
        return render(request, "mess/waste/waste.html", context)
    date, meal = pick.cleaned_data["date"], pick.cleaned_data["meal"]
    stored, cooked = waste_of_meal(mess=mess, date=date, meal=meal), meal_cooked(mess=mess, date=date, meal=meal)
    # recorded all the same (staff may weigh what was cooked), but the official is told it counts in no alert
    closed = closures_by_day(mess_ids=[mess.pk], start=date, end=date).get((mess.pk, date))
    context |= {"date": date, "meal": Meal(meal), "closed": closed}
    if request.method != "POST":
        context["form"] = WasteMealForm(floors=floors, stored=stored, cooked=cooked, initial={"date": date, "meal": meal})
        return render(request, "mess/waste/waste.html", context)
    form = context["form"] = WasteMealForm(request.POST, floors=floors, stored=stored, cooked=cooked)
    if form.is_valid():
        changed = form.changed_figures()
        unusual = waste_unusual(mess=mess, date=date, meal=meal, figures=changed)
        key = unusual_key([f for f in changed if f.floor.pk in unusual])
        if unusual and form.cleaned_data["confirm"] != key:
            form.unusual = unusual
            context |= {"unusual": unusual, "unusual_key": key}
            return render(request, "mess/waste/waste.html", context)
        try:
            saved = waste_meal_save(mess=mess, date=date, meal=meal, figures=form.figures, recorded_by=request.user, cooked=form.cooked)
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, saved_text(saved, date=date, meal=Meal(meal)))
            return redirect(meal_url(mess, date, meal))
    return render(request, "mess/waste/waste.html", context)


def saved_text(saved: MealSaved, *, date: datetime.date, meal: Meal) -> str:
    what = gettext("%(meal)s of %(date)s") % {"meal": meal.label, "date": date_format(date, "DATE_FORMAT")}
    recorded = ", ".join(
        gettext("%(kg)s kg%(diners)s for %(floor)s") % {"kg": kg, "diners": _diners(n), "floor": name} for name, kg, n in saved.recorded
    )
    parts = [gettext("recorded %(floors)s") % {"floors": recorded}] if saved.recorded else []
    parts += [_change_text(change) for change in saved.changed]
    if saved.cooked:
        before, after = saved.cooked
        if after is None:
            parts.append(gettext("what was cooked (%(kg)s kg) removed") % {"kg": before})
        elif before is None:
            parts.append(gettext("cooked %(kg)s kg") % {"kg": after})
        else:
            parts.append(gettext("cooked changed from %(before)s kg to %(after)s kg") % {"before": before, "after": after})
    if not parts:
        return gettext("%(what)s: nothing changed.") % {"what": what}
    return gettext("%(what)s: %(changes)s.") % {"what": what, "changes": "; ".join(parts)}


def _diners(n: int | None) -> str:
    return "" if n is None else gettext(" (%(n)s diners)") % {"n": n}


def _change_text(change: FloorChanged) -> str:
    """One floor's change in words: the kilograms, and the head count when it changed (a cleared
    one is said, never dropped without a word)."""
    kg = ""
    if change.kg_before != change.kg_after:
        kg = gettext(" changed from %(before)s kg to %(after)s kg") % {"before": change.kg_before, "after": change.kg_after}
    before, after = change.diners_before, change.diners_after
    if before == after:
        return f"{change.name}{kg}"
    if after is None:
        diners = gettext("head count %(n)s cleared") % {"n": before}
    elif before is None:
        diners = gettext("head count %(n)s added") % {"n": after}
    else:
        diners = gettext("head count changed from %(before)s to %(after)s") % {"before": before, "after": after}
    return f"{change.name}{kg}, {diners}" if kg else f"{change.name}: {diners}"


@mess_page
def waste_delete(request, code, pk):
    """GET asks to confirm; only a POST deletes."""
    mess = get_object_or_404(Mess, code=code)
    if request.method == "POST":
        try:
            record = waste_record_delete(mess=mess, record_id=pk, deleted_by=request.user)
        except WasteRecord.DoesNotExist:
            raise Http404("No such waste record.") from None
        messages.success(
            request,
            gettext("Deleted the waste of %(floor)s, %(meal)s of %(date)s (%(kg)s kg). The history keeps what it said.")
            % {
                "floor": record.floor.name,
                "meal": record.get_meal_display().lower(),
                "date": date_format(record.date, "DATE_FORMAT"),
                "kg": record.total_kg,
            },
        )
        return redirect(meal_url(mess, record.date, record.meal))
    record = get_object_or_404(WasteRecord.objects.select_related("floor", "recorded_by"), pk=pk, floor__mess=mess)
    context = {"mess": mess, "record": record, "back": meal_url(mess, record.date, record.meal)}
    return render(request, "mess/waste/delete.html", context)


@mess_page
def waste_history_page(request, code):
    """Every change to the mess's waste records, for its officials (the delete page promises that the
    history keeps what a record said) and the admins."""
    mess = get_object_or_404(Mess, code=code)
    page = Paginator(waste_history(mess=mess), HISTORY_PAGE).get_page(request.GET.get("page"))
    return render(request, "mess/waste/history.html", {"mess": mess, "page": page})
