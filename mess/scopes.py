"""Scopes beyond one mess: the messes an official serves (one or several), groups of messes (a campus,
a hostel block, a district; a group holds groups at most MAX_GROUP_LEVELS deep, never itself), and
group admins, who do what admins do but only for the messes of their group and its sub-groups.

Which messes a group admin may act on is `group_admin_messes`; who hears about a mess beyond its officials and
the admins of everything is `group_admins_emails`. The writes: `mess_group_save`, `mess_groups_delete`,
`group_admin_save`, `group_admins_delete`, `officials_serve`."""

from collections import defaultdict
from collections.abc import Collection

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet
from django.utils.translation import gettext as _

from mess.email_choices import users_wanting
from mess.models import MAX_GROUP_LEVELS, GroupAdmin, Mess, MessGroup, Profile
from mess.refusals import Refused

User = get_user_model()


def in_groups(group_ids, *, prefix: str = "") -> Q:
    """A Mess filter (or of a model with a mess, `prefix` naming it, e.g. "mess__"): the messes of
    the groups `group_ids` (a list or a subquery of ids) and of their sub-groups, at every level
    MAX_GROUP_LEVELS allows."""
    q = Q()
    for level in range(MAX_GROUP_LEVELS):
        q |= Q(**{f"{prefix}group{'__parent' * level}__in": group_ids})
    return q


def group_admin_messes(*, user_id: int) -> list[tuple[int, str]]:
    """The (id, code) of every mess of the groups the user runs and of their sub-groups, by code.
    One query. (The messes an official serves come with their access: mess.people.user_access.)"""
    groups = GroupAdmin.objects.filter(user_id=user_id).values("group_id")
    return list(Mess.objects.filter(in_groups(groups)).order_by("code").values_list("pk", "code"))


def group_levels(*, group: MessGroup) -> int:
    """How many levels `group` with its parent chain and its sub-groups would span, as saved (its
    own level counted once). Raises Refused when its parent chain leads back to itself."""
    above, parent_id, seen = 0, group.parent_id, {group.pk}
    parents = dict(MessGroup.objects.values_list("pk", "parent_id"))
    while parent_id is not None:
        if parent_id in seen:
            raise Refused({"parent": _("A group cannot be within itself or within one of its own sub-groups.")})
        seen.add(parent_id)
        above += 1
        parent_id = parents.get(parent_id)
    below, level = 0, {group.pk} if group.pk else set()
    for _level in range(MAX_GROUP_LEVELS):  # bounded: deeper than that is refused anyway
        level = {pk for pk, parent in parents.items() if parent in level and pk != group.pk}
        if not level:
            break
        below += 1
    return above + 1 + below


def mess_group_check(*, group: MessGroup) -> None:
    """Raises Refused (by field) when `group` would be within itself or span more than
    MAX_GROUP_LEVELS levels with its parents and sub-groups."""
    if group.parent_id is not None and group.parent_id == group.pk:
        raise Refused({"parent": _("A group cannot be within itself or within one of its own sub-groups.")})
    if group_levels(group=group) > MAX_GROUP_LEVELS:
        raise Refused({"parent": _("Groups go at most %(levels)s levels deep: this would make one more.") % {"levels": MAX_GROUP_LEVELS}})


def mess_group_save(*, group: MessGroup) -> MessGroup:
    """Stores `group` after mess_group_check (raising its Refused, changing nothing), in one
    transaction that locks the groups so that two saves cannot make a cycle together."""
    with transaction.atomic():
        list(MessGroup.objects.select_for_update().values_list("pk"))
        mess_group_check(group=group)
        group.full_clean(exclude=["parent"])
        group.save()
    return group


def mess_groups_delete(*, groups: QuerySet[MessGroup]) -> int:
    """Deletes `groups` and their group admins. Raises ValueError, deleting nothing, while a mess or
    a sub-group is in one of them. Returns how many groups."""
    try:
        with transaction.atomic():
            ids = list(groups.values_list("pk", flat=True))
            GroupAdmin.objects.filter(group_id__in=ids).delete()
            deleted, _rows = MessGroup.objects.filter(pk__in=ids).delete()
    except ProtectedError:
        raise ValueError(_("A group that still holds messes or groups cannot be deleted: move them out first.")) from None
    return len(ids) if deleted else 0


def group_admin_save(*, group_admin: GroupAdmin) -> GroupAdmin:
    """Makes `group_admin.user` an admin of `group_admin.group` (and of its sub-groups' messes).
    Raises ValueError if they run that group already."""
    exists = GroupAdmin.objects.filter(user_id=group_admin.user_id, group_id=group_admin.group_id).exclude(pk=group_admin.pk)
    if exists.exists():
        raise Refused({"group": _("This person runs this group already.")})
    group_admin.save()
    return group_admin


def group_admins_delete(*, rows: QuerySet[GroupAdmin]) -> int:
    """Takes the groups of `rows` from their admins. Returns how many."""
    deleted, _rows = rows.delete()
    return deleted


def officials_serve(*, messes: dict[int, Collection[int]]) -> None:
    """Makes the officials whose user ids key `messes` serve exactly the messes each maps to (a
    profile is created for those who have none). Five queries whatever the number of officials."""
    if not messes:
        return
    with transaction.atomic():
        profiles = dict(Profile.objects.filter(user_id__in=messes).values_list("user_id", "pk"))
        Profile.objects.bulk_create([Profile(user_id=user_id) for user_id in messes if user_id not in profiles])
        profiles = dict(Profile.objects.filter(user_id__in=messes).values_list("user_id", "pk"))
        Served = Profile.messes_served.through
        Served.objects.filter(profile_id__in=profiles.values()).delete()
        Served.objects.bulk_create(
            [Served(profile_id=profiles[user_id], mess_id=mess_id) for user_id, ids in messes.items() for mess_id in ids]
        )


def group_admins_emails(*, mess_ids: list[int], about: str) -> dict[int, set[str]]:
    """Mess id -> the addresses of the active group admins with one whose group holds the mess
    (directly or through a sub-group) and who chose to get the e-mails `about`. Three queries
    whatever the number of messes and groups."""
    wanting = User.objects.filter(users_wanting(about), is_active=True).exclude(email="")
    rows = GroupAdmin.objects.filter(user__in=wanting).values_list("group_id", "user__email")
    emails_of = defaultdict(set)
    for group_id, email in rows:
        emails_of[group_id].add(email)
    if not emails_of:
        return {mess_id: set() for mess_id in mess_ids}
    parents = dict(MessGroup.objects.values_list("pk", "parent_id"))
    by_mess = {}
    for mess_id, group_id in Mess.objects.filter(pk__in=mess_ids).values_list("pk", "group_id"):
        emails, seen = set(), set()
        while group_id is not None and group_id not in seen:
            seen.add(group_id)
            emails |= emails_of.get(group_id, set())
            group_id = parents.get(group_id)
        by_mess[mess_id] = emails
    return {mess_id: by_mess.get(mess_id, set()) for mess_id in mess_ids}


def scope_groups(*, user_id: int | None = None) -> QuerySet[MessGroup]:
    """The groups of messes a person may filter by, by code: every group (`user_id` None: an admin),
    or those a group admin runs and their sub-groups."""
    groups = MessGroup.objects.order_by("code")
    if user_id is None:
        return groups
    run = GroupAdmin.objects.filter(user_id=user_id).values("group_id")
    within = Q(pk__in=run)
    for level in range(1, MAX_GROUP_LEVELS):
        within |= Q(**{f"{'parent__' * level}pk__in": run})
    return groups.filter(within)
