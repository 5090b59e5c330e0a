"""Menu editing: officials (and admins, on the same pages and in Django admin) edit their mess's
weekly menu, one-day changes, the non-veg items of a date and the week 1 start, and each change is
kept in the menu history (MenuChange: who, when, before and after). The history is its own table,
so the nightly clean-up of past one-day and non-veg menus (mess/menus.py) leaves it whole.

What a menu may say is mess/menu_rules.py's. Every write checks all it was given before it writes
anything, and writes in one transaction: a refused change changes nothing.
"""

import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from mess.meals import meal_check
from mess.menu_rules import (
    Item,
    Slot,
    dishes_clean,
    dishes_listed,
    item_name_clean,
    menu_date_check,
    price_check,
    rotation_start_check,
)
from mess.messages import messages_store, students_of
from mess.models import (
    MAX_DISHES,
    Meal,
    MenuChange,
    MenuWeek,
    Mess,
    MessageKind,
    NonVegItem,
    NonVegMenu,
    RegularMenu,
    TemporaryMenu,
    Weekday,
)
from mess.text import folded

HISTORY_PAGE_SIZE = 25


# The weekly menu ---------------------------------------------------------------------------------


def regular_menus_of_week(*, mess: Mess, week: int) -> dict[Slot, RegularMenu]:
    """The weekly menus of `mess` served in `week` (MenuWeek), by slot: one query."""
    return {Slot(m.weekday, m.meal, m.is_veg): m for m in RegularMenu.objects.filter(mess=mess, week=week)}


def weeks_in_use(*, mess: Mess) -> set[int]:
    """The weeks (MenuWeek) for which `mess` has weekly menus: one query."""
    return set(RegularMenu.objects.filter(mess=mess).order_by().values_list("week", flat=True).distinct())


def regular_menus_save(*, mess: Mess, week: int, menus: dict[Slot, str], changed_by: AbstractBaseUser | None) -> int:
    """Sets the weekly menu of `mess` for `week` (MenuWeek) to `menus`, dishes as typed by slot. An
    empty text removes that slot's menu; slots not in `menus` stay as they are. Returns how many
    slots changed.

    Every text is checked (dishes_clean) before anything is written: one bad text raises ValueError,
    naming its slot, and nothing changes. A slot whose dishes are the same as stored is not written
    and leaves no history; each other one leaves a MenuChange. A fixed number of queries whatever the
    number of slots (one read, at most one insert, update and delete, one insert into the history),
    in one transaction."""
    if week not in MenuWeek.values:
        raise ValueError(f"{week!r} is not a week of the menu: one of {', '.join(map(str, MenuWeek.values))}.")
    cleaned, problems = {}, []
    for slot, text in menus.items():
        try:
            if slot.weekday not in Weekday.values or slot.meal not in Meal.values:
                raise ValueError("no such day or meal.")
            cleaned[slot] = dishes_clean(text, required=False)
        except ValueError as error:
            problems.append(f"{slot.label}: {error}")
    if problems:
        raise ValueError(" ".join(problems))

    with transaction.atomic():
        stored = {Slot(m.weekday, m.meal, m.is_veg): m for m in RegularMenu.objects.select_for_update().filter(mess=mess, week=week)}
        created, updated, removed, history = [], [], [], []
        for slot, dishes in cleaned.items():
            menu = stored.get(slot)
            before = "\n".join(dishes_listed(menu.dishes)) if menu else ""
            if dishes == before:
                continue
            if menu is None:
                created.append(RegularMenu(mess=mess, week=week, weekday=slot.weekday, meal=slot.meal, is_veg=slot.is_veg, dishes=dishes))
            elif dishes:
                menu.dishes = dishes
                updated.append(menu)
            else:
                removed.append(menu.pk)
            history.append(
                MenuChange(
                    mess=mess,
                    kind=MenuChange.Kind.REGULAR,
                    meal=slot.meal,
                    weekday=slot.weekday,
                    week=week,
                    before=before,
                    after=dishes,
                    changed_by=changed_by,
                )
            )
        if created:
            try:
                with transaction.atomic():
                    RegularMenu.objects.bulk_create(created)
            except IntegrityError:
                raise ValueError(gettext("Someone else changed this menu at the same time: open it again and redo your change.")) from None
        if updated:
            RegularMenu.objects.bulk_update(updated, ["dishes"])
        if removed:
            RegularMenu.objects.filter(pk__in=removed).delete()
        if history:
            MenuChange.objects.bulk_create(history)
    return len(history)


