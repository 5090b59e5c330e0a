"""The complaint themes and their terms in Django admin: a comment naming a term is critical
(mess/triage.py). Each change applies at once to the feedback not notified yet."""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mess.admin.base import FeatureAdmin
from mess.models import ComplaintTerm, ComplaintTheme
from mess.triage import complaint_term_save, complaint_terms_delete, complaint_theme_save, complaint_themes_delete


class ComplaintTermInline(admin.TabularInline):
    model = ComplaintTerm
    extra = 3


class RetriagesAdmin(FeatureAdmin):
    def retriaged(self, request, changed: int) -> None:
        if changed:
            self.message_user(
                request,
                ngettext(
                    "The new terms changed the verdict of %(count)s entry not notified yet.",
                    "The new terms changed the verdict of %(count)s entries not notified yet.",
                    changed,
                )
                % {"count": changed},
            )


@admin.register(ComplaintTheme)
class ComplaintThemeAdmin(RetriagesAdmin):
    list_display = ["name", "code", "term_list"]
    search_fields = ["name", "terms__words"]
    inlines = [ComplaintTermInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("terms")

    def save_model(self, request, obj, form, change):
        pass  # with its terms, in save_related

    def save_related(self, request, form, formsets, change):
        (terms,) = formsets
        saved = terms.save(commit=False)  # the inline's terms, not written
        self.retriaged(request, complaint_theme_save(theme=form.instance, terms=saved, deleted_terms=terms.deleted_objects))

    def delete_rows(self, request, queryset):
        self.retriaged(request, complaint_themes_delete(themes=queryset))

    @admin.display(description=_("terms"))
    def term_list(self, theme):
        return Truncator(", ".join(t.words for t in theme.terms.all())).chars(120)


@admin.register(ComplaintTerm)
class ComplaintTermAdmin(RetriagesAdmin):
    list_display = ["words", "theme"]
    list_filter = ["theme"]
    list_select_related = ["theme"]
    search_fields = ["words"]

    def save_model(self, request, obj, form, change):
        self.retriaged(request, complaint_term_save(term=obj))

    def delete_rows(self, request, queryset):
        self.retriaged(request, complaint_terms_delete(terms=queryset))
