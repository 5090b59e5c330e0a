"""Menus: what a mess serves on a day (the regular weekly menu, with its optional odd/even-week
rotation, replaced for a date and meal by a one-day temporary menu, and the day's non-veg items with
their prices), the dishes students like and dislike, and the cleanup_old_menu job, which deletes the
one-day menus of past days.

Which regular menu serves a date: the rows of the date's weekday. A mess with `rotation_starts_on`
alternates two weekly menus, week 1 from that Monday, week 2 the week after, and so on (before the
start date too); for each meal, and for veg and non-veg apart, a row of the date's week (1 or 2)
wins over a row for every week, which serves the weeks that have no row of their own. A mess
without a start date does not alternate: only its rows for every week are served. A temporary menu
of a date and meal replaces that meal's regular menu, veg and non-veg rows alike; the non-veg items
of the date are shown beside whichever menu is served. On a day the mess is closed (mess.closures)
the menu says so, with the closure's reason: the pages show that instead of the meals."""

import datetime
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections, router, transaction
from django.db.models import Max, Min
from django.utils import timezone

from mess.meals import closures_by_day
from mess.menu_rules import DISH_SEPARATOR, dishes_listed, rotation_week
from mess.models import (
    DishVote,
    Feedback,
    Meal,
    MealWindow,
    MenuWeek,
    Mess,
    NonVegItem,
    NonVegMenu,
    RegularMenu,
    TemporaryMenu,
    Weekday,
)
from mess.text import plural

# The longest dish text a vote keeps (DishVote.dish): a longer dish is shown whole and voted on cut.
DISH_LENGTH = DishVote._meta.get_field("dish").max_length


@dataclass(frozen=True)
class NonVegOffer:
    name: str
    price: Decimal


@dataclass(frozen=True)
class MealMenu:
    """One meal of one day: its veg dishes and its non-veg dishes (of the regular or the temporary
    menu), whether a temporary menu replaces the regular one (`changed`), and the non-veg items on
    sale with their prices."""

    meal: str
    veg: list[str]
    nonveg: list[str]
    changed: bool
    offers: list[NonVegOffer]

    @property
    def label(self) -> str:
        return Meal(self.meal).label

    @property
    def dishes(self) -> list[str]:
        """Every dish of the meal a student may vote on: the menu's, then the non-veg items, each
        once, as a vote keeps it (at most DISH_LENGTH characters)."""
        names = [dish[:DISH_LENGTH] for dish in [*self.veg, *self.nonveg, *(o.name for o in self.offers)]]
        # once whatever their case: MariaDB's collation, and students, take "Dal" and "dal" for one dish
        first: dict[str, str] = {}
        for name in names:
            first.setdefault(name.casefold(), name)
        return list(first.values())

    @property
    def is_empty(self) -> bool:
        return not (self.veg or self.nonveg or self.offers)


@dataclass(frozen=True)
class DayMenu:
    """A mess's menu of one date: each meal in serving order; `week` is the rotation's week (1, 2)
    or None for a mess that does not alternate; `closed` when the mess is closed that day, for
    `closed_reason` (maybe "")."""

    date: datetime.date
    week: int | None
    meals: list[MealMenu]
    closed: bool = False
    closed_reason: str = ""

    @property
    def closed_text(self) -> str:
        """What the pages show for a closed day: "Closed: <reason>", or "Closed" without one."""
        return f"Closed: {self.closed_reason}" if self.closed_reason else "Closed"

    @property
    def changed(self) -> bool:
        return any(m.changed for m in self.meals)

    @property
    def is_empty(self) -> bool:
        return all(m.is_empty for m in self.meals)

    def meal(self, meal: str) -> MealMenu:
        return next(m for m in self.meals if m.meal == meal)