def regular_menu_set(
    *, mess: Mess, week: int, slot: Slot, dishes: str, changed_by: AbstractBaseUser | None, replacing_id: int | None = None
) -> RegularMenu | None:
    """Sets one slot of the weekly menu of `mess` for `week` to `dishes` (regular_menus_save's rules
    and history) and returns its menu, None when `dishes` is empty. With `replacing_id`, the stored
    weekly menu this one is an edit of (in Django admin, which may move it to another mess, week or
    slot): the place it was at is emptied first, in the same transaction, each change kept."""
    with transaction.atomic():
        old = RegularMenu.objects.select_for_update().select_related("mess").filter(pk=replacing_id).first() if replacing_id else None
        if old is not None and (old.mess_id, old.week, Slot(old.weekday, old.meal, old.is_veg)) != (mess.pk, week, slot):
            regular_menus_save(mess=old.mess, week=old.week, menus={Slot(old.weekday, old.meal, old.is_veg): ""}, changed_by=changed_by)
        regular_menus_save(mess=mess, week=week, menus={slot: dishes}, changed_by=changed_by)
        return RegularMenu.objects.filter(mess=mess, week=week, weekday=slot.weekday, meal=slot.meal, is_veg=slot.is_veg).first()


def regular_menus_delete(*, menus: QuerySet[RegularMenu], changed_by: AbstractBaseUser | None) -> int:
    """Removes the weekly menus `menus` (of any messes and weeks), each removal kept in the history,
    in one transaction; returns how many."""
    places: dict[tuple[Mess, int], dict[Slot, str]] = {}
    with transaction.atomic():
        for menu in menus.select_related("mess"):
            places.setdefault((menu.mess, menu.week), {})[Slot(menu.weekday, menu.meal, menu.is_veg)] = ""
        return sum(regular_menus_save(mess=mess, week=week, menus=slots, changed_by=changed_by) for (mess, week), slots in places.items())


def mess_rotation_set(*, mess: Mess, starts_on: datetime.date | None, changed_by: AbstractBaseUser | None) -> bool:
    """Makes `mess` alternate two weekly menus, week 1 starting on the Monday `starts_on` (and every
    other week from it, before it too), or, with None, serve one weekly menu. Raises ValueError when
    `starts_on` is not a Monday. The week 1 and week 2 menus stay either way. Returns whether the
    start changed; a change, which changes what every day serves, leaves a MenuChange (kind ROTATION,
    the dates before and after as YYYY-MM-DD, empty for one weekly menu), in the same transaction."""
    if starts_on is not None:
        rotation_start_check(starts_on)
    with transaction.atomic():
        before = Mess.objects.select_for_update().values_list("rotation_starts_on", flat=True).get(pk=mess.pk)
        mess.rotation_starts_on = starts_on
        if before == starts_on:
            return False
        Mess.objects.filter(pk=mess.pk).update(rotation_starts_on=starts_on)
        MenuChange.objects.create(
            mess=mess,
            kind=MenuChange.Kind.ROTATION,
            before=before.isoformat() if before else "",
            after=starts_on.isoformat() if starts_on else "",
            changed_by=changed_by,
        )
    return True


# One-day changes ---------------------------------------------------------------------------------


def temporary_menus_upcoming(*, mess: Mess) -> QuerySet[TemporaryMenu]:
    """The one-day changes of `mess` from today on, soonest first."""
    return TemporaryMenu.objects.filter(mess=mess, date__gte=timezone.localdate()).order_by("date", "meal")


