"""What every admin page of the mess shares: writes go through the features' own functions (the
pages, the imports, the commands and the jobs call the same ones), and rows that no person should
write are shown read-only."""

from contextlib import contextmanager

from django.contrib import admin, messages
from django.shortcuts import redirect


class WriteRefused(Exception):
    """A feature's function refused an admin's change: its ValueError, carried out of the admin's
    transaction so that nothing of the change is kept."""

    def __init__(self, error: ValueError, *, field: str | None = None):
        super().__init__(str(error))
        # By field where the feature says which (mess.refusals.Refused), else beside `field`, or above the form.
        self.errors: dict[str | None, str] = dict(getattr(error, "errors", None) or {field: str(error)})


@contextmanager
def refusals(*, field: str | None = None):
    """Around an admin's call of a feature's function: its ValueError becomes a WriteRefused, which
    FeatureAdmin shows on the page, beside `field` when the feature did not say which."""
    try:
        yield
    except ValueError as error:
        raise WriteRefused(error, field=field) from error


class FeatureAdmin(admin.ModelAdmin):
    """An admin whose writes are its feature's. Subclasses call the feature's functions in
    `save_model` or `save_related` (never `super()`'s, which would write the form's row itself),
    inside `refusals()`, and in `delete_rows`: a ValueError there undoes the whole change, and the
    page shows the form again with the refusal beside its field (or above the form), as a page's
    form would; a refused deletion says why at the top of the page."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except WriteRefused as refused:
            # The change was rolled back with the admin's transaction. The form is checked again,
            # this time with the refusal as its error, so that it shows with everything as typed.
            request.write_refused = refused
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refused = getattr(request, "write_refused", None)
        if refused is None:
            return form

        class Refused(form):
            def clean(self):
                cleaned = super().clean()
                for field, message in refused.errors.items():
                    self.add_error(field if field in self.fields else None, message)
                return cleaned

        return Refused

    def delete_rows(self, request, queryset) -> None:
        """Deletes `queryset`'s rows through the feature's function: the one door for a deletion here,
        of one row (its page) or of the rows selected in the list."""
        raise NotImplementedError(f"{type(self).__name__} deletes nothing: it has no delete permission")

    def delete_model(self, request, obj):
        with refusals():
            self.delete_rows(request, self.model._default_manager.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        with refusals():
            self.delete_rows(request, queryset)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except WriteRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return redirect(request.path)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except WriteRefused as refused:  # a bulk action, such as deleting the selected rows
            self.message_user(request, str(refused), messages.ERROR)
            return redirect(request.get_full_path())


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that no person writes (what the jobs produce, the histories): an edit would be
    overwritten, or would contradict what was e-mailed or recorded, so admins read them only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeleteOnlyAdmin(FeatureAdmin):
    """Rows that people make elsewhere, in their own words or for themselves (feedback, absences):
    admins read them and may delete one, through the feature's function in `delete_rows`, but never
    add or change one."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
