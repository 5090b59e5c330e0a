"""The people of a mess and what they may do: students, who eat at a mess; its officials, who run
it (one or several: mess/scopes.py); group admins, who run the messes of a group of messes; admins,
who see and run every mess. Creating them (the one way: the student import, the demo
data and the tests all use `people_create`), what each may see (`user_access`), and who hears about
a mess (`messes_recipients`) and of the jobs' problems (`admins_emails`), as each person chose
(mess/email_choices.py).

An admin is a superuser, or a user with the mess.run_every_mess permission, which the Admins group
gives. `is_staff` alone makes nobody an admin: it only opens Django admin with the model permissions
the user has."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import get_connection
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mess.bulk import upsert
from mess.email_choices import EMAILS_JOB_PROBLEMS, users_wanting
from mess.emails import email_send
from mess.models import VIEW_FEEDBACK_AUTHORS, GroupAdmin, Profile, Role
from mess.scopes import group_admin_messes, group_admins_emails
from mess.text import span_in_words_lazy

User = get_user_model()

ADMINS_GROUP = "Admins"
# Besides running every mess, the Admins group may do in Django admin what ManageIt's admins do there:
# every model of these apps, and adding and changing users (a superuser's rights stay a superuser's).
ADMIN_APPS = ("mess", "scheduling", "django_q", "axes")
ADMIN_USER_PERMISSIONS = ("add_user", "change_user", "view_user")


def admin_permissions() -> QuerySet[Permission]:
    """The permission that makes a ManageIt admin."""
    return Permission.objects.filter(codename="run_every_mess", content_type__app_label="mess")


def admins() -> QuerySet:
    """Every active ManageIt admin: the superusers and the users with the admin permission, through
    a group or their own."""
    perms = admin_permissions()
    admin = Q(is_superuser=True) | Q(groups__permissions__in=perms) | Q(user_permissions__in=perms)
    return User.objects.filter(admin, is_active=True).distinct()


def admins_group_sync(*, app_config, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Gives the Admins group the permissions of `app_config`'s models that ManageIt's admins need.
    Connected to post_migrate, which comes after each app's permissions are created, so that a new
    model's permissions join the group as soon as it is migrated. Seeing who wrote feedback
    (mess.view_feedback_authors) is not among them: it is given to a person on purpose."""
    if app_config.label not in (*ADMIN_APPS, "auth"):
        return
    permissions = Permission.objects.using(using).filter(content_type__app_label=app_config.label)
    if app_config.label == "auth":
        permissions = permissions.filter(codename__in=ADMIN_USER_PERMISSIONS)
    permissions = permissions.exclude(codename=VIEW_FEEDBACK_AUTHORS)
    group, _ = Group.objects.using(using).get_or_create(name=ADMINS_GROUP)
    group.permissions.add(*permissions)


@dataclass(frozen=True)
class Person:
    """Someone to create: a student or an official of a mess."""

    username: str
    role: Role
    mess_id: int
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    password: str | None = None  # None: no usable password until one is set
    since: datetime.date | None = None  # a student eats at the mess from this day (None: always)


def people_create(*, people: Sequence[Person]) -> dict[str, int]:
    """Creates each person as an active user, with their role and their mess, and returns the new
    users' ids by username. Without a password a person cannot sign in until one is set. One
    transaction and a fixed number of queries whatever the number of people; raises IntegrityError,
    creating nobody, when a username is taken."""
    if not people:
        return {}
    with transaction.atomic():
        User.objects.bulk_create(
            [
                User(
                    username=p.username,
                    email=User.objects.normalize_email(p.email),
                    first_name=p.first_name,
                    last_name=p.last_name,
                    password=make_password(p.password),
                )
                for p in people
            ]
        )
        ids = dict(User.objects.filter(username__in=[p.username for p in people]).values_list("username", "id"))
        roles = dict.fromkeys(p.role for p in people)  # in the order given: the rows' ids follow it
        groups = dict(Group.objects.filter(name__in=roles).values_list("name", "pk"))
        for role in roles:
            _place(group_id=groups[role], messes={ids[p.username]: p.mess_id for p in people if p.role == role}, role=role)
        for since in {p.since for p in people if p.since}:
            people_since(since=since, user_ids=[ids[p.username] for p in people if p.since == since])
    return ids


def people_since(*, since: datetime.date, user_ids: list[int]) -> None:
    """Records that the students `user_ids` eat at their mess from `since` on (the head counts count
    them from that day). One query."""
    Profile.objects.filter(user_id__in=user_ids).update(since=since)


def people_place(*, role: Role, messes: dict[int, int]) -> None:
    """Makes the users whose ids key `messes` members of `role` at the mess each maps to: sets
    their profile's mess (and adds it to an official's messes) and adds them to the role's group.
    A fixed number of queries whatever the number."""
    if messes:
        _place(group_id=Group.objects.get(name=role).pk, messes=messes, role=role)


