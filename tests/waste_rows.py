"""What the waste tests share: posting the waste page, and reading the history."""

from decimal import Decimal

from mess.models import WasteChange
from tests.factories import TODAY, days_ago

YESTERDAY = days_ago(1)
WASTE_HEADER = "date,mess,floor,meal,total_kg,diners\n"


def meal_post(client, figures: dict, *, date=TODAY, meal="lunch", confirm=None, code="mess1"):
    """Posts the waste page of `meal` of `date` with `figures`: floor -> (kg, diners) as typed."""
    data = {"date": str(date), "meal": meal}
    for floor, (kg, diners) in figures.items():
        data[f"kg_{floor.pk}"], data[f"diners_{floor.pk}"] = kg, diners
    if confirm is not None:
        data["confirm"] = confirm
    return client.post(f"/mess/{code}/waste/", data)


def waste_post(client, floor, *, date=TODAY, meal="lunch", total_kg="12.50", diners="120"):
    """One floor's waste through the page, the other floors left empty."""
    return meal_post(client, {floor: (total_kg or "", diners or "")}, date=date, meal=meal)


def history() -> list[tuple]:
    """The waste history, oldest first, as (floor, date, meal, action, kg before, diners before, kg after, diners after)."""
    return [
        (c.floor_name, c.date, c.meal, c.action, c.kg_before, c.diners_before, c.kg_after, c.diners_after)
        for c in WasteChange.objects.order_by("changed_at", "id")
    ]


def d(kg: str) -> Decimal:
    return Decimal(kg)
