"""Closed days in Django admin: admins may change or delete any closure, begun or not, under the
closures page's rules and through its functions (mess/closures.py): the days that have been, before
and after the change, are brought up to date (their reports, the mess's alerts)."""

from django import forms
from django.contrib import admin

from mess.admin.base import FeatureAdmin, ReadOnlyAdmin, refusals
from mess.closures import closure_problems, closure_save, closures_delete
from mess.models import Closure, ClosureChange


class ClosureForm(forms.ModelForm):
    """Checked by closure_problems beside each field (before the model's own constraint would say
    it in a database's words); closure_save checks again under its lock."""

    def clean(self):
        cleaned = super().clean()
        mess, first_day, last_day = cleaned.get("mess"), cleaned.get("first_day"), cleaned.get("last_day")
        if mess and first_day and last_day:
            reason = cleaned.get("reason", "")
            problems = closure_problems(
                mess=mess, first_day=first_day, last_day=last_day, closure_id=self.instance.pk, reason=reason, by_admin=True
            )
            for field, message in problems.items():
                self.add_error(field, message)
        return cleaned


@admin.register(Closure)
class ClosureAdmin(FeatureAdmin):
    form = ClosureForm
    list_display = ["mess", "first_day", "last_day", "reason"]
    list_filter = ["mess"]
    list_select_related = ["mess"]
    search_fields = ["mess__code", "mess__name", "reason"]
    date_hierarchy = "first_day"

    def save_model(self, request, obj, form, change):
        with refusals():
            saved = closure_save(
                mess=obj.mess,
                first_day=obj.first_day,
                last_day=obj.last_day,
                reason=obj.reason,
                closure_id=obj.pk,
                changed_by=request.user,
                by_admin=True,
            )
        obj.pk = saved.pk

    def delete_rows(self, request, queryset):
        closures_delete(closures=queryset, deleted_by=request.user)


@admin.register(ClosureChange)
class ClosureChangeAdmin(ReadOnlyAdmin):
    """The closures' history: who marked, changed or removed which days, and why; written by
    mess.closures alone."""

    list_display = [
        "changed_at",
        "mess",
        "action",
        "first_day_before",
        "last_day_before",
        "first_day_after",
        "last_day_after",
        "changed_by",
    ]
    list_filter = ["mess", "action"]
    list_select_related = ["mess", "changed_by"]
    search_fields = ["mess__code", "mess__name", "reason_before", "reason_after"]
    date_hierarchy = "changed_at"
