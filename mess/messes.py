"""Messes and their floors, as admins create and change them in Django admin (their only door): a
mess's name, whether it is active, its alert thresholds and window, its week 1 start, its cut-off
and cooking margin, what its waste is worth and its goal's baseline, and which floors it has. What
follows a change is done here: a move of the week 1 start is kept in the menu history
(mess/menu_editing.py), and a change of what the alerts read (the thresholds, the window, whether
the mess is active) has the mess's alerts re-evaluated soon after (mess/derived.py), as a change of
its waste or feedback does."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.formats import date_format
from django.utils.translation import gettext

from mess.derived import ALERTS_WITHIN_SECONDS
from mess.menu_editing import mess_rotation_set
from mess.menu_rules import rotation_start_check
from mess.models import Floor, Mess
from mess.refusals import Refused
from scheduling.soon import job_soon
from scheduling.sync import default_schedules, schedules_follow_defaults

# The fields of a mess that the jobs' default schedules are computed from (the cook sheets' cut-offs,
# the menu messages and the reminders before the cut-offs).
SCHEDULE_FIELDS = ("is_active", "absence_cutoff_minutes", "menu_message_minutes")
# The fields of a mess that the alerts read: a change of one re-evaluates its alerts.
ALERT_FIELDS = ("is_active", "waste_threshold_kg", "waste_threshold_g_per_diner", "rating_threshold", "min_ratings", "alert_window_days")


def mess_save(*, mess: Mess, changed_by: AbstractBaseUser | None) -> Mess:
    """Stores `mess` (a new one, or one whose fields were changed), in one transaction. Its week 1
    start must be a Monday and its baseline period whole (baseline_check): Refused otherwise, by
    field, nothing stored. Moving the week 1 start on a mess that exists is kept in the menu history.
    A new mess, or a change of its ALERT_FIELDS, has its alerts re-evaluated within
    ALERTS_WITHIN_SECONDS of the commit (an inactive mess's are resolved); a new mess, or a change
    of its SCHEDULE_FIELDS, has the schedules follow (a cook sheet schedule at its cut-off, none
    left at a cut-off no active mess has)."""
    if mess.rotation_starts_on is not None:
        try:
            rotation_start_check(mess.rotation_starts_on)
        except ValueError as error:
            raise Refused({"rotation_starts_on": str(error)}) from None
    baseline_check(start=mess.baseline_start, end=mess.baseline_end)
    with transaction.atomic():
        before = Mess.objects.select_for_update().filter(pk=mess.pk).first() if mess.pk else None
        if before is not None and before.rotation_starts_on != mess.rotation_starts_on:
            mess_rotation_set(mess=before, starts_on=mess.rotation_starts_on, changed_by=changed_by)
        crons = default_schedules()
        mess.save()
        if before is None or any(getattr(before, name) != getattr(mess, name) for name in SCHEDULE_FIELDS):
            schedules_follow_defaults(before=crons)  # the cook sheets go out at each mess's cut-off
        if before is None or any(getattr(before, name) != getattr(mess, name) for name in ALERT_FIELDS):
            job_soon("generate_alerts", kwargs={"mess_code": mess.code}, within_seconds=ALERTS_WITHIN_SECONDS)
    return mess


def baseline_check(*, start, end) -> None:
    """Raises Refused, by field, unless the waste goal's baseline period has both days in order, or
    neither (then it is the mess's first recorded days)."""
    if (start is None) != (end is None):
        missing = "baseline_end" if end is None else "baseline_start"
        raise Refused(
            {missing: gettext("Give both days of the baseline period, or neither: the mess's first 28 recorded days are then used.")}
        )
    if start is not None and end < start:
        raise Refused(
            {
                "baseline_end": gettext("The baseline period ends on %(end)s, before it starts on %(start)s.")
                % {"end": date_format(end, "DATE_FORMAT"), "start": date_format(start, "DATE_FORMAT")}
            }
        )


def messes_delete(*, messes) -> int:
    """Deletes `messes` with their floors, menus and what the jobs made of them; returns how many.
    Raises Refused, deleting none, for a mess that people eat at or run, or that has feedback or
    waste: such a mess keeps its history, and is made inactive instead."""
    ids = [mess.pk for mess in messes if mess.pk]
    try:
        with transaction.atomic():
            deleted = Mess.objects.filter(pk__in=ids).delete()[1].get(Mess._meta.label, 0)
    except ProtectedError:
        raise Refused(
            {"is_active": gettext("A mess with people, feedback or waste keeps its history: make it inactive instead.")}
        ) from None
    return deleted


def floors_save(*, mess: Mess, floors: list[Floor], deleted: list[Floor] = ()) -> None:
    """Stores the new and renamed `floors` of `mess` and deletes the `deleted` ones, in one
    transaction. Raises Refused, changing nothing, for a deleted floor that has waste records."""
    with transaction.atomic():
        floors_delete(floors=deleted)
        for floor in floors:
            floor.mess = mess
            floor.save()


def floor_save(*, floor: Floor) -> Floor:
    """Stores `floor`, new or changed."""
    floor.save()
    return floor


def floors_delete(*, floors) -> int:
    """Deletes `floors`; returns how many. Raises Refused, deleting none, when one has waste records."""
    ids = [floor.pk for floor in floors if floor.pk]
    if not ids:
        return 0
    try:
        with transaction.atomic():
            deleted, _ = Floor.objects.filter(pk__in=ids).delete()
    except ProtectedError:
        raise Refused({"floor": gettext("A floor with waste records cannot be deleted: its records keep its name.")}) from None
    return deleted
