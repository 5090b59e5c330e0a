"""Reads of the mess domain that several features share."""

from django.contrib.auth import get_user_model

from mess.models import MealWindow, Mess, Role

User = get_user_model()


def meal_windows() -> list[MealWindow]:
    """The meals' service windows in serving order (by start time)."""
    return list(MealWindow.objects.order_by("starts_at"))


def mess_recipients(*, mess: Mess) -> list[str]:
    """E-mail addresses of everyone who hears about `mess`: its officials and the admins (staff),
    each once, in a stable order. Users without an address or not active are left out."""
    officials = User.objects.filter(groups__name=Role.OFFICIAL, profile__mess=mess)
    admins = User.objects.filter(is_staff=True)
    emails = (officials | admins).filter(is_active=True).exclude(email="").values_list("email", flat=True)
    return sorted(set(emails))
