"""The admin site for the mess domain: what an admin edits (messes, floors, meal windows, menus, waste,
feedback, who eats where) and what the jobs produced (alerts, notifications, daily reports), which admins
may read and delete but never write.

Every change list selects its related rows in the same query, so a page costs the same number of queries
however many rows it shows; foreign keys to users and floors are autocompletes, as there are thousands.
"""

import smtplib

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import Count
from django.utils.text import Truncator

from mess.alerts import alert_wording
from mess.closures import closure_problems, closures_changed
from mess.derived import records_changed
from mess.figures import grams_per_diner
from mess.forms import waste_meal_refused
from mess.menu_editing import (
    dishes_clean,
    item_name_clean,
    menu_changes_record,
    menu_date_check,
    menus_as_stored,
    mess_rotation_set,
    price_check,
    rotation_start_check,
)
from mess.menu_forms import checked
from mess.models import (
    MAX_DISHES,
    Alert,
    Closure,
    ComplaintTerm,
    ComplaintTheme,
    DailyReport,
    DayTotals,
    Feedback,
    Floor,
    MealWindow,
    Mess,
    NonVegItem,
    NonVegMenu,
    Notification,
    OutgoingEmail,
    Profile,
    RegularMenu,
    TemporaryMenu,
    WasteChange,
    WasteRecord,
    WasteReminder,
)
from mess.people import people_invite
from mess.text import plural
from mess.triage import feedback_retriage, feedback_verdict
from mess.waste import waste_change_of_admin, waste_records_delete
from scheduling.sync import default_crons, schedules_follow_defaults

User = get_user_model()


class ProducedByJobAdmin(admin.ModelAdmin):
    """Rows the scheduled jobs write: an edit here would be overwritten or would contradict what was
    e-mailed, so admins only read them, and delete them when they must."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MealWindow)
class MealWindowAdmin(admin.ModelAdmin):
    """Exactly one window per meal, created by a migration: admins move the hours, nothing else."""

    list_display = ["meal", "starts_at", "ends_at"]
    list_editable = ["starts_at", "ends_at"]
    ordering = ["starts_at"]
    readonly_fields = ["meal"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The critical-feedback schedules run when a meal's window ends, the missing-waste reminders an
        # hour later: they move with it.
        before = default_crons()
        super().save_model(request, obj, form, change)
        moved = schedules_follow_defaults(before=before)
        if moved:
            self.message_user(
                request, f"Moved the schedule{'s' if len(moved) > 1 else ''} {', '.join(moved)} with the new end of the meal."
            )


class FloorInline(admin.TabularInline):
    model = Floor
    extra = 0


class MessAdminForm(forms.ModelForm):
    """A mess's form: week 1 starts on a Monday, as on the weekly menu page."""

    def clean_rotation_starts_on(self):
        starts_on = self.cleaned_data["rotation_starts_on"]
        return starts_on and checked(rotation_start_check, starts_on)


@admin.register(Mess)
class MessAdmin(admin.ModelAdmin):
    """A move of the week 1 start here is kept in the menu history, as on the weekly menu page."""

    form = MessAdminForm
    list_display = [
        "code",
        "name",
        "is_active",
        "floor_count",
        "waste_threshold_kg",
        "waste_threshold_g_per_diner",
        "rating_threshold",
        "min_ratings",
        "alert_window_days",
    ]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    inlines = [FloorInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(floor_count=Count("floors"))

    def save_model(self, request, obj, form, change):
        if change and "rotation_starts_on" in form.changed_data:
            mess_rotation_set(mess=obj, starts_on=obj.rotation_starts_on, changed_by=request.user)
        super().save_model(request, obj, form, change)

    @admin.display(description="floors", ordering="floor_count")
    def floor_count(self, mess):
        return mess.floor_count


@admin.register(Floor)
class FloorAdmin(admin.ModelAdmin):
    list_display = ["name", "mess"]
    list_filter = ["mess"]
    search_fields = ["name", "mess__code", "mess__name"]

    def get_queryset(self, request):
        # Not list_select_related: the waste records' floor autocomplete reads this queryset too, and a
        # floor's name shows its mess's code.
        return super().get_queryset(request).select_related("mess")


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "mess"]
    list_filter = ["mess"]
    list_select_related = ["user", "mess"]
    search_fields = ["user__username", "user__email", "mess__code", "mess__name"]
    autocomplete_fields = ["user", "mess"]


