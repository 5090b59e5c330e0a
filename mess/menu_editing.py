"""Menu changes: officials (and admins) edit their mess's weekly menu, one-day changes and the non-veg
items of a date, and each change is kept in the menu history (MenuChange: who, when, before and
after). The history is its own table, so the nightly clean-up of past one-day and non-veg menus
(mess/menus.py) leaves it whole.

The rules for what a menu may say live here, once, for the pages' forms and the writes alike:
dishes one per line (spaces trimmed, blank lines dropped), at most MAX_DISHES of them, each at most
MAX_DISH_CHARS characters, without control characters and without `;` (which separates the dishes
of a menu file, mess/menus.py); prices not negative, in rupees and paise;
one-day changes and non-veg items only for today or later (in the mess's time zone). Every write
checks all it was given before it writes anything, and writes in one transaction: a refused change
changes nothing.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from mess.figures import cents
from mess.meals import meal_check
from mess.models import MAX_DISHES, Meal, MenuChange, MenuWeek, Mess, NonVegItem, NonVegMenu, RegularMenu, TemporaryMenu, Weekday
from mess.text import folded, typed_text

MAX_DISH_CHARS = 100  # of one dish, and of one non-veg item's name (NonVegItem.name)
MAX_PRICE = Decimal("99999.99")  # what NonVegItem.price holds

DISH_SEPARATOR = ";"  # between the dishes of a menu file's cell (mess/menus.py, mess/imports/menus.py): no dish holds it
HISTORY_PAGE_SIZE = 25


# The rules ---------------------------------------------------------------------------------------


def _typed(text: str) -> str:
    """typed_text, its refusal worded for a form."""
    try:
        return typed_text(text)
    except ValueError as error:
        raise ValueError(f"The text {error}; write it again without it.") from None


def _separator_check(text: str) -> None:
    """Refuses the menu file's dish separator, so that a menu goes out in a file and back unchanged."""
    if DISH_SEPARATOR in text:
        raise ValueError(f"“{DISH_SEPARATOR}” separates dishes in menu files: write each dish on its own line, without “{DISH_SEPARATOR}”.")


def _dish(text: str) -> str:
    """One dish as typed, its runs of spaces and tabs made one space."""
    return " ".join(text.split())


def dishes_listed(text: str) -> list[str]:
    """The dishes a stored menu names, one per line, as dishes_clean would keep them. Reads what is
    stored however it got there (Django admin, an import), so it checks nothing."""
    return [dish for dish in (_dish(line) for line in text.splitlines()) if dish]


def dishes_clean(text: str, *, required: bool = True) -> str:
    """`text` as a menu stores it: one dish per line, each trimmed, blank lines dropped. Raises
    ValueError saying what is wrong when it holds a control character, names no dish (and one is
    `required`), more than MAX_DISHES dishes, a dish longer than MAX_DISH_CHARS characters or a `;`."""
    dishes = dishes_listed(_typed(text))
    _separator_check(text)
    if required and not dishes:
        raise ValueError("Write at least one dish, one per line.")
    if len(dishes) > MAX_DISHES:
        raise ValueError(f"{len(dishes)} dishes: a menu holds at most {MAX_DISHES}, one per line.")
    for dish in dishes:
        if len(dish) > MAX_DISH_CHARS:
            raise ValueError(f"“{dish[:30]}…” is {len(dish)} characters long: a dish has at most {MAX_DISH_CHARS}.")
    return "\n".join(dishes)


def menu_date_check(date: datetime.date) -> datetime.date:
    """`date`, when a one-day menu may be set for it: today or later, in the mess's time zone.
    Raises ValueError otherwise (a past day's menu has been served, and the clean-up removes it)."""
    today = timezone.localdate()
    if date < today:
        raise ValueError(f"{date:%d %b %Y} is in the past: menus can be changed from today ({today:%d %b %Y}) on.")
    return date


def item_name_clean(name: str) -> str:
    """A non-veg item's name, trimmed. Raises ValueError when it is empty, too long, or holds a
    control character (a line break included: an item is one line) or a `;`."""
    if "\n" in name.replace("\r\n", "\n").strip():
        raise ValueError("An item's name is one line.")
    name = _dish(_typed(name))
    _separator_check(name)
    if not name:
        raise ValueError("Name the item.")
    if len(name) > MAX_DISH_CHARS:
        raise ValueError(f"The name is {len(name)} characters long: at most {MAX_DISH_CHARS}.")
    return name


