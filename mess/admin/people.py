"""People in Django admin: users with the mess each eats at or the messes each runs (mess/people.py),
and invitations. An admin who is not a superuser manages people, not rights."""

import smtplib

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from mess.admin.base import FeatureAdmin
from mess.models import Profile
from mess.people import people_delete, people_invite, person_save, profile_save, profiles_delete
from mess.text import validate_typed_text

User = get_user_model()


@admin.register(Profile)
class ProfileAdmin(FeatureAdmin):
    list_display = ["user", "mess"]
    list_filter = ["mess"]
    list_select_related = ["user", "mess"]
    search_fields = ["user__username", "user__email", "mess__code", "mess__name"]
    autocomplete_fields = ["user", "mess", "messes_served"]
    readonly_fields = ["language"]  # the person's own pick (the switch in the header), never an admin's

    def save_model(self, request, obj, form, change):
        pass  # stored with the messes it serves, in one call, by save_related

    def save_related(self, request, form, formsets, change):
        profile_save(profile=form.instance, messes_served=form.cleaned_data.get("messes_served"))

    def delete_rows(self, request, queryset):
        profiles_delete(profiles=queryset)


class ProfileInline(admin.StackedInline):
    model = Profile
    autocomplete_fields = ["mess", "messes_served"]
    readonly_fields = ["language"]  # the person's own pick (the switch in the header), never an admin's
    can_delete = False  # a user's profile goes with the user, or is emptied; deleted, they would get every e-mail


admin.site.unregister(User)


@admin.register(User)
class ManageItUserAdmin(FeatureAdmin, UserAdmin):
    """Django's user admin, with the mess each user eats at or runs, written by person_save."""

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

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        for name in ("first_name", "last_name"):  # names are typed text too (mess/text.py), as the imports check them
            if name in form.base_fields:
                form.base_fields[name].validators.append(validate_typed_text)
        return form

    def save_model(self, request, obj, form, change):
        pass  # stored with its groups and profile, in one call, by save_related

    def save_related(self, request, form, formsets, change):
        profiles = [profile for formset in formsets for profile in formset.save(commit=False)]  # the inline's, not written
        served = [f.cleaned_data.get("messes_served") for formset in formsets for f in formset.forms if f.instance in profiles]
        person_save(
            user=form.instance,
            groups=form.cleaned_data.get("groups"),
            permissions=form.cleaned_data.get("user_permissions"),
            profile=profiles[0] if profiles else None,
            messes_served=served[0] if served else None,
        )

    def delete_rows(self, request, queryset):
        if not request.user.is_superuser:
            queryset = queryset.exclude(is_superuser=True)
        people_delete(users=queryset)

    @admin.display(description=_("mess"), ordering="profile__mess__code")
    def mess(self, user):
        profile = getattr(user, "profile", None)
        return profile.mess if profile else None

    @admin.display(description=_("invited"), ordering="profile__invited_at")
    def invited(self, user):
        profile = getattr(user, "profile", None)
        return profile.invited_at if profile else None

    @admin.action(description=_("Send an invitation (a link to set a password)"), permissions=["change"])
    def invite(self, request, queryset):
        if not request.user.is_superuser:
            queryset = queryset.exclude(is_superuser=True)
        try:
            invited = people_invite(users=queryset.order_by("username"))
        except (smtplib.SMTPException, OSError) as error:
            self.message_user(
                request,
                gettext("The mail server failed (%(error)s); those invited before it keep their invitation.") % {"error": error},
                messages.ERROR,
            )
            return
        left_out = len(queryset) - invited
        message = ngettext("Invited %(count)s user.", "Invited %(count)s users.", invited) % {"count": invited}
        if left_out:
            left = ngettext(
                "%(count)s user without an e-mail address or not active left out.",
                "%(count)s users without an e-mail address or not active left out.",
                left_out,
            )
            message = f"{message} {left % {'count': left_out}}"
        self.message_user(request, message, messages.SUCCESS)
