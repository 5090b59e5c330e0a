"""What a menu may say, once, for the menus' pages, forms, writes and imports alike: dishes one per
line (spaces trimmed, blank lines dropped), at most MAX_DISHES of them, each at most MAX_DISH_CHARS
characters, without control characters and without `;` (which separates the dishes of a menu
file); prices not negative, in rupees and paise; one-day changes and non-veg items only for today
or later (in the mess's time zone); week 1 of a rotation starting on a Monday. And where a menu sits:
a slot of the weekly grid, the week of a rotation a date falls in."""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from mess.figures import cents
from mess.models import MAX_DISHES, Meal, Mess, Weekday
from mess.text import typed_text

MAX_DISH_CHARS = 100  # of one dish, and of one non-veg item's name (NonVegItem.name)
MAX_PRICE = Decimal("99999.99")  # what NonVegItem.price holds

DISH_SEPARATOR = ";"  # between the dishes of a menu file's cell (mess/menus.py, mess/imports/menus.py): no dish holds it


def _typed(text: str) -> str:
    """typed_text, its refusal worded for a form."""
    try:
        return typed_text(text)
    except ValueError as error:
        raise ValueError(gettext("The text %(problem)s; write it again without it.") % {"problem": error}) from None


def _separator_check(text: str) -> None:
    """Refuses the menu file's dish separator, so that a menu goes out in a file and back unchanged."""
    if DISH_SEPARATOR in text:
        raise ValueError(
            gettext("“%(separator)s” separates dishes in menu files: write each dish on its own line, without “%(separator)s”.")
            % {"separator": DISH_SEPARATOR}
        )


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
        raise ValueError(gettext("Write at least one dish, one per line."))
    if len(dishes) > MAX_DISHES:
        raise ValueError(
            gettext("%(count)s dishes: a menu holds at most %(most)s, one per line.") % {"count": len(dishes), "most": MAX_DISHES}
        )
    for dish in dishes:
        if len(dish) > MAX_DISH_CHARS:
            raise ValueError(
                gettext("“%(dish)s…” is %(length)s characters long: a dish has at most %(most)s.")
                % {"dish": dish[:30], "length": len(dish), "most": MAX_DISH_CHARS}
            )
    return "\n".join(dishes)


def menu_date_check(date: datetime.date) -> datetime.date:
    """`date`, when a one-day menu may be set for it: today or later, in the mess's time zone.
    Raises ValueError otherwise (a past day's menu has been served, and the clean-up removes it)."""
    today = timezone.localdate()
    if date < today:
        raise ValueError(
            gettext("%(day)s is in the past: menus can be changed from today (%(today)s) on.")
            % {"day": date_format(date, "DATE_FORMAT"), "today": date_format(today, "DATE_FORMAT")}
        )
    return date


def item_name_clean(name: str) -> str:
    """A non-veg item's name, trimmed. Raises ValueError when it is empty, too long, or holds a
    control character (a line break included: an item is one line) or a `;`."""
    if "\n" in name.replace("\r\n", "\n").strip():
        raise ValueError(gettext("An item's name is one line."))
    name = _dish(_typed(name))
    _separator_check(name)
    if not name:
        raise ValueError(gettext("Name the item."))
    if len(name) > MAX_DISH_CHARS:
        raise ValueError(
            gettext("The name is %(length)s characters long: at most %(most)s.") % {"length": len(name), "most": MAX_DISH_CHARS}
        )
    return name


def price_check(price: Decimal) -> Decimal:
    """`price` in rupees, when it is a price: not negative, at most two decimals (paise), at most
    MAX_PRICE. Raises ValueError otherwise."""
    try:
        if not price.is_finite():
            raise InvalidOperation
        exponent = price.normalize().as_tuple().exponent
    except (InvalidOperation, AttributeError):
        raise ValueError(gettext("Give the price as a number of rupees, such as 80 or 79.50.")) from None
    if price < 0:
        raise ValueError(gettext("A price cannot be negative."))
    if exponent < -2:
        raise ValueError(gettext("A price has at most two decimals (paise)."))
    if price > MAX_PRICE:
        raise ValueError(gettext("A price is at most ₹%(most)s.") % {"most": MAX_PRICE})
    return cents(price)


@dataclass(frozen=True)
class Slot:
    """A cell of the weekly menu of one week (MenuWeek): a weekday's meal, vegetarian or not."""

    weekday: int
    meal: str
    is_veg: bool = True

    @property
    def label(self) -> str:
        return f"{Weekday(self.weekday).label} {Meal(self.meal).label.lower()}{'' if self.is_veg else ' (non-veg)'}"


def rotation_week(*, mess: Mess, date: datetime.date) -> int | None:
    """The week (1 or 2) `date` falls in at `mess`, counted from its rotation_starts_on (before it
    too), or None when the mess serves one weekly menu."""
    if mess.rotation_starts_on is None:
        return None
    return (date - mess.rotation_starts_on).days // 7 % 2 + 1


def rotation_start_check(starts_on: datetime.date) -> datetime.date:
    """`starts_on`, when week 1 may start on it: a Monday. Raises ValueError otherwise."""
    if starts_on.weekday() != Weekday.MONDAY:
        raise ValueError(
            gettext("%(day)s is a %(weekday)s: week 1 starts on a Monday.")
            % {"day": date_format(starts_on, "DATE_FORMAT"), "weekday": Weekday(starts_on.weekday()).label}
        )
    return starts_on


@dataclass(frozen=True)
class Item:
    """A non-veg item as offered: its name and price (rupees)."""

    name: str
    price: Decimal

    def __str__(self):
        return f"{self.name} ₹{self.price}"