class ProfileInline(admin.StackedInline):
    model = Profile
    autocomplete_fields = ["mess"]


admin.site.unregister(User)


@admin.register(User)
class ManageItUserAdmin(UserAdmin):
    """Django's user admin, with the mess each user eats at or runs."""

    inlines = [*UserAdmin.inlines, ProfileInline]
    list_display = [*UserAdmin.list_display, "mess", "invited"]
    actions = ["invite"]
    list_filter = [*UserAdmin.list_filter, "profile__mess"]
    list_select_related = ["profile__mess"]
    search_fields = [*UserAdmin.search_fields, "profile__mess__code"]

    # An admin who is not a superuser manages people, not rights: only a superuser makes a superuser,
    # hands out single permissions, or changes a superuser at all (their password, their address).
    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else [*fields, "is_superuser", "user_permissions"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="mess", ordering="profile__mess__code")
    def mess(self, user):
        profile = getattr(user, "profile", None)
        return profile.mess if profile else None

    @admin.display(description="invited", ordering="profile__invited_at")
    def invited(self, user):
        profile = getattr(user, "profile", None)
        return profile.invited_at if profile else None

    @admin.action(description="Send an invitation (a link to set a password)", permissions=["change"])
    def invite(self, request, queryset):
        if not request.user.is_superuser:
            queryset = queryset.exclude(is_superuser=True)
        try:
            invited = people_invite(users=queryset.order_by("username"))
        except (smtplib.SMTPException, OSError) as error:
            self.message_user(request, f"The mail server failed ({error}); those invited before it keep their invitation.", messages.ERROR)
            return
        left_out = len(queryset) - invited
        note = f" {plural(left_out, 'user')} without an e-mail address or not active left out." if left_out else ""
        self.message_user(request, f"Invited {plural(invited, 'user')}.{note}", messages.SUCCESS)


class DishesAdminForm(forms.ModelForm):
    """A weekly menu's or one-day change's form: the dishes by the officials' pages' rules."""

    def clean_dishes(self):
        return checked(dishes_clean, self.cleaned_data["dishes"])


class DatedMenuAdminForm(forms.ModelForm):
    """A one-day change's or non-veg menu's form: only for today or later, as on the officials' pages."""

    def clean_date(self):
        return checked(menu_date_check, self.cleaned_data["date"])


class TemporaryMenuAdminForm(DishesAdminForm, DatedMenuAdminForm):
    pass


class NonVegItemAdminForm(forms.ModelForm):
    """A non-veg item's form within its menu's: its name and price by the officials' pages' rules."""

    def clean_name(self):
        return checked(item_name_clean, self.cleaned_data["name"])

    def clean_price(self):
        return checked(price_check, self.cleaned_data["price"])


class NonVegItemOwnAdminForm(NonVegItemAdminForm):
    """A non-veg item's form on its own page: also a menu of today or later with room for one more item."""

    def clean(self):
        cleaned = super().clean()
        menu = cleaned.get("menu")
        if menu is not None:
            try:
                menu_date_check(menu.date)
            except ValueError as error:
                self.add_error("menu", str(error))
            else:
                if menu.pk != self.instance.menu_id and menu.items.count() >= MAX_DISHES:
                    self.add_error("menu", f"This menu has {MAX_DISHES} items already, the most a non-veg menu holds.")
        return cleaned


