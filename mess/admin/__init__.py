"""Django admin for the mess, one module per feature. Each change an admin makes goes through the
feature's own functions, as the pages' do (mess/admin/base.py); what no person writes (feedback,
what the jobs produce, the histories) is read-only. Every change list selects its related rows in
the same query, so a page costs the same number of queries however many rows it shows; foreign
keys to users and floors are autocompletes, as there are thousands."""

from mess.admin import (  # noqa: F401  (each module registers its models)
    absences,
    alerts,
    announcements,
    channels,
    closures,
    cook_sheets,
    emails,
    feedback,
    menu_editing,
    mess_changes,
    messes,
    missing_waste,
    notifications,
    overview,
    people,
    reports,
    scopes,
    telegram,
    triage,
    waste,
)
