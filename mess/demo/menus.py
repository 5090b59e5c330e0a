"""The demo's menus: two weekly menus of Indian hostel food served in turn, one-day changes and non-veg
items with their prices, and how well students like each dish (which the waste and the ratings follow)."""

import datetime
from decimal import Decimal

from mess.menu_rules import rotation_week
from mess.models import Meal, MenuWeek, Mess, NonVegItem, NonVegMenu, RegularMenu, TemporaryMenu, Weekday

# Two weekly menus, served in turn (week 1, week 2, ...): weekday -> breakfast, lunch, snacks, dinner.
WEEK_1 = [
    (
        ["Poha", "Jalebi", "Tea"],
        ["Rajma chawal", "Jeera rice", "Chapati", "Salad"],
        ["Samosa", "Tea"],
        ["Aloo gobi", "Dal tadka", "Chapati", "Rice", "Kheer"],
    ),
    (
        ["Idli sambar", "Coconut chutney", "Coffee"],
        ["Kadhi pakora", "Rice", "Bhindi fry", "Chapati"],
        ["Bread pakora", "Tea"],
        ["Paneer butter masala", "Dal makhani", "Butter naan", "Jeera rice"],
    ),
    (
        ["Aloo paratha", "Curd", "Pickle", "Tea"],
        ["Chole", "Jeera rice", "Chapati", "Boondi raita"],
        ["Vada pav", "Tea"],
        ["Lauki chana dal", "Rice", "Chapati", "Mix veg"],
    ),
    (
        ["Upma", "Coconut chutney", "Banana", "Tea"],
        ["Dal tadka", "Rice", "Aloo matar", "Chapati", "Papad"],
        ["Veg sandwich", "Coffee"],
        ["Veg pulao", "Boondi raita", "Mix veg", "Chapati", "Gulab jamun"],
    ),
    (
        ["Masala dosa", "Sambar", "Coffee"],
        ["Sambar rice", "Rasam", "Cabbage poriyal", "Curd", "Papad"],
        ["Onion pakora", "Tea"],
        ["Chole bhature", "Jeera rice", "Salad"],
    ),
    (
        ["Bread butter jam", "Cornflakes", "Tea"],
        ["Veg biryani", "Mirchi ka salan", "Boondi raita"],
        ["Bhel puri", "Tea"],
        ["Dal fry", "Rice", "Tinda masala", "Chapati"],
    ),
    (
        ["Puri bhaji", "Tea"],
        ["Paneer do pyaza", "Dal makhani", "Jeera rice", "Puri", "Gulab jamun"],
        ["Maggi", "Tea"],
        ["Khichdi", "Kadhi", "Papad", "Pickle"],
    ),
]
WEEK_2 = [
    (
        ["Upma", "Banana", "Tea"],
        ["Dal makhani", "Rice", "Chapati", "Jeera aloo"],
        ["Onion pakora", "Tea"],
        ["Rajma chawal", "Chapati", "Salad"],
    ),
    (
        ["Aloo paratha", "Curd", "Tea"],
        ["Chole", "Rice", "Chapati", "Salad"],
        ["Samosa", "Tea"],
        ["Mix veg", "Dal tadka", "Rice", "Chapati", "Suji halwa"],
    ),
    (
        ["Idli sambar", "Coconut chutney", "Coffee"],
        ["Sambar rice", "Rasam", "Beans poriyal", "Curd"],
        ["Biscuits", "Tea"],
        ["Paneer butter masala", "Jeera rice", "Chapati", "Dal fry"],
    ),
    (
        ["Poha", "Jalebi", "Tea"],
        ["Lauki chana dal", "Rice", "Chapati", "Boondi raita"],
        ["Vada pav", "Tea"],
        ["Aloo gobi", "Dal tadka", "Rice", "Chapati"],
    ),
    (
        ["Masala dosa", "Sambar", "Coffee"],
        ["Kadhi pakora", "Rice", "Jeera aloo", "Chapati"],
        ["Veg sandwich", "Coffee"],
        ["Veg pulao", "Boondi raita", "Malai kofta", "Chapati"],
    ),
    (
        ["Bread butter jam", "Cornflakes", "Tea"],
        ["Veg biryani", "Boondi raita", "Mirchi ka salan"],
        ["Bhel puri", "Tea"],
        ["Tinda masala", "Dal fry", "Rice", "Chapati"],
    ),
    (["Puri bhaji", "Tea"], ["Chole bhature", "Jeera rice", "Lassi"], ["Maggi", "Tea"], ["Khichdi", "Kadhi", "Papad", "Rasgulla"]),
]
# One-day changes: (mess, days from today, meal, dishes).
ONE_DAY_CHANGES = [
    ("mess1", 0, Meal.LUNCH, ["Veg biryani", "Mirchi ka salan", "Boondi raita", "Gulab jamun"]),
    ("mess1", 3, Meal.DINNER, ["Paneer tikka masala", "Veg pulao", "Dal makhani", "Butter naan", "Rasmalai"]),
    ("mess2", 3, Meal.DINNER, ["Paneer tikka masala", "Veg pulao", "Dal makhani", "Butter naan", "Rasmalai"]),
    ("mess2", 5, Meal.BREAKFAST, ["Chole kulche", "Lassi"]),
]
# Non-veg items with their prices (rupees): mess -> weekday -> (meal, items); mess1 serves its
# Wednesday dinner's items today too, whatever the day, so the demo's first page shows some.
NONVEG = {
    "mess1": {
        Weekday.WEDNESDAY: (Meal.DINNER, [("Chicken curry", "120"), ("Egg bhurji", "40")]),
        Weekday.FRIDAY: (Meal.DINNER, [("Fish fry", "150"), ("Egg curry", "50")]),
        Weekday.SUNDAY: (Meal.LUNCH, [("Chicken biryani", "140"), ("Egg bhurji", "40")]),
    },
    "mess2": {
        Weekday.TUESDAY: (Meal.DINNER, [("Chilli chicken", "110"), ("Boiled eggs (2)", "30")]),
        Weekday.THURSDAY: (Meal.DINNER, [("Mutton curry", "180"), ("Egg bhurji", "40")]),
        Weekday.SATURDAY: (Meal.LUNCH, [("Fish curry", "130"), ("Egg curry", "50")]),
    },
}
MENU_DAYS = 14  # the fortnight from today that the one-day changes and non-veg items cover
# Dishes students seldom mark: what comes with every meal.
STAPLES = {"Rice", "Chapati", "Tea", "Coffee", "Salad", "Papad", "Pickle", "Curd", "Banana", "Biscuits", "Coconut chutney", "Sambar"}
# How likely a student who marks a dish likes it (0.6 for a dish not named here).
LIKING = {
    "Paneer butter masala": 0.9,
    "Chole bhature": 0.9,
    "Gulab jamun": 0.9,
    "Jalebi": 0.85,
    "Rajma chawal": 0.85,
    "Aloo paratha": 0.85,
    "Masala dosa": 0.8,
    "Veg biryani": 0.8,
    "Paneer do pyaza": 0.8,
    "Paneer tikka masala": 0.9,
    "Rasmalai": 0.9,
    "Malai kofta": 0.75,
    "Samosa": 0.75,
    "Maggi": 0.75,
    "Poha": 0.7,
    "Idli sambar": 0.7,
    "Upma": 0.3,
    "Khichdi": 0.3,
    "Lauki chana dal": 0.2,
    "Tinda masala": 0.15,
    "Cabbage poriyal": 0.3,
    "Beans poriyal": 0.35,
    "Kadhi": 0.4,
    "Bread butter jam": 0.45,
    "Cornflakes": 0.45,
}
DEFAULT_LIKING = 0.6