def price_check(price: Decimal) -> Decimal:
    """`price` in rupees, when it is a price: not negative, at most two decimals (paise), at most
    MAX_PRICE. Raises ValueError otherwise."""
    try:
        if not price.is_finite():
            raise InvalidOperation
        exponent = price.normalize().as_tuple().exponent
    except (InvalidOperation, AttributeError):
        raise ValueError("Give the price as a number of rupees, such as 80 or 79.50.") from None
    if price < 0:
        raise ValueError("A price cannot be negative.")
    if exponent < -2:
        raise ValueError("A price has at most two decimals (paise).")
    if price > MAX_PRICE:
        raise ValueError(f"A price is at most ₹{MAX_PRICE}.")
    return cents(price)


# The weekly menu ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A cell of the weekly menu of one week (MenuWeek): a weekday's meal, vegetarian or not."""

    weekday: int
    meal: str
    is_veg: bool = True

    @property
    def label(self) -> str:
        return f"{Weekday(self.weekday).label} {Meal(self.meal).label.lower()}{'' if self.is_veg else ' (non-veg)'}"


def regular_menus_of_week(*, mess: Mess, week: int) -> dict[Slot, RegularMenu]:
    """The weekly menus of `mess` served in `week` (MenuWeek), by slot: one query."""
    return {Slot(m.weekday, m.meal, m.is_veg): m for m in RegularMenu.objects.filter(mess=mess, week=week)}


def weeks_in_use(*, mess: Mess) -> set[int]:
    """The weeks (MenuWeek) for which `mess` has weekly menus: one query."""
    return set(RegularMenu.objects.filter(mess=mess).order_by().values_list("week", flat=True).distinct())


def rotation_week(*, mess: Mess, date: datetime.date) -> int | None:
    """The week (1 or 2) `date` falls in at `mess`, counted from its rotation_starts_on (before it
    too), or None when the mess serves one weekly menu."""
    if mess.rotation_starts_on is None:
        return None
    return (date - mess.rotation_starts_on).days // 7 % 2 + 1


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
                raise ValueError("Someone else changed this menu at the same time: open it again and redo your change.") from None
        if updated:
            RegularMenu.objects.bulk_update(updated, ["dishes"])
        if removed:
            RegularMenu.objects.filter(pk__in=removed).delete()
        if history:
            MenuChange.objects.bulk_create(history)
    return len(history)


def rotation_start_check(starts_on: datetime.date) -> datetime.date:
    """`starts_on`, when week 1 may start on it: a Monday. Raises ValueError otherwise."""
    if starts_on.weekday() != Weekday.MONDAY:
        raise ValueError(f"{starts_on:%d %b %Y} is a {starts_on:%A}: week 1 starts on a Monday.")
    return starts_on


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
                raise ValueError("Someone else set this menu at the same time: open it again and redo your change.") from None
        else:
            menu.dishes = dishes
            menu.save(update_fields=["dishes"])
        MenuChange.objects.create(
            mess=mess, kind=MenuChange.Kind.TEMPORARY, meal=meal, date=date, before=before, after=dishes, changed_by=changed_by
        )
    return menu, True


def temporary_menu_delete(*, mess: Mess, date: datetime.date, meal: str, changed_by: AbstractBaseUser | None) -> bool:
    """Removes the one-day change of `mess` for `meal` on `date`, so the weekly menu is served again;
    returns whether there was one. Raises ValueError for a past date (the clean-up removes those).
    The removal leaves a MenuChange, in the same transaction."""
    menu_date_check(date)
    meal = meal_check(meal)
    with transaction.atomic():
        menu = TemporaryMenu.objects.select_for_update().filter(mess=mess, date=date, meal=meal).first()
        if menu is None:
            return False
        menu.delete()
        MenuChange.objects.create(
            mess=mess,
            kind=MenuChange.Kind.TEMPORARY,
            meal=meal,
            date=date,
            before="\n".join(dishes_listed(menu.dishes)),
            after="",
            changed_by=changed_by,
        )
    return True