def temporary_menu_save(
    *, mess: Mess, date: datetime.date, meal: str, dishes: str, changed_by: AbstractBaseUser | None
) -> tuple[TemporaryMenu, bool]:
    """Sets what `mess` serves at `meal` on `date` instead of its weekly menu, creating the one-day
    change or replacing its dishes. Returns the menu and whether it changed (saving the same dishes
    again writes nothing and leaves no history). Raises ValueError, changing nothing, for a past
    date, an unknown meal or dishes dishes_clean refuses (none at all included: remove the change
    instead). A change leaves a MenuChange, in the same transaction."""
    menu_date_check(date)
    meal = meal_check(meal)
    dishes = dishes_clean(dishes)
    with transaction.atomic():
        menu = TemporaryMenu.objects.select_for_update().filter(mess=mess, date=date, meal=meal).first()
        before = "\n".join(dishes_listed(menu.dishes)) if menu else ""
        if before == dishes:
            return menu, False
        if menu is None:
            try:
                with transaction.atomic():
                    menu = TemporaryMenu.objects.create(mess=mess, date=date, meal=meal, dishes=dishes)
            except IntegrityError:
                raise ValueError(gettext("Someone else set this menu at the same time: open it again and redo your change.")) from None
        else:
            menu.dishes = dishes
            menu.save(update_fields=["dishes"])
        change = MenuChange.objects.create(
            mess=mess, kind=MenuChange.Kind.TEMPORARY, meal=meal, date=date, before=before, after=dishes, changed_by=changed_by
        )
        _today_told(change)
    return menu, True


def temporary_menu_set(
    *, mess: Mess, date: datetime.date, meal: str, dishes: str, changed_by: AbstractBaseUser | None, replacing_id: int | None = None
) -> TemporaryMenu:
    """Sets a one-day change (temporary_menu_save's rules and history) and returns it. With
    `replacing_id`, the stored one-day change this is an edit of (in Django admin, which may move it
    to another mess, date or meal): the one at its old place is removed first, in the same transaction."""
    with transaction.atomic():
        old = TemporaryMenu.objects.filter(pk=replacing_id).exclude(mess=mess, date=date, meal=meal) if replacing_id else None
        if old is not None:
            temporary_menus_delete(menus=old, changed_by=changed_by)
        menu, _ = temporary_menu_save(mess=mess, date=date, meal=meal, dishes=dishes, changed_by=changed_by)
    return menu


def temporary_menu_delete(*, mess: Mess, date: datetime.date, meal: str, changed_by: AbstractBaseUser | None) -> bool:
    """Removes the one-day change of `mess` for `meal` on `date`, so the weekly menu is served again;
    returns whether there was one. Raises ValueError for a past date (the clean-up removes those).
    The removal is kept in the history."""
    menu_date_check(date)
    meal = meal_check(meal)
    return temporary_menus_delete(menus=TemporaryMenu.objects.filter(mess=mess, date=date, meal=meal), changed_by=changed_by) > 0


def temporary_menus_delete(*, menus: QuerySet[TemporaryMenu], changed_by: AbstractBaseUser | None) -> int:
    """Removes the one-day changes `menus`, of any date, each removal kept in the history, in one
    transaction and a fixed number of queries; returns how many."""
    with transaction.atomic():
        removed = list(menus.select_for_update())
        TemporaryMenu.objects.filter(pk__in=[menu.pk for menu in removed]).delete()
        changes = [
            MenuChange(
                mess_id=menu.mess_id,
                kind=MenuChange.Kind.TEMPORARY,
                meal=menu.meal,
                date=menu.date,
                before="\n".join(dishes_listed(menu.dishes)),
                after="",
                changed_by=changed_by,
            )
            for menu in removed
        ]
        MenuChange.objects.bulk_create(changes)
        for change in changes:
            _today_told(change)
    return len(removed)


def _today_told(change: MenuChange) -> None:
    """A one-day change of today's menu (set, or removed: the weekly menu is served again) is told to
    the students of its mess who chose it (messages_store); each change is a message of its own."""
    if change.date != timezone.localdate():
        return
    dishes = ", ".join(dishes_listed(change.after)) if change.after else gettext_lazy("The weekly menu is served again.")
    messages_store(
        kind=MessageKind.MENU_CHANGE,
        key=f"{change.mess_id}:{change.date}:{change.meal}:{timezone.now():%Y%m%d%H%M%S%f}",
        users=students_of(mess_ids=[change.mess_id]),
        title=format_lazy(gettext_lazy("Today's {meal} has changed"), meal=Meal(change.meal).label),
        body=dishes,
        url=reverse("mess:feedback"),
    )


# Non-veg items -----------------------------------------------------------------------------------