def menu_of(mess: Mess, day: datetime.date, meal: str, *, today: datetime.date) -> list[str]:
    """The dishes `mess` serves at `meal` on `day`: its one-day change, or its weekly menu."""
    for code, days, changed_meal, dishes in ONE_DAY_CHANGES:
        if (code, days, changed_meal) == (mess.code, (day - today).days, meal):
            return dishes
    week = WEEK_1 if rotation_week(mess=mess, date=day) == 1 else WEEK_2
    return week[day.weekday()][Meal.values.index(meal)]


def liking(dishes: list[str]) -> float:
    """How well students like a menu: the average liking of its dishes that are not staples."""
    marked = [d for d in dishes if d not in STAPLES] or dishes
    return sum(LIKING.get(d, DEFAULT_LIKING) for d in marked) / len(marked)


def demo_menus(*, messes: dict[str, Mess], today: datetime.date) -> int:
    """Both weekly menus of each mess, and the one-day changes and non-veg items of the fortnight from today."""
    regular = [
        RegularMenu(mess=mess, week=number, weekday=weekday, meal=meal, dishes="\n".join(dishes))
        for mess in messes.values()
        for number, week in ((MenuWeek.FIRST, WEEK_1), (MenuWeek.SECOND, WEEK_2))
        for weekday, meals in enumerate(week)
        for meal, dishes in zip(Meal.values, meals, strict=True)
    ]
    RegularMenu.objects.bulk_create(regular)
    changes = [
        TemporaryMenu(mess=messes[code], date=today + datetime.timedelta(days=days), meal=meal, dishes="\n".join(dishes))
        for code, days, meal, dishes in ONE_DAY_CHANGES
    ]
    TemporaryMenu.objects.bulk_create(changes)
    items = {}
    for day in (today + datetime.timedelta(days=n) for n in range(MENU_DAYS)):
        for code, days in NONVEG.items():
            served = days.get(day.weekday()) or (days[Weekday.WEDNESDAY] if (code, day) == ("mess1", today) else None)
            if served:
                meal, menu_items = served
                items[NonVegMenu.objects.create(mess=messes[code], date=day, meal=meal)] = menu_items
    NonVegItem.objects.bulk_create(
        [NonVegItem(menu=menu, name=name, price=Decimal(price)) for menu, menu_items in items.items() for name, price in menu_items]
    )
    return len(regular) + len(changes) + len(items)
