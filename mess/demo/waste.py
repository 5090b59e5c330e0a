"""The demo's waste: each floor's head count and kilograms after every meal served, the kilograms
mess1 cooked for its recent meals, and the cook sheets of the last days."""

import datetime
import random
from decimal import Decimal

from mess.absences import meal_cutoff
from mess.attendance import MEAL_SHARE
from mess.cook_sheets import cook_sheets_make
from mess.demo.menus import liking, menu_of
from mess.demo.people import HeadCounts
from mess.demo.story import CAMPAIGN, COOK_SHEET_DAYS, COOKED, FEW_DINERS_FLOOR, HIGH_WASTE_FLOOR, INTERNS, MESSES, RECENT_DAYS
from mess.meals import windows_read
from mess.models import CookedFood, CookSheet, Floor, Meal, Mess, WasteRecord

# Grams left on the plate per diner, (low, high) by meal: a menu students like less leans to the top.
GRAMS = {Meal.BREAKFAST: (60, 100), Meal.LUNCH: (90, 140), Meal.SNACKS: (35, 60), Meal.DINNER: (85, 135)}
# mess1 before it took up its goal, and after
BEFORE_CAMPAIGN, AFTER_CAMPAIGN = Decimal("1.25"), Decimal("0.85")
# mess1's First floor since its new cook started: at most 150 g per diner in every record, however liked the menu
NEW_COOK_GRAMS = {Meal.BREAKFAST: (95, 130), Meal.LUNCH: (115, 150), Meal.SNACKS: (60, 90), Meal.DINNER: (110, 145)}
EATEN_KG = {Meal.BREAKFAST: Decimal("0.30"), Meal.LUNCH: Decimal("0.55"), Meal.SNACKS: Decimal("0.15"), Meal.DINNER: Decimal("0.50")}
CENTS = Decimal("0.01")


def demo_waste(
    *,
    rng: random.Random,
    floors: list[Floor],
    head_counts: HeadCounts,
    served: list[tuple[datetime.date, str]],
    today: datetime.date,
) -> int:
    """Stores each floor's waste of every meal `served` that its mess served: its head count, and
    kilograms of so many grams per diner. mess1 wasted more per diner before its campaign than after
    it, and its First floor more again since its new cook; mess2's Third floor's kitchen cooks as if
    its interns were there, and their share comes back as waste. Returns how many records."""
    floor_students = {(code, name): students for code, _, names in MESSES for name, students in names}
    interns = int(floor_students[FEW_DINERS_FLOOR] * INTERNS)
    records = []
    for day, meal in served:
        days = (day - today).days
        for floor in floors:
            where = (floor.mess.code, floor.name)
            diners = head_counts.get((*where, day, meal))
            if diners is None:  # the mess was closed
                continue
            recent = days > -RECENT_DAYS
            ranges, factor, wasted_for = GRAMS, Decimal(1), diners
            if where == HIGH_WASTE_FLOOR and recent:
                ranges = NEW_COOK_GRAMS
            elif floor.mess.code == CAMPAIGN[0]:
                factor = AFTER_CAMPAIGN if days >= CAMPAIGN[1] else BEFORE_CAMPAIGN
            elif where == FEW_DINERS_FLOOR and recent:
                wasted_for += round(interns * MEAL_SHARE[meal])
            low, high = ranges[meal]
            lean = (1 - liking(menu_of(floor.mess, day, meal, today=today))) * 0.5 + rng.random() * 0.5
            grams = (low + (high - low) * Decimal(lean)) * factor
            kg = (grams * wasted_for / 1000).quantize(CENTS)
            records.append(WasteRecord(floor=floor, date=day, meal=meal, total_kg=kg, diners=diners))
    WasteRecord.objects.bulk_create(records)
    return len(records)


def demo_cooked(*, rng: random.Random, messes: dict[str, Mess], today: datetime.date) -> int:
    """Stores what the mess of COOKED cooked for each meal of its last days that has its waste
    recorded: what its diners ate and what they left. Returns how many meals."""
    code, days = COOKED
    mess = messes[code]
    start = today - datetime.timedelta(days=days - 1)
    meals = {}
    for day, meal, kg, diners in WasteRecord.objects.filter(floor__mess=mess, date__gte=start).values_list(
        "date", "meal", "total_kg", "diners"
    ):
        meals[day, meal] = meals.get((day, meal), Decimal(0)) + kg + diners * EATEN_KG[meal]
    cooked = [
        CookedFood(mess=mess, date=day, meal=meal, kg=(kg * Decimal(rng.uniform(0.97, 1.03))).quantize(CENTS))
        for (day, meal), kg in sorted(meals.items())
    ]
    CookedFood.objects.bulk_create(cooked)
    return len(cooked)


def demo_cook_sheets(*, messes: list[Mess], closed: set[tuple[str, datetime.date]], now: datetime.datetime, today: datetime.date) -> int:
    """Stores the cook sheets of the last COOK_SHEET_DAYS days' meals whose cut-off has passed by
    `now`, each as the job made it at the cut-off (not e-mailed: the demo sends nothing). Returns how many."""
    days = [today - datetime.timedelta(days=back) for back in range(COOK_SHEET_DAYS - 1, -1, -1)]
    sheets = []
    windows = windows_read()
    for meal in Meal.values:
        due = [
            (mess, day)
            for day in days
            for mess in messes
            if (mess.code, day) not in closed
            and (window := windows.window(mess.pk, meal)) is not None
            and meal_cutoff(mess=mess, date=day, window=window) <= now
        ]
        sheets += cook_sheets_make(due=due, meal=meal)
    CookSheet.objects.bulk_create(sheets)
    return len(sheets)