def nonveg_menus_upcoming(*, mess: Mess) -> QuerySet[NonVegMenu]:
    """The non-veg menus of `mess` from today on, soonest first, with their items (two queries)."""
    return NonVegMenu.objects.filter(mess=mess, date__gte=timezone.localdate()).order_by("date", "meal").prefetch_related("items")


def nonveg_items_of(*, mess: Mess, date: datetime.date, meal: str) -> list[Item]:
    """The non-veg items `mess` offers at `meal` on `date`, in the order they were set (one query)."""
    rows = NonVegItem.objects.filter(menu__mess=mess, menu__date=date, menu__meal=meal).order_by("id")
    return [Item(row.name, row.price) for row in rows]


def _items_text(items: list[Item]) -> str:
    return "\n".join(str(item) for item in items)


def nonveg_items_save(*, mess: Mess, date: datetime.date, meal: str, items: list[Item], changed_by: AbstractBaseUser | None) -> bool:
    """Sets the non-veg items `mess` offers at `meal` on `date` to `items`, in their order; no items
    removes the day's non-veg menu. Returns whether anything changed (the same items again write
    nothing and leave no history).

    Raises ValueError, changing nothing, for a past date, an unknown meal, an item name or price the
    rules refuse (item_name_clean, price_check), two items of the same name, or more than MAX_DISHES
    items. A change leaves one MenuChange listing the items before and after, in the same
    transaction; a fixed number of queries whatever the number of items."""
    menu_date_check(date)
    meal = meal_check(meal)
    cleaned, seen = [], set()
    for n, item in enumerate(items, start=1):
        try:
            name, price = item_name_clean(item.name), price_check(item.price)
        except ValueError as error:
            raise ValueError(gettext("Item %(n)s: %(problem)s") % {"n": n, "problem": error}) from None
        if folded(name) in seen:
            raise ValueError(gettext("Item %(n)s: “%(name)s” is listed twice.") % {"n": n, "name": name})
        seen.add(folded(name))
        cleaned.append(Item(name, price))
    if len(cleaned) > MAX_DISHES:
        raise ValueError(gettext("%(count)s items: a non-veg menu holds at most %(most)s.") % {"count": len(cleaned), "most": MAX_DISHES})
    return _nonveg_write(mess=mess, date=date, meal=meal, items=cleaned, changed_by=changed_by)


def _nonveg_write(*, mess: Mess, date: datetime.date, meal: str, items: list[Item], changed_by: AbstractBaseUser | None) -> bool:
    """Writes checked `items` as the non-veg items of `mess`'s `meal` on `date`, with their history."""
    with transaction.atomic():
        menu = NonVegMenu.objects.select_for_update().filter(mess=mess, date=date, meal=meal).first()
        rows = list(menu.items.order_by("id")) if menu else []
        before = [Item(row.name, row.price) for row in rows]
        if before == items and (menu is None or items):  # (a menu without items goes, though nothing changes)
            return False
        if menu is not None and not items:
            menu.delete()  # and its items
        elif items:
            if menu is None:
                try:
                    with transaction.atomic():
                        menu = NonVegMenu.objects.create(mess=mess, date=date, meal=meal)
                except IntegrityError:
                    raise ValueError(
                        gettext("Someone else set these items at the same time: open them again and redo your change.")
                    ) from None
            _items_replace(menu=menu, rows=rows, items=items)
        MenuChange.objects.create(
            mess=mess,
            kind=MenuChange.Kind.NONVEG,
            meal=meal,
            date=date,
            before=_items_text(before),
            after=_items_text(items),
            changed_by=changed_by,
        )
    return True


def _items_replace(*, menu: NonVegMenu, rows: list[NonVegItem], items: list[Item]) -> None:
    """Makes `menu`'s items (`rows`, stored, in order) `items`, in order, keeping the rows of the places that stay (so that an
    item keeps its id, and its admin page, while its menu changes around it): the first rows take
    the first items, rows left over are deleted and items left over created. A fixed number of
    queries; names move between rows through names no item has, as (menu, name) is unique."""
    kept = rows[: len(items)]
    NonVegItem.objects.filter(pk__in=[row.pk for row in rows[len(items) :]]).delete()
    moved = [row for row, item in zip(kept, items, strict=False) if (row.name, row.price) != (item.name, item.price)]
    if moved:
        for row in moved:
            row.name = f"\x00{row.pk}"  # no item is named so: refused as a control character
        NonVegItem.objects.bulk_update(moved, ["name"])
        for row, item in zip(kept, items, strict=False):
            row.name, row.price = item.name, item.price
        NonVegItem.objects.bulk_update(moved, ["name", "price"])
    NonVegItem.objects.bulk_create(NonVegItem(menu=menu, name=item.name, price=item.price) for item in items[len(kept) :])