# Non-veg items -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A non-veg item as offered: its name and price (rupees)."""

    name: str
    price: Decimal

    def __str__(self):
        return f"{self.name} ₹{self.price}"


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
            raise ValueError(f"Item {n}: {error}") from None
        if folded(name) in seen:
            raise ValueError(f"Item {n}: “{name}” is listed twice.")
        seen.add(folded(name))
        cleaned.append(Item(name, price))
    if len(cleaned) > MAX_DISHES:
        raise ValueError(f"{len(cleaned)} items: a non-veg menu holds at most {MAX_DISHES}.")

    with transaction.atomic():
        menu = NonVegMenu.objects.select_for_update().filter(mess=mess, date=date, meal=meal).first()
        before = [Item(row.name, row.price) for row in menu.items.order_by("id")] if menu else []
        if before == cleaned:
            return False
        if menu is not None and not cleaned:
            menu.delete()  # and its items
        elif cleaned:
            if menu is None:
                try:
                    with transaction.atomic():
                        menu = NonVegMenu.objects.create(mess=mess, date=date, meal=meal)
                except IntegrityError:
                    raise ValueError("Someone else set these items at the same time: open them again and redo your change.") from None
            else:
                NonVegItem.objects.filter(menu=menu).delete()
            NonVegItem.objects.bulk_create(NonVegItem(menu=menu, name=item.name, price=item.price) for item in cleaned)
        MenuChange.objects.create(
            mess=mess,
            kind=MenuChange.Kind.NONVEG,
            meal=meal,
            date=date,
            before=_items_text(before),
            after=_items_text(cleaned),
            changed_by=changed_by,
        )
    return True


# The history -------------------------------------------------------------------------------------

# Where a change is kept: (mess id, kind, meal, date, weekday, week), MenuChange's own fields.
MenuPlace = tuple[int, str, str, datetime.date | None, int | None, int | None]


def menus_as_stored(*, menus: list[RegularMenu | TemporaryMenu | NonVegMenu]) -> dict[MenuPlace, str]:
    """What `menus` say as the menu history keeps it, by where each is kept: a weekly menu's or a
    one-day change's dishes one per line, a non-veg menu's items (as stored now: one query when
    there are non-veg menus, none otherwise). For a write made around the rules' writes (Django
    admin): read it before and after, and give both to menu_changes_record."""
    nonveg_ids = [menu.pk for menu in menus if isinstance(menu, NonVegMenu)]
    items: dict[int, list[Item]] = {pk: [] for pk in nonveg_ids}
    if nonveg_ids:
        for row in NonVegItem.objects.filter(menu_id__in=nonveg_ids).order_by("id"):
            items[row.menu_id].append(Item(row.name, row.price))
    stored = {}
    for menu in menus:
        if isinstance(menu, RegularMenu):
            place = (menu.mess_id, MenuChange.Kind.REGULAR, menu.meal, None, menu.weekday, menu.week)
            stored[place] = "\n".join(dishes_listed(menu.dishes))
        elif isinstance(menu, TemporaryMenu):
            stored[(menu.mess_id, MenuChange.Kind.TEMPORARY, menu.meal, menu.date, None, None)] = "\n".join(dishes_listed(menu.dishes))
        else:
            stored[(menu.mess_id, MenuChange.Kind.NONVEG, menu.meal, menu.date, None, None)] = _items_text(items[menu.pk])
    return stored


def menu_changes_record(*, before: dict[MenuPlace, str], after: dict[MenuPlace, str], changed_by: AbstractBaseUser | None) -> int:
    """Keeps in the menu history what a write made around the rules' writes changed: `before` and
    `after` are menus_as_stored of what it touched, before and after it (a place in only one of them
    was created or removed). One MenuChange per place whose text differs, in one query (none when
    nothing changed); returns how many."""
    history = [
        MenuChange(
            mess_id=mess_id,
            kind=kind,
            meal=meal,
            date=date,
            weekday=weekday,
            week=week,
            before=before.get(place, ""),
            after=after.get(place, ""),
            changed_by=changed_by,
        )
        for place in {**before, **after}
        for mess_id, kind, meal, date, weekday, week in [place]
        if before.get(place, "") != after.get(place, "")
    ]
    if history:
        MenuChange.objects.bulk_create(history)
    return len(history)


def menu_changes_of(*, mess: Mess) -> QuerySet[MenuChange]:
    """The menu history of `mess`, newest first, with who made each change (for a paginator: one
    query for the count, one per page)."""
    return MenuChange.objects.filter(mess=mess).select_related("changed_by").order_by("-changed_at", "-id")