def _place(*, group_id: int, messes: dict[int, int], role: Role) -> None:
    upsert(
        Profile, [Profile(user_id=pk, mess_id=mess_id) for pk, mess_id in messes.items()], unique_fields=["user"], update_fields=["mess"]
    )
    Membership = User.groups.through
    Membership.objects.bulk_create([Membership(user_id=pk, group_id=group_id) for pk in messes], ignore_conflicts=True)
    if role == Role.OFFICIAL:
        # An official serves the mess among their messes (mess/scopes.py), besides any they served.
        profiles = dict(Profile.objects.filter(user_id__in=messes).values_list("user_id", "pk"))
        Served = Profile.messes_served.through
        Served.objects.bulk_create(
            [Served(profile_id=profiles[pk], mess_id=mess_id) for pk, mess_id in messes.items() if mess_id], ignore_conflicts=True
        )


def person_save(
    *, user, groups: Iterable[Group] | None = None, permissions: Iterable[Permission] | None = None, profile=None, messes_served=None
) -> None:
    """Stores a user as Django admin made or changed them (their name, address, password), with
    their `groups` and single `permissions` when given (None leaves them), and `profile`, their mess
    and e-mail choices, and the messes they serve as an official (`messes_served`, None leaves
    them), in one transaction. Being an admin is the Admins group's permission
    (admins_group_sync), so nothing more follows here."""
    with transaction.atomic():
        user.save()
        if groups is not None:
            user.groups.set(groups)
        if permissions is not None:
            user.user_permissions.set(permissions)
        if profile is not None:
            profile.user = user
            profile_save(profile=profile, messes_served=messes_served)


def profile_save(*, profile: Profile, messes_served: Iterable | None = None) -> Profile:
    """Stores `profile` (the mess a student eats at, their e-mail choices) as Django admin changed
    it, with the messes an official serves (`messes_served`, None leaves them), in one transaction."""
    with transaction.atomic():
        profile.save()
        if messes_served is not None:
            profile.messes_served.set(messes_served)
    return profile


def profile_language_set(*, user, language: str) -> Profile:
    """Saves the language `user` picked (one of settings.LANGUAGES; blank forgets the choice, and
    the browser's language chooses again) on their profile, making one (no mess) if they have none.
    Raises ValueError naming the field on any other value, changing nothing."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(f"language: {language!r} is not one of {', '.join(dict(settings.LANGUAGES))}")
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"language": language})
    return profile


def profiles_delete(*, profiles: QuerySet[Profile]) -> int:
    """Deletes `profiles`: their users eat at and run no mess, and get every e-mail they may until
    they choose again. Returns how many."""
    deleted, _ = profiles.delete()
    return deleted


def people_delete(*, users: QuerySet) -> int:
    """Deletes `users` and their profiles; their feedback goes with them, their waste records and
    histories keep the rows with nobody named (the figures of the days they rated follow at the
    next hourly refresh). Returns how many users it deleted."""
    with transaction.atomic():
        ids = list(users.values_list("pk", flat=True))
        User.objects.filter(pk__in=ids).delete()
    return len(ids)


def password_link(*, user) -> str:
    """An address at which `user` sets a new password, valid for PASSWORD_RESET_TIMEOUT and until the
    password changes (Django's password-reset token)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})
    return settings.SITE_URL + path


def people_invite(*, users: Iterable) -> int:
    """E-mails each of `users` who is active and has an address an invitation to ManageIt with a link
    to set their password (see password_link), and records when on their profile. The e-mails go out
    over one connection; if the mail server refuses one, the error is raised and those invited
    before it keep their record, so that inviting the rest again sends nobody a second one. Returns
    how many were invited."""
    invited = 0
    expires = span_in_words_lazy(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT))
    with get_connection() as connection:
        for user in users:
            if not user.is_active or not user.email:
                continue
            context = {"user": user, "link": password_link(user=user), "expires": expires, "site_url": settings.SITE_URL}
            email_send(template="invitation", context=context, to=[user.email], connection=connection)
            Profile.objects.update_or_create(user=user, defaults={"invited_at": timezone.now()})
            invited += 1
    return invited


@dataclass(frozen=True)
class Access:
    """What a user may see: admins every mess; officials the messes they serve and group admins
    those of their groups (`messes`); students their own mess."""

    is_admin: bool = False
    role: str | None = None  # a Role value, for users who are not admins
    mess_id: int | None = None  # the profile's mess: where a student eats
    mess_code: str | None = None
    # (id, code) of each mess an official or group admin acts on, by code (none for admins: every one)
    messes: tuple[tuple[int, str], ...] = ()
    runs_groups: bool = False  # a group admin (mess/scopes.py)
    # may see who wrote feedback (mess.view_feedback_authors: the exports with names), as user.has_perm says
    sees_feedback_authors: bool = False
    language: str = ""  # the language they picked (Profile.language), blank if none

    @property
    def is_official(self) -> bool:
        return not self.is_admin and self.role == Role.OFFICIAL

    @property
    def is_student(self) -> bool:
        return not self.is_admin and self.role == Role.STUDENT

    @property
    def is_group_admin(self) -> bool:
        return not self.is_admin and self.runs_groups

    @property
    def sees_overview(self) -> bool:
        """Admins see every mess's overview, group admins their groups'."""
        return self.is_admin or self.is_group_admin

    @property
    def mess_ids(self) -> frozenset[int] | None:
        """The ids of the messes this person may act on; None for an admin: every mess."""
        return None if self.is_admin else frozenset(pk for pk, _code in self.messes)

    @property
    def mess_codes(self) -> list[str]:
        return [code for _pk, code in self.messes]

    def may_act_on(self, code: str) -> bool:
        """Whether the mess of `code` is one this person runs: any for an admin."""
        return self.is_admin or code in self.mess_codes


