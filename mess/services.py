"""Services for people and their roles: students, mess officials and admins."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from mess.models import Mess, Profile, Role

User = get_user_model()


@transaction.atomic
def user_assign_role(*, user, role: Role, mess: Mess) -> None:
    """Makes `user` a student or an official of `mess`: sets their profile's mess and puts them in
    exactly that role's group."""
    Profile.objects.update_or_create(user=user, defaults={"mess": mess})
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    user.groups.remove(*[g for name, g in groups.items() if name != role])
    user.groups.add(groups[role])


@transaction.atomic
def user_create(*, username: str, role: Role, mess: Mess, password: str | None = None, email: str = "", name: str = ""):
    """Creates a user with a role in a mess. Without a password the user cannot log in until one is set."""
    first, _, last = name.partition(" ")
    user = User.objects.create_user(username=username, email=email, password=password, first_name=first, last_name=last)
    user_assign_role(user=user, role=role, mess=mess)
    return user