def menu_of_week(*, mess: Mess, start: datetime.date, days: int = 7) -> list[DayMenu]:
    """The menus of `mess` for the `days` days from `start` (see the module's docstring for which
    menu serves a date), each day closed or not (mess.closures). Four queries (regular menus,
    temporary menus, non-veg items, closed days) however many days and menus there are."""
    end = start + datetime.timedelta(days=days - 1)
    weekdays = {(start + datetime.timedelta(days=n)).weekday() for n in range(min(days, 7))}
    # (weekday, meal, is_veg) -> {week: dishes}
    regular: dict[tuple[int, str, bool], dict[int, list[str]]] = {}
    for weekday, meal, is_veg, week, dishes in (
        RegularMenu.objects.filter(mess=mess, weekday__in=weekdays).order_by().values_list("weekday", "meal", "is_veg", "week", "dishes")
    ):
        regular.setdefault((weekday, meal, is_veg), {})[week] = dishes_listed(dishes)
    temporary = {
        (date, meal): dishes_listed(dishes)
        for date, meal, dishes in TemporaryMenu.objects.filter(mess=mess, date__gte=start, date__lte=end)
        .order_by()
        .values_list("date", "meal", "dishes")
    }
    offers: dict[tuple[datetime.date, str], list[NonVegOffer]] = {}
    items = NonVegItem.objects.filter(menu__mess=mess, menu__date__gte=start, menu__date__lte=end).order_by("id")  # as they were entered
    for date, meal, name, price in items.values_list("menu__date", "menu__meal", "name", "price"):
        offers.setdefault((date, meal), []).append(NonVegOffer(name=name, price=price))
    closed = closures_by_day(mess_ids=[mess.pk], start=start, end=end)

    week_days = []
    for n in range(days):
        date = start + datetime.timedelta(days=n)
        week = rotation_week(mess=mess, date=date)
        meals = []
        for meal in Meal.values:
            if (date, meal) in temporary:
                veg, nonveg, changed = temporary[date, meal], [], True
            else:
                veg = _regular(regular.get((date.weekday(), meal, True), {}), week)
                nonveg = _regular(regular.get((date.weekday(), meal, False), {}), week)
                changed = False
            meals.append(MealMenu(meal=meal, veg=veg, nonveg=nonveg, changed=changed, offers=offers.get((date, meal), [])))
        reason = closed.get((mess.pk, date))
        week_days.append(DayMenu(date=date, week=week, meals=meals, closed=reason is not None, closed_reason=reason or ""))
    return week_days


def _regular(rows: dict[int, list[str]], week: int | None) -> list[str]:
    """The dishes of a slot's rows by week that serve `week`: its own row, else the every-week row."""
    if week is not None and week in rows:
        return rows[week]
    return rows.get(MenuWeek.EVERY, [])


def menu_of_day(*, mess: Mess, date: datetime.date) -> DayMenu:
    """The menu of `mess` on `date`, each meal in serving order, and whether the mess is closed then.
    Four queries."""
    return menu_of_week(mess=mess, start=date, days=1)[0]


@dataclass(frozen=True)
class MealNow:
    """A meal of today's menu with its window, and whether it is being served now or comes next."""

    menu: MealMenu
    window: MealWindow | None
    now: bool
    next: bool


def meals_now_first(*, menu: DayMenu, windows: list[MealWindow], now: datetime.datetime) -> list[MealNow]:
    """Today's meals of `menu`, the one being served at `now` (local time) first, or, between meals,
    the next one; then the others in serving order. No query: `windows` are the meals' windows."""
    time = timezone.localtime(now).time()
    by_meal = {w.meal: w for w in windows}
    serving = next((w.meal for w in windows if w.starts_at <= time < w.ends_at), None)
    coming = None if serving else next((w.meal for w in sorted(windows, key=lambda w: w.starts_at) if w.starts_at > time), None)
    first = serving or coming
    meals = [
        MealNow(menu=m, window=by_meal.get(m.meal), now=m.meal == serving, next=m.meal == coming and coming is not None) for m in menu.meals
    ]
    return sorted(meals, key=lambda m: m.menu.meal != first)


def dish_votes_check(*, mess: Mess, date: datetime.date, meal: str, votes: Mapping[str, bool]) -> None:
    """Raises ValueError unless every dish of `votes` (dish -> liked) is on `mess`'s menu of `date`
    and `meal` (as MealMenu.dishes names it). Reads only (four queries, none without votes), so that
    the caller checks before its write transaction and holds the database's write lock only to write."""
    if votes:
        offered = set(menu_of_day(mess=mess, date=date).meal(meal).dishes)
        if unknown := sorted(dish for dish in votes if dish not in offered):
            raise ValueError(f"not on the {Meal(meal).label.lower()} menu of {date}: {', '.join(unknown)}")