def nonveg_menu_set(
    *,
    mess: Mess,
    date: datetime.date,
    meal: str,
    items: list[Item],
    changed_by: AbstractBaseUser | None,
    replacing_id: int | None = None,
) -> NonVegMenu | None:
    """Sets the non-veg items of a date and meal (nonveg_items_save's rules and history) and returns
    their menu, None without items. With `replacing_id`, the stored non-veg menu this is an edit of
    (in Django admin, which may move it to another mess, date or meal): the items at its old place
    are removed first, in the same transaction."""
    with transaction.atomic():
        if replacing_id:
            nonveg_menus_delete(
                menus=NonVegMenu.objects.filter(pk=replacing_id).exclude(mess=mess, date=date, meal=meal), changed_by=changed_by
            )
        nonveg_items_save(mess=mess, date=date, meal=meal, items=items, changed_by=changed_by)
        return NonVegMenu.objects.filter(mess=mess, date=date, meal=meal).first()


def nonveg_menus_delete(*, menus: QuerySet[NonVegMenu], changed_by: AbstractBaseUser | None) -> int:
    """Removes the non-veg menus `menus`, of any date, with their items, each removal kept in the
    history, in one transaction; returns how many."""
    with transaction.atomic():
        removed = list(menus.select_related("mess"))
        for menu in removed:
            _nonveg_write(mess=menu.mess, date=menu.date, meal=menu.meal, items=[], changed_by=changed_by)
    return len(removed)


def nonveg_item_set(
    *, menu: NonVegMenu, name: str, price: Decimal, changed_by: AbstractBaseUser | None, replacing_id: int | None = None
) -> NonVegItem:
    """Adds an item to the non-veg menu `menu`, last, or with `replacing_id` puts it in the place of
    that item (moved from another menu, it leaves that one), by nonveg_items_save's rules, each menu's
    change kept in the history; returns the stored item."""
    with transaction.atomic():
        old = NonVegItem.objects.filter(pk=replacing_id).first() if replacing_id else None
        if old is not None and old.menu_id != menu.pk:
            nonveg_items_delete(items=NonVegItem.objects.filter(pk=old.pk), changed_by=changed_by)
        rows = list(menu.items.order_by("id"))
        items = [Item(name, price) if row.pk == replacing_id else Item(row.name, row.price) for row in rows]
        if not any(row.pk == replacing_id for row in rows):
            items.append(Item(name, price))
        nonveg_items_save(mess=menu.mess, date=menu.date, meal=menu.meal, items=items, changed_by=changed_by)
        return NonVegItem.objects.get(menu__mess=menu.mess, menu__date=menu.date, menu__meal=menu.meal, name=item_name_clean(name))


def nonveg_items_delete(*, items: QuerySet[NonVegItem], changed_by: AbstractBaseUser | None) -> int:
    """Removes the non-veg items `items`, of any menus and dates (a menu left without items goes
    too), each menu's change kept in the history, in one transaction; returns how many."""
    with transaction.atomic():
        removed = {item.pk: item for item in items.select_related("menu__mess")}
        for menu in {item.menu for item in removed.values()}:
            kept = [Item(row.name, row.price) for row in menu.items.order_by("id") if row.pk not in removed]
            _nonveg_write(mess=menu.mess, date=menu.date, meal=menu.meal, items=kept, changed_by=changed_by)
    return len(removed)


# The history -------------------------------------------------------------------------------------


def menu_changes_of(*, mess: Mess) -> QuerySet[MenuChange]:
    """The menu history of `mess`, newest first, with who made each change (for a paginator: one
    query for the count, one per page)."""
    return MenuChange.objects.filter(mess=mess).select_related("changed_by").order_by("-changed_at", "-id")