def user_access(*, user) -> Access:
    """The role, mess and picked language of `user`: superusers are admins (one query: their
    language); anyone else's admin permission, group, mess, language and whether they may see who
    wrote feedback, and the messes an official serves, come in one query; a group admin's groups'
    messes in one more.
    An admin who also has a role is an admin; an official who is also in the students' group is an
    official; an official who also runs a group acts on both's messes."""
    if not user.is_authenticated or not user.is_active:
        return Access()
    if user.is_superuser:
        language = Profile.objects.filter(user=user).values_list("language", flat=True).first() or ""
        return Access(is_admin=True, sees_feedback_authors=True, language=language)
    in_group = Group.objects.filter(user=OuterRef("pk"))
    perms = admin_permissions()
    authors = Permission.objects.filter(codename=VIEW_FEEDBACK_AUTHORS, content_type__app_label="mess")
    # A row per mess the user serves (one, with no mess, if none): their messes come in the same query.
    rows = list(
        User.objects.filter(pk=user.pk)
        .values(
            "profile__mess_id", "profile__mess__code", "profile__language", "profile__messes_served__id", "profile__messes_served__code"
        )
        .annotate(
            admin_by_group=Exists(perms.filter(group__user=OuterRef("pk"))),
            admin_by_user=Exists(perms.filter(user=OuterRef("pk"))),
            authors_by_group=Exists(authors.filter(group__user=OuterRef("pk"))),
            authors_by_user=Exists(authors.filter(user=OuterRef("pk"))),
            official=Exists(in_group.filter(name=Role.OFFICIAL)),
            student=Exists(in_group.filter(name=Role.STUDENT)),
            runs_groups=Exists(GroupAdmin.objects.filter(user=OuterRef("pk"))),
        )
        .order_by("profile__messes_served__code")
    )
    if not rows:
        return Access()
    row = rows[0]
    authors = row["authors_by_group"] or row["authors_by_user"]
    language = row["profile__language"] or ""
    if row["admin_by_group"] or row["admin_by_user"]:
        return Access(is_admin=True, sees_feedback_authors=authors, language=language)
    role = Role.OFFICIAL if row["official"] else Role.STUDENT if row["student"] else None
    messes = [(r["profile__messes_served__id"], r["profile__messes_served__code"]) for r in rows if r["profile__messes_served__id"]]
    messes = messes if role == Role.OFFICIAL else []
    if row["runs_groups"]:  # and their groups' messes, in one more query
        messes = sorted(set(messes) | set(group_admin_messes(user_id=user.pk)), key=lambda m: m[1])
    return Access(
        role=role,
        mess_id=row["profile__mess_id"],
        mess_code=row["profile__mess__code"],
        messes=tuple(messes),
        runs_groups=row["runs_groups"],
        sees_feedback_authors=authors,
        language=language,
    )


def admins_emails() -> list[str]:
    """E-mail addresses of the active admins who have one and chose to hear of the jobs' problems
    (or chose nothing): who hears of them. One query."""
    return _admins_emails(about=EMAILS_JOB_PROBLEMS)


def _admins_emails(*, about: str) -> list[str]:
    return sorted(set(admins().filter(users_wanting(about)).exclude(email="").values_list("email", flat=True)))


def messes_recipients(*, mess_ids: list[int], about: str, with_admins: bool = True) -> dict[int, list[str]]:
    """E-mail addresses of everyone who hears `about` (one of EMAIL_CHOICES) each mess: its officials
    (those who serve it, mess/scopes.py) and, `with_admins`, the admins of every mess and the group
    admins whose group holds it, each once, in a stable order; users without an address, not
    active, or who chose not to get these e-mails are left out. Mess id -> addresses, every id
    present (possibly empty). At most five queries whatever the number of messes (one without the
    admins)."""
    admin_emails = set(_admins_emails(about=about)) if with_admins else set()
    officials = (
        User.objects.filter(users_wanting(about), groups__name=Role.OFFICIAL, profile__messes_served__in=mess_ids, is_active=True)
        .exclude(email="")
        .values_list("profile__messes_served", "email")
    )
    by_group = group_admins_emails(mess_ids=mess_ids, about=about) if with_admins else {}
    emails = {mess_id: admin_emails | by_group.get(mess_id, set()) for mess_id in mess_ids}
    for mess_id, email in officials:
        emails[mess_id].add(email)
    return {mess_id: sorted(addresses) for mess_id, addresses in emails.items()}
