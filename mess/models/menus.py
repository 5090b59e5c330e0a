"""Menus: the weekly menu (every week, or weeks 1 and 2 of a rotation), one-day changes, non-veg
items with prices, and the history of every change to them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mess.models.messes import Meal, Mess, Weekday


class MenuWeek(models.IntegerChoices):
    """Which weeks a regular menu is served in: every week, or week 1 or week 2 of a mess that
    alternates two weekly menus (counted from the mess's `rotation_starts_on`)."""

    EVERY = 0, _("Every week")
    FIRST = 1, _("Week 1")
    SECOND = 2, _("Week 2")


MAX_DISHES = 30  # of one menu


class RegularMenu(models.Model):
    """The weekly menu: what a mess serves at a meal on a weekday, unless a temporary menu overrides it."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="regular_menus", verbose_name=_("mess"))
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, verbose_name=_("weekday"))
    meal = models.CharField(max_length=16, choices=Meal.choices, verbose_name=_("meal"))
    week = models.PositiveSmallIntegerField(
        choices=MenuWeek.choices, default=MenuWeek.EVERY, db_default=MenuWeek.EVERY, verbose_name=_("week")
    )
    dishes = models.TextField(help_text=_("One dish per line."), verbose_name=_("dishes"))
    is_veg = models.BooleanField(_("vegetarian"), default=True)

    class Meta:
        verbose_name = _("regular menu")
        verbose_name_plural = _("regular menus")
        ordering = ["mess__code", "week", "weekday", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["mess", "weekday", "meal", "week", "is_veg"], name="regularmenu_unique_slot_week"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="regularmenu_weekday_valid"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="regularmenu_meal_valid"),
            models.CheckConstraint(condition=Q(week__in=MenuWeek.values), name="regularmenu_week_valid"),
        ]

    def __str__(self):
        return f"{self.mess.code} {self.get_weekday_display()} {self.get_meal_display()}"


class TemporaryMenu(models.Model):
    """A one-day override of the regular menu. It carries its own date, so a missed clean-up can
    never bring an old override back on a later day."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="temporary_menus", verbose_name=_("mess"))
    date = models.DateField(_("date"))
    meal = models.CharField(max_length=16, choices=Meal.choices, verbose_name=_("meal"))
    dishes = models.TextField(help_text=_("One dish per line."), verbose_name=_("dishes"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("temporary menu")
        verbose_name_plural = _("temporary menus")
        ordering = ["-date", "mess__code", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["mess", "date", "meal"], name="temporarymenu_unique_per_meal"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="temporarymenu_meal_valid"),
        ]
        # cleanup_old_menu: WHERE date < today
        indexes = [models.Index(fields=["date"], name="temporarymenu_date")]

    def __str__(self):
        return f"{self.mess.code} {self.date} {self.get_meal_display()}"


class NonVegMenu(models.Model):
    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="nonveg_menus", verbose_name=_("mess"))
    date = models.DateField(_("date"))
    meal = models.CharField(max_length=16, choices=Meal.choices, verbose_name=_("meal"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name_plural = _("non-veg menus")
        verbose_name = _("non-veg menu")
        ordering = ["-date", "mess__code", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["mess", "date", "meal"], name="nonvegmenu_unique_per_meal"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="nonvegmenu_meal_valid"),
        ]
        # cleanup_old_menu: WHERE date < today
        indexes = [models.Index(fields=["date"], name="nonvegmenu_date")]

    def __str__(self):
        return f"{self.mess.code} {self.date} {self.get_meal_display()} (non-veg)"


class NonVegItem(models.Model):
    menu = models.ForeignKey(NonVegMenu, on_delete=models.CASCADE, related_name="items", verbose_name=_("menu"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    price = models.DecimalField(max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0"))], verbose_name=_("price"))

    class Meta:
        verbose_name_plural = _("non-veg items")
        verbose_name = _("non-veg item")
        constraints = [
            models.UniqueConstraint(fields=["menu", "name"], name="nonvegitem_unique_name_per_menu"),
            models.CheckConstraint(condition=Q(price__gte=0), name="nonvegitem_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.name} ₹{self.price}"


class MenuChange(models.Model):
    """Who changed which menu, when, and what it said before and after: kept on its own, so the
    nightly clean-up of past one-day and non-veg menus leaves their history."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Weekly menu")
        TEMPORARY = "temporary", _("One-day change")
        NONVEG = "nonveg", _("Non-veg items")
        ROTATION = "rotation", _("Week 1 start")

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="menu_changes", verbose_name=_("mess"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    meal = models.CharField(
        max_length=16,
        choices=Meal.choices,
        blank=True,
        help_text=_("Blank for the week 1 start, which is every meal's."),
        verbose_name=_("meal"),
    )
    date = models.DateField(null=True, blank=True, help_text=_("Of a one-day change or non-veg items."), verbose_name=_("date"))
    weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, null=True, blank=True, help_text=_("Of the weekly menu."), verbose_name=_("weekday")
    )
    week = models.PositiveSmallIntegerField(choices=MenuWeek.choices, null=True, blank=True, verbose_name=_("week"))
    before = models.TextField(blank=True, verbose_name=_("before"))
    after = models.TextField(blank=True, verbose_name=_("after"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(auto_now_add=True, verbose_name=_("changed at"))

    class Meta:
        verbose_name = _("menu change")
        verbose_name_plural = _("menu changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["mess", "changed_at"], name="menuchange_mess_changed_at")]

    def __str__(self):
        return f"{self.mess.code} {self.get_kind_display()} {self.get_meal_display()} at {self.changed_at:%Y-%m-%d %H:%M}"