class KeepsMenuHistoryAdmin(admin.ModelAdmin):
    """Keeps each save and deletion of a weekly menu or one-day change here in the menu history, as
    the officials' changes are (mess.menu_editing)."""

    def save_model(self, request, obj, form, change):
        before = menus_as_stored(menus=list(self.model.objects.filter(pk=obj.pk))) if change else {}
        super().save_model(request, obj, form, change)
        menu_changes_record(before=before, after=menus_as_stored(menus=[obj]), changed_by=request.user)

    def delete_model(self, request, obj):
        before = menus_as_stored(menus=[obj])
        super().delete_model(request, obj)
        menu_changes_record(before=before, after={}, changed_by=request.user)

    @transaction.atomic  # the admin's bulk delete action runs outside a transaction
    def delete_queryset(self, request, queryset):
        before = menus_as_stored(menus=list(queryset))
        super().delete_queryset(request, queryset)
        menu_changes_record(before=before, after={}, changed_by=request.user)


@admin.register(RegularMenu)
class RegularMenuAdmin(KeepsMenuHistoryAdmin):
    form = DishesAdminForm
    list_display = ["mess", "weekday", "meal", "week", "is_veg", "dishes_summary"]
    list_filter = ["mess", "weekday", "meal", "week", "is_veg"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name", "dishes"]

    @admin.display(description="dishes")
    def dishes_summary(self, menu):
        return ", ".join(menu.dishes.splitlines())


@admin.register(TemporaryMenu)
class TemporaryMenuAdmin(KeepsMenuHistoryAdmin):
    form = TemporaryMenuAdminForm
    list_display = ["date", "mess", "meal", "dishes_summary", "created_at"]
    list_filter = ["mess", "meal", "date"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name", "dishes"]
    date_hierarchy = "date"
    readonly_fields = ["created_at"]

    @admin.display(description="dishes")
    def dishes_summary(self, menu):
        return ", ".join(menu.dishes.splitlines())


class NonVegItemInline(admin.TabularInline):
    model = NonVegItem
    form = NonVegItemAdminForm
    extra = 1
    max_num = MAX_DISHES

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, validate_max=True, **kwargs)


@admin.register(NonVegMenu)
class NonVegMenuAdmin(KeepsMenuHistoryAdmin):
    """A menu's items are saved after the menu (save_related): the history is kept once they are."""

    form = DatedMenuAdminForm
    list_display = ["date", "mess", "meal", "item_count", "created_at"]
    list_filter = ["mess", "meal", "date"]
    search_fields = ["mess__code", "mess__name", "items__name"]
    date_hierarchy = "date"
    readonly_fields = ["created_at"]
    inlines = [NonVegItemInline]

    def get_queryset(self, request):
        # The items' menu autocomplete reads this queryset too, and a menu's name shows its mess's code.
        return super().get_queryset(request).select_related("mess").annotate(item_count=Count("items"))

    def save_model(self, request, obj, form, change):
        form.menus_before = menus_as_stored(menus=list(NonVegMenu.objects.filter(pk=obj.pk))) if change else {}
        super(KeepsMenuHistoryAdmin, self).save_model(request, obj, form, change)  # its history: in save_related

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        menu_changes_record(before=form.menus_before, after=menus_as_stored(menus=[form.instance]), changed_by=request.user)

    @admin.display(description="items", ordering="item_count")
    def item_count(self, menu):
        return menu.item_count


@admin.register(NonVegItem)
class NonVegItemAdmin(admin.ModelAdmin):
    """Each save and deletion of an item here is kept in the menu history of its menu (both menus
    when it moves), as the officials' changes are."""

    form = NonVegItemOwnAdminForm
    list_display = ["name", "price", "menu"]
    list_filter = ["menu__mess", "menu__meal", "menu__date"]
    list_select_related = ["menu__mess"]
    search_fields = ["name", "menu__mess__code", "menu__mess__name"]
    date_hierarchy = "menu__date"
    autocomplete_fields = ["menu"]

    def _menus_kept(self, request, menu_ids, write) -> None:
        menus = list(NonVegMenu.objects.filter(pk__in=menu_ids))
        before = menus_as_stored(menus=menus)
        write()
        menu_changes_record(before=before, after=menus_as_stored(menus=menus), changed_by=request.user)

    def save_model(self, request, obj, form, change):
        menu_ids = {obj.menu_id, *NonVegItem.objects.filter(pk=obj.pk).values_list("menu_id", flat=True)}
        self._menus_kept(request, menu_ids, lambda: super(NonVegItemAdmin, self).save_model(request, obj, form, change))

    def delete_model(self, request, obj):
        self._menus_kept(request, {obj.menu_id}, lambda: super(NonVegItemAdmin, self).delete_model(request, obj))

    @transaction.atomic  # the admin's bulk delete action runs outside a transaction
    def delete_queryset(self, request, queryset):
        menu_ids = set(queryset.values_list("menu_id", flat=True))
        self._menus_kept(request, menu_ids, lambda: super(NonVegItemAdmin, self).delete_queryset(request, queryset))


class RefreshesDayTotalsAdmin(admin.ModelAdmin):
    """Brings the figures of the days an admin's change or deletion touched up to date (mess/derived.py)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        dates = {obj.date, form.initial.get("date")} if change else {obj.date}
        records_changed(dates=[d for d in dates if d])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        records_changed(dates=[obj.date])

    @transaction.atomic  # the admin's bulk delete action runs outside a transaction
    def delete_queryset(self, request, queryset):
        dates = set(queryset.values_list("date", flat=True).distinct())
        super().delete_queryset(request, queryset)
        records_changed(dates=dates)


class WasteRecordForm(forms.ModelForm):
    """The admin's form of a waste record refuses what the officials' form refuses: a meal that has
    not started yet."""

    def clean(self):
        cleaned = super().clean()
        if why := waste_meal_refused(cleaned):
            raise forms.ValidationError(why)
        return cleaned


@admin.register(WasteRecord)
class WasteRecordAdmin(RefreshesDayTotalsAdmin):
    """Every edit and deletion here is kept in the waste history (mess.waste), as the officials' are."""

    form = WasteRecordForm
    list_display = ["date", "mess", "floor_name", "meal", "total_kg", "diners", "grams_per_diner", "recorded_by"]
    list_filter = ["floor__mess", "meal", "date"]
    list_select_related = ["floor__mess", "recorded_by"]
    search_fields = ["floor__name", "floor__mess__code", "floor__mess__name", "recorded_by__username"]
    date_hierarchy = "date"
    autocomplete_fields = ["floor", "recorded_by"]
    readonly_fields = ["recorded_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        before = {name: form.initial.get(name) for name in ("floor", "date", "meal", "total_kg", "diners")} if change else None
        waste_change_of_admin(record=obj, before=before, changed_by=request.user)

    def delete_model(self, request, obj):
        waste_records_delete(records=WasteRecord.objects.filter(pk=obj.pk), deleted_by=request.user)

    def delete_queryset(self, request, queryset):
        waste_records_delete(records=queryset, deleted_by=request.user)

    @admin.display(description="mess", ordering="floor__mess__code")
    def mess(self, record):
        return record.floor.mess

    @admin.display(description="floor", ordering="floor__name")
    def floor_name(self, record):
        return record.floor.name

    @admin.display(description="g per diner")
    def grams_per_diner(self, record):
        return grams_per_diner(record.total_kg, record.diners)


@admin.register(WasteChange)
class WasteChangeAdmin(admin.ModelAdmin):
    """The history of the waste records: who recorded, changed or deleted what, and when. Written by
    mess.waste alone, so admins only read it."""

    list_display = [
        "changed_at",
        "mess",
        "floor_name",
        "date",
        "meal",
        "action",
        "kg_before",
        "diners_before",
        "kg_after",
        "diners_after",
        "changed_by",
    ]
    list_filter = ["mess", "action", "meal", "date", "changed_at"]
    list_select_related = ["mess", "changed_by"]
    search_fields = ["floor_name", "mess__code", "mess__name", "changed_by__username"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(RefreshesDayTotalsAdmin):
    list_display = [
        "date",
        "meal",
        "mess",
        "student",
        "rating",
        "category",
        "comment_summary",
        "is_critical",
        "critical_why",
        "notified_at",
    ]
    list_filter = ["is_critical", "mess", "meal", "rating", "category", "date"]
    list_select_related = ["mess", "student"]
    search_fields = ["student__username", "mess__code", "mess__name", "comment"]
    date_hierarchy = "date"
    autocomplete_fields = ["student"]
    # notified_at belongs to send_admin_notifications: setting or clearing it by hand would skip or
    # repeat an e-mail.
    readonly_fields = ["is_critical", "critical_why", "notified_at", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        feedback_verdict(entry=obj)
        super().save_model(request, obj, form, change)

    @admin.display(description="comment")
    def comment_summary(self, feedback):
        return Truncator(feedback.comment).chars(80)


class ComplaintTermInline(admin.TabularInline):
    model = ComplaintTerm
    extra = 3


class RetriagesFeedbackAdmin(admin.ModelAdmin):
    """A change of the complaint terms applies to the feedback not notified yet (mess.triage)."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._retriage(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._retriage(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._retriage(request)

    def _retriage(self, request):
        changed = feedback_retriage()
        if changed:
            self.message_user(request, f"The new terms changed the verdict of {plural(changed, 'entry', 'entries')} not notified yet.")


@admin.register(ComplaintTheme)
class ComplaintThemeAdmin(RetriagesFeedbackAdmin):
    """The themes of food-safety complaints and their terms: a comment naming a term is critical."""

    list_display = ["name", "code", "term_list"]
    search_fields = ["name", "terms__words"]
    inlines = [ComplaintTermInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("terms")

    @admin.display(description="terms")
    def term_list(self, theme):
        return Truncator(", ".join(t.words for t in theme.terms.all())).chars(120)


@admin.register(ComplaintTerm)
class ComplaintTermAdmin(RetriagesFeedbackAdmin):
    list_display = ["words", "theme"]
    list_filter = ["theme"]
    list_select_related = ["theme"]
    search_fields = ["words"]


class AlertStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(is_open=True)
        if self.value() == "resolved":
            return queryset.filter(is_open__isnull=True)
        return queryset


@admin.register(Alert)
class AlertAdmin(ProducedByJobAdmin):
    list_display = [
        "mess",
        "kind",
        "subject",
        "figures",
        "window_start",
        "window_end",
        "is_open",
        "acknowledged",
        "last_seen_at",
        "resolved_at",
    ]
    list_filter = [AlertStatusFilter, "mess", "kind", "window_end"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name", "subject"]
    fields = [
        "mess",
        "kind",
        "subject",
        "figures",
        "value",
        "threshold",
        "basis",
        "window_start",
        "window_end",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
        "acknowledged_by",
        "acknowledged_at",
        "acknowledgement",
    ]
    readonly_fields = fields

    @admin.display(description="figures")
    def figures(self, alert):
        words = alert_wording(kind=alert.kind, subject=alert.subject, value=alert.value, threshold=alert.threshold, basis=alert.basis)
        return " ".join(filter(None, [words["value"], f"(threshold {words['threshold']})", words["basis"]]))

    @admin.display(description="acknowledged", boolean=True, ordering="acknowledged_at")
    def acknowledged(self, alert):
        return alert.acknowledged_at is not None


@admin.register(Notification)
class NotificationAdmin(ProducedByJobAdmin):
    list_display = ["date", "mess", "meal", "critical_count", "average_rating", "read_at", "updated_at"]
    list_filter = ["mess", "meal", "date"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name"]
    date_hierarchy = "date"
    fields = [
        "mess",
        "date",
        "meal",
        "critical_count",
        "average_rating",
        "summary",
        "digest_text",
        "comments_text",
        "created_at",
        "updated_at",
        "read_at",
    ]
    readonly_fields = fields

    # Plain strings: the read-only fields escape them and break their lines; students typed these.
    @admin.display(description="comments (why critical)")
    def comments_text(self, notification):
        return "\n".join(f"{c['text']} ({c['why']})" if c.get("why") else c["text"] for c in notification.comments)

    @admin.display(description="digest")
    def digest_text(self, notification):
        themes = notification.digest.get("themes", []) if notification.digest else []
        return "\n".join(f"{t['theme']}: {t['count']}, e.g. {t['example']}" for t in themes) or "-"


@admin.register(DailyReport)
class DailyReportAdmin(ProducedByJobAdmin):
    list_display = ["date", "mess", "emailed_at", "updated_at"]
    list_filter = ["mess", "date"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name"]
    date_hierarchy = "date"
    # The text body only, escaped like every read-only field: the HTML body quotes students' comments,
    # and rendering it here would trust them.
    fields = ["mess", "date", "text_body", "emailed_at", "created_at", "updated_at"]
    readonly_fields = fields


@admin.register(WasteReminder)
class WasteReminderAdmin(ProducedByJobAdmin):
    list_display = ["date", "mess", "meal", "floors", "emailed_at"]
    list_filter = ["mess", "meal", "date"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name"]
    date_hierarchy = "date"
    fields = ["mess", "date", "meal", "floors", "created_at", "emailed_at"]
    readonly_fields = fields


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ProducedByJobAdmin):
    """The jobs' e-mails as sent: those not sent yet, how often they were tried and the last error
    say what the next run will send again (mess/emails.py)."""

    list_display = ["subject", "created_at", "sent_at", "attempts", "given_up_at", "last_error"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter), ("given_up_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "message_id"]
    date_hierarchy = "created_at"
    # The text body only, as for the daily reports: the HTML body quotes students' comments.
    fields = [
        "kind",
        "from_email",
        "to",
        "subject",
        "message_id",
        "text_body",
        "created_at",
        "sent_at",
        "attempts",
        "given_up_at",
        "last_error",
    ]
    readonly_fields = fields


@admin.register(DayTotals)
class DayTotalsAdmin(ProducedByJobAdmin):
    list_display = ["date", "mess", "waste_records", "waste_kg", "feedback_count", "rating_sum", "computed_at"]
    list_filter = ["mess", "date"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name"]
    fields = ["mess", "date", "waste_records", "waste_kg", "counted_kg", "diners", "feedback_count", "rating_sum", "computed_at"]
    readonly_fields = fields


class ClosureAdminForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["mess", "first_day", "last_day", "reason"]

    def clean(self):
        cleaned = super().clean()
        mess, first_day, last_day = cleaned.get("mess"), cleaned.get("first_day"), cleaned.get("last_day")
        if mess and first_day and last_day:
            for field, message in closure_problems(mess=mess, first_day=first_day, last_day=last_day, closure_id=self.instance.pk).items():
                self.add_error(field, message)
        return cleaned


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    """Admins may change or delete any closure, begun or not: the days that have been, before and
    after the change, are brought up to date (their reports, the mess's alerts; mess/derived.py)."""

    form = ClosureAdminForm
    list_display = ["mess", "first_day", "last_day", "reason"]
    list_filter = ["mess"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name", "reason"]
    date_hierarchy = "first_day"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        before = [(form.initial.get("first_day"), form.initial.get("last_day"), form.initial.get("mess"))] if change else []
        closures_changed(closures=[(obj.first_day, obj.last_day, obj.mess_id), *before])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        closures_changed(closures=[(obj.first_day, obj.last_day, obj.mess_id)])

    @transaction.atomic  # the admin's bulk delete action runs outside a transaction
    def delete_queryset(self, request, queryset):
        closures = list(queryset.values_list("first_day", "last_day", "mess_id"))
        super().delete_queryset(request, queryset)
        closures_changed(closures=closures)