def dish_votes_replace(*, feedback: Feedback, mess: Mess, votes: Mapping[str, bool]) -> int:
    """Replaces the dish votes of `feedback` (a student's rating of a meal) by `votes`, dish ->
    liked, which dish_votes_check has let through, and returns how many it stored. Two queries; the
    caller holds the transaction that saves the feedback, so the rating and its votes are stored
    together."""
    DishVote.objects.filter(feedback=feedback).delete()
    DishVote.objects.bulk_create(
        DishVote(feedback=feedback, mess=mess, date=feedback.date, dish=dish, liked=liked) for dish, liked in votes.items()
    )
    return len(votes)


def dish_votes_of(*, feedback_ids: list[int]) -> dict[int, dict[str, bool]]:
    """The dish votes of these feedback entries: feedback id -> {dish: liked}. One query."""
    votes: dict[int, dict[str, bool]] = {}
    for feedback_id, dish, liked in DishVote.objects.filter(feedback_id__in=feedback_ids).values_list("feedback_id", "dish", "liked"):
        votes.setdefault(feedback_id, {})[dish] = liked
    return votes


def _delete_where(connection, *, model, where: str, params: list) -> int:
    """DELETE FROM model's table WHERE `where`, in one raw statement: the ORM's delete() would first
    collect the rows, and its `id__in` prepares each of thousands of ids in Python."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {where}", params)
        return cursor.rowcount


# Batches are sized to take about this long each, so that a user's write waits at most that long
# behind the job whatever the machine (a fixed 2,000 took at most 0.16 s on one, 0.30 s on another).
BATCH_SECONDS = 0.05
FIRST_BATCH, SMALLEST_BATCH, LARGEST_BATCH = 1000, 100, 20_000


def next_batch_size(size: int, seconds: float, rows: int) -> int:
    """The number of ids the next range should span, given that the last one spanned `size` and
    deleted `rows` rows in `seconds`: as many ids as rows take BATCH_SECONDS at that pace (a range
    of ids holds at most as many rows), at most twice `size`, within SMALLEST_BATCH and
    LARGEST_BATCH. Unchanged after a range without rows, whose time says nothing."""
    if rows == 0:
        return size
    aimed = BATCH_SECONDS * rows / seconds if seconds > 0 else 2 * size
    return max(SMALLEST_BATCH, min(LARGEST_BATCH, 2 * size, int(aimed)))


def _in_id_ranges(model, *, using: str, before: datetime.date, batch_size: int | None, delete: Callable[[int, int], int]) -> None:
    """Calls `delete(start, end)`, which returns how many rows it deleted, in its own transaction for
    consecutive [start, end) ranges of ids covering every `model` row dated before `before`: ranges
    of `batch_size` ids, or sized by next_batch_size when it is None. After a range without any,
    the next starts at the next such row, so a gap in the ids costs one query, not one per range."""
    expired = model.objects.using(using).filter(date__lt=before)
    bounds = expired.aggregate(low=Min("id"), high=Max("id"))
    start, size = bounds["low"], batch_size or FIRST_BATCH
    while start is not None and start <= bounds["high"]:
        began = time.perf_counter()
        with transaction.atomic(using=using):
            rows = delete(start, start + size)
        took = time.perf_counter() - began
        start += size
        if rows == 0:
            start = expired.filter(id__gte=start).aggregate(next=Min("id"))["next"]
        if batch_size is None:
            size = next_batch_size(size, took, rows)


def menus_cleanup(*, dry_run: bool = False, batch_size: int | None = None) -> str:
    """Deletes the temporary and the non-veg menus (with their items) dated before today.

    Works through the expired menus' ids in ranges, each deleted in its own short transaction (of
    about BATCH_SECONDS, or of `batch_size` ids when given), so a large backlog never holds the
    database for long and an interrupted run keeps what it did. The number of queries grows with
    the number of ranges, not of rows. With `dry_run` it deletes nothing and says what it would
    delete."""
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch size must be at least 1, not {batch_size}")
    today = timezone.localdate()
    if dry_run:
        items = NonVegItem.objects.filter(menu__date__lt=today).count()
        return (
            f"would delete {plural(TemporaryMenu.objects.filter(date__lt=today).count(), 'temporary menu')}, "
            f"{plural(NonVegMenu.objects.filter(date__lt=today).count(), 'non-veg menu')} ({plural(items, 'item')}) dated before {today}"
        )

    using = router.db_for_write(TemporaryMenu)
    connection = connections[using]
    before = connection.ops.adapt_datefield_value(today)
    in_range = "id >= %s AND id < %s AND date < %s"
    deleted = {"temporary": 0, "nonveg": 0, "items": 0}

    # A range of temporary menus is one DELETE that walks the table in its own order (the primary
    # key, InnoDB's clustered index): selecting a batch's ids first and deleting them as a list
    # reads every row twice.
    def delete_temporary(start: int, end: int) -> int:
        rows = _delete_where(connection, model=TemporaryMenu, where=in_range, params=[start, end, before])
        deleted["temporary"] += rows
        return rows

    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""  # SQLite: BEGIN IMMEDIATE
    table = connection.ops.quote_name(NonVegMenu._meta.db_table)

    # Non-veg menus need their ids for their items: the range's expired menus, locked so that none
    # is moved to another date meanwhile; their items, then exactly those menus.
    def delete_nonveg(start: int, end: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} WHERE {in_range}{lock}", [start, end, before])
            ids = [row[0] for row in cursor.fetchall()]
        if ids:
            placeholders = ", ".join(["%s"] * len(ids))
            deleted["items"] += _delete_where(connection, model=NonVegItem, where=f"menu_id IN ({placeholders})", params=ids)
            deleted["nonveg"] += _delete_where(connection, model=NonVegMenu, where=f"id IN ({placeholders})", params=ids)
        return len(ids)

    _in_id_ranges(TemporaryMenu, using=using, before=today, batch_size=batch_size, delete=delete_temporary)
    _in_id_ranges(NonVegMenu, using=using, before=today, batch_size=batch_size, delete=delete_nonveg)
    return (
        f"deleted {plural(deleted['temporary'], 'temporary menu')}, "
        f"{plural(deleted['nonveg'], 'non-veg menu')} ({plural(deleted['items'], 'item')})"
    )


# The columns of a menu file, as import_menu reads it and the menu export writes it.
MENU_COLUMNS = ("mess", "weekday", "meal", "week", "veg", "dishes")
# How a file names the weeks (also 0, 1 and 2) and whether a menu is vegetarian (also true/false).
WEEK_NAMES = {MenuWeek.EVERY: "every", MenuWeek.FIRST: "1", MenuWeek.SECOND: "2"}


def menu_export_rows(*, mess_id: int | None = None) -> list[tuple[str, ...]]:
    """The regular menus (of one mess, or of all) as rows of MENU_COLUMNS, the columns import_menu
    reads: weekdays by name in lower case, weeks as every/1/2, veg as yes/no, the dishes joined by
    "; ", by mess, week, weekday, meal and veg first. One query; a mess's regular menus are a few
    hundred rows at most."""
    menus = RegularMenu.objects.all() if mess_id is None else RegularMenu.objects.filter(mess_id=mess_id)
    rows = menus.values_list("mess__code", "week", "weekday", "meal", "is_veg", "dishes")
    meal_order = {meal: i for i, meal in enumerate(Meal.values)}
    ordered = sorted(rows, key=lambda r: (r[0], r[1], r[2], meal_order[r[3]], not r[4]))
    return [
        (
            code,
            Weekday(weekday).label.lower(),
            meal,
            WEEK_NAMES[week],
            "yes" if is_veg else "no",
            f"{DISH_SEPARATOR} ".join(dishes_listed(dishes)),
        )
        for code, week, weekday, meal, is_veg, dishes in ordered
    ]
