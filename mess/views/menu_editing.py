"""The menu pages of a mess, for its officials and the admins: the weekly menu as a grid (and the
alternation of two weekly menus), one-day changes, the non-veg items of a date, and the history of
every change. The writes and their rules are in mess/menu_editing.py."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from mess.forms.menu_editing import DayMealForm, DayMenuForm, ItemFormSet, RotationForm, WeeklyMenuForm, slot_field_name, week_slots
from mess.menu_editing import (
    HISTORY_PAGE_SIZE,
    menu_changes_of,
    mess_rotation_set,
    nonveg_items_of,
    nonveg_items_save,
    nonveg_menus_upcoming,
    regular_menus_of_week,
    regular_menus_save,
    temporary_menu_delete,
    temporary_menu_save,
    temporary_menus_upcoming,
    weeks_in_use,
)
from mess.menu_rules import Item, dishes_listed, rotation_week
from mess.models import MAX_DISHES, Meal, MenuWeek, Mess, TemporaryMenu, Weekday
from mess.views.access import mess_page


def _week_asked(request, mess: Mess) -> int:
    """The week (MenuWeek) the weekly menu page is about: ?week=0 (every week), 1 or 2; without one,
    the week being served when it has dishes of its own, else the every-week menu unless only another
    week has dishes (never an empty tab while the dishes are on another)."""
    if "week" not in request.GET:
        in_use = weeks_in_use(mess=mess)
        served = rotation_week(mess=mess, date=timezone.localdate())
        if served in in_use:
            return served
        return MenuWeek.EVERY if MenuWeek.EVERY in in_use or not in_use else min(in_use)
    try:
        week = int(request.GET["week"])
    except ValueError:
        raise Http404("No such week.") from None
    if week not in MenuWeek.values:
        raise Http404("No such week.")
    return week


def _weekly_url(mess: Mess, week: int) -> str:
    return reverse("mess:menu_edit", kwargs={"code": mess.code}) + f"?week={week}"


def _grid(form: WeeklyMenuForm, *, is_veg: bool) -> list[dict]:
    """The form's boxes as rows of the grid: a weekday and its meals' boxes."""
    slots = week_slots(is_veg=is_veg)
    return [
        {"label": Weekday(day).label, "cells": [(Meal(s.meal).label, form[slot_field_name(s)]) for s in slots if s.weekday == day]}
        for day in Weekday.values
    ]


def _weekly_page(request, mess: Mess, week: int, *, form=None, rotation_form=None, status=200):
    if form is None:
        stored = regular_menus_of_week(mess=mess, week=week)
        form = WeeklyMenuForm(initial={slot_field_name(slot): "\n".join(dishes_listed(m.dishes)) for slot, m in stored.items()})
    weeks = weeks_in_use(mess=mess) | {MenuWeek.EVERY, week}
    if mess.rotation_starts_on:
        weeks |= {MenuWeek.FIRST, MenuWeek.SECOND}
    nonveg_fields = [form[slot_field_name(s)] for s in week_slots(is_veg=False)]
    context = {
        "mess": mess,
        "week": MenuWeek(week),
        "week_url": _weekly_url(mess, week),  # the form saves the week it shows, whichever the page opened on
        "tabs": [(MenuWeek(w), _weekly_url(mess, w)) for w in sorted(weeks)],
        "form": form,
        "veg_rows": _grid(form, is_veg=True),
        "nonveg_rows": _grid(form, is_veg=False),
        "nonveg_open": any(f.value() or f.errors for f in nonveg_fields),
        "rotation_form": rotation_form or RotationForm(initial={"starts_on": mess.rotation_starts_on}),
        "this_week": rotation_week(mess=mess, date=timezone.localdate()),
    }
    return render(request, "mess/menu_editing/weekly.html", context, status=status)


@mess_page
def weekly(request, code):
    mess = get_object_or_404(Mess, code=code)
    week = _week_asked(request, mess)
    if request.method != "POST":
        return _weekly_page(request, mess, week)
    form = WeeklyMenuForm(request.POST)
    if form.is_valid():
        try:
            changed = regular_menus_save(mess=mess, week=week, menus=form.menus(), changed_by=request.user)
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            what = MenuWeek(week).label.lower()
            if changed:
                messages.success(
                    request,
                    ngettext(
                        "Saved the weekly menu (%(week)s): %(n)s meal changed.",
                        "Saved the weekly menu (%(week)s): %(n)s meals changed.",
                        changed,
                    )
                    % {"week": what, "n": changed},
                )
            else:
                messages.info(request, gettext("Nothing changed in the weekly menu (%(week)s).") % {"week": what})
            return redirect(_weekly_url(mess, week))
    messages.error(request, gettext("Nothing was saved: correct the boxes marked below."))
    return _weekly_page(request, mess, week, form=form)


@mess_page
@require_POST
def rotation(request, code):
    mess = get_object_or_404(Mess, code=code)
    form = RotationForm(request.POST)
    if form.is_valid():
        try:
            mess_rotation_set(mess=mess, starts_on=form.cleaned_data["starts_on"], changed_by=request.user)
        except ValueError as error:
            form.add_error("starts_on", str(error))
        else:
            if mess.rotation_starts_on:
                messages.success(
                    request,
                    gettext("Weeks 1 and 2 alternate from %(date)s.") % {"date": date_format(mess.rotation_starts_on, "DATE_FORMAT")},
                )
            else:
                messages.success(
                    request, gettext("One weekly menu is served every week; the week 1 and week 2 menus are kept but not served.")
                )
            return redirect(_weekly_url(mess, MenuWeek.EVERY))
    return _weekly_page(request, mess, MenuWeek.EVERY, rotation_form=form)


def _day_url(mess: Mess, **query) -> str:
    url = reverse("mess:menu_day", kwargs={"code": mess.code})
    return f"{url}?{urlencode(query)}" if query else url


@mess_page
def day(request, code):
    mess = get_object_or_404(Mess, code=code)
    if request.method == "POST":
        form = DayMenuForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                menu, changed = temporary_menu_save(
                    mess=mess, date=data["date"], meal=data["meal"], dishes=data["dishes"], changed_by=request.user
                )
            except ValueError as error:
                form.add_error(None, str(error))
            else:
                what = gettext("%(meal)s of %(date)s") % {
                    "meal": menu.get_meal_display().lower(),
                    "date": date_format(menu.date, "DATE_FORMAT"),
                }
                if changed:
                    messages.success(request, gettext("Saved the one-day change for %(what)s.") % {"what": what})
                else:
                    messages.info(request, gettext("Nothing changed: %(what)s already had these dishes.") % {"what": what})
                return redirect(_day_url(mess))
    else:
        initial = DayMealForm.today()
        asked = DayMealForm(request.GET) if "date" in request.GET else None
        if asked is not None and asked.is_valid():
            initial = dict(asked.cleaned_data)
            existing = TemporaryMenu.objects.filter(mess=mess, **initial).first()
            if existing:
                initial["dishes"] = "\n".join(dishes_listed(existing.dishes))
        form = DayMenuForm(initial=initial)
    context = {"mess": mess, "form": form, "upcoming": temporary_menus_upcoming(mess=mess)}
    return render(request, "mess/menu_editing/day.html", context)


@mess_page
def day_remove(request, code):
    """GET asks to confirm, showing the dishes that go and what is served instead; only a POST removes."""
    mess = get_object_or_404(Mess, code=code)
    form = DayMealForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        problems = [e for errors in form.errors.values() for e in errors]
        messages.error(request, gettext("Nothing was removed: %(problems)s") % {"problems": " ".join(problems)})
        return redirect(_day_url(mess))
    date, meal = form.cleaned_data["date"], form.cleaned_data["meal"]
    what = gettext("%(meal)s of %(date)s") % {"meal": Meal(meal).label.lower(), "date": date_format(date, "DATE_FORMAT")}
    if request.method != "POST":
        change = TemporaryMenu.objects.filter(mess=mess, date=date, meal=meal).first()
        if change is None:
            messages.info(request, gettext("There is no one-day change for %(what)s.") % {"what": what})
            return redirect(_day_url(mess))
        context = {"mess": mess, "change": change, "dishes": dishes_listed(change.dishes), "back": _day_url(mess)}
        return render(request, "mess/menu_editing/day_remove.html", context)
    if temporary_menu_delete(mess=mess, date=date, meal=meal, changed_by=request.user):
        messages.success(request, gettext("Removed the one-day change for %(what)s: the weekly menu is served.") % {"what": what})
    else:
        messages.info(request, gettext("There was no one-day change for %(what)s.") % {"what": what})
    return redirect(_day_url(mess))


@mess_page
def nonveg(request, code):
    mess = get_object_or_404(Mess, code=code)
    if request.method == "POST" and "more" in request.POST:
        # "Add a row": the rows as typed and one empty row more, nothing saved or judged yet (no script needed)
        which = DayMealForm(request.POST)
        typed = [
            {"name": request.POST.get(f"items-{n}-name", ""), "price": request.POST.get(f"items-{n}-price", "")}
            for n in range(min(int(request.POST.get("items-TOTAL_FORMS") or 0), MAX_DISHES))
        ]
        typed = [row for row in typed if row["name"] or row["price"]]
        formset = ItemFormSet(initial=typed, prefix="items") if which.is_valid() else None
        if formset is not None:
            formset.extra = 1 if len(typed) < MAX_DISHES else 0  # read when its forms are made, below
            if formset.extra:
                formset.forms[-1].fields["name"].widget.attrs["autofocus"] = True
    elif request.method == "POST":
        which = DayMealForm(request.POST)
        formset = ItemFormSet(request.POST, prefix="items")
        if which.is_valid() and formset.is_valid():
            date, meal = which.cleaned_data["date"], which.cleaned_data["meal"]
            items = [Item(f.cleaned_data["name"], f.cleaned_data["price"]) for f in formset.forms if not f.is_empty]
            try:
                changed = nonveg_items_save(mess=mess, date=date, meal=meal, items=items, changed_by=request.user)
            except ValueError as error:
                formset._non_form_errors = formset.error_class([str(error)])
            else:
                what = gettext("%(meal)s of %(date)s") % {"meal": Meal(meal).label.lower(), "date": date_format(date, "DATE_FORMAT")}
                if not changed:
                    messages.info(request, gettext("Nothing changed in the non-veg items of %(what)s.") % {"what": what})
                elif items:
                    messages.success(
                        request,
                        ngettext("Saved %(n)s non-veg item for %(what)s.", "Saved %(n)s non-veg items for %(what)s.", len(items))
                        % {"n": len(items), "what": what},
                    )
                else:
                    messages.success(request, gettext("Removed the non-veg items of %(what)s.") % {"what": what})
                return redirect(f"{reverse('mess:menu_nonveg', kwargs={'code': mess.code})}?{urlencode({'date': date, 'meal': meal})}")
        if not which.is_valid():
            formset = None  # the date itself is refused: there are no items to show
    else:
        which = DayMealForm(request.GET if "date" in request.GET else DayMealForm.today())
        formset = None
        if which.is_valid():
            items = nonveg_items_of(mess=mess, date=which.cleaned_data["date"], meal=which.cleaned_data["meal"])
            formset = ItemFormSet(initial=[{"name": i.name, "price": i.price} for i in items], prefix="items")
    context = {
        "mess": mess,
        "which": which,
        "chosen": which.cleaned_data if which.is_valid() else None,
        "formset": formset,
        "upcoming": nonveg_menus_upcoming(mess=mess),
    }
    return render(request, "mess/menu_editing/nonveg.html", context)


@mess_page
def history(request, code):
    mess = get_object_or_404(Mess, code=code)
    page = Paginator(menu_changes_of(mess=mess), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mess/menu_editing/history.html", {"mess": mess, "page": page})
