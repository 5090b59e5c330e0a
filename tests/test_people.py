"""People: created one way, with their role and mess; what each may see; who hears about a mess."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError

from mess.email_choices import (
    EMAIL_CHOICES,
    EMAILS_CRITICAL,
    EMAILS_DAILY_REPORT,
    EMAILS_JOB_PROBLEMS,
    EMAILS_MISSING_WASTE,
    email_choices,
    email_choices_save,
)
from mess.models import Profile, Role
from mess.people import (
    ADMINS_GROUP,
    Access,
    Person,
    admin_permissions,
    admins,
    admins_emails,
    messes_recipients,
    people_create,
    people_place,
    user_access,
)

User = get_user_model()


def test_it_creates_people_with_their_role_and_mess(mess1, mess2):
    ids = people_create(
        people=[
            Person("alice", Role.STUDENT, mess1.pk, "Alice@EXAMPLE.org", "Alice", "Rao", password="pw-alice-123"),
            Person("olga", Role.OFFICIAL, mess2.pk, "olga@example.org"),
        ]
    )

    alice, olga = User.objects.get(pk=ids["alice"]), User.objects.get(pk=ids["olga"])
    assert (alice.first_name, alice.last_name, alice.email, alice.profile.mess) == ("Alice", "Rao", "Alice@example.org", mess1)
    assert alice.check_password("pw-alice-123") and alice.is_active and not alice.is_staff
    assert list(alice.groups.values_list("name", flat=True)) == [Role.STUDENT]
    assert (olga.profile.mess, list(olga.groups.values_list("name", flat=True))) == (mess2, [Role.OFFICIAL])
    assert not olga.has_usable_password()


def test_it_creates_nobody_when_a_username_is_taken(student, mess1):
    with pytest.raises(IntegrityError):
        people_create(people=[Person("bob", Role.STUDENT, mess1.pk), Person("alice", Role.STUDENT, mess1.pk)])

    assert not User.objects.filter(username="bob").exists()


def test_it_creates_many_in_as_many_queries_as_one(mess1, django_assert_num_queries):
    with django_assert_num_queries(7):
        people_create(people=[Person("one", Role.STUDENT, mess1.pk)])
    with django_assert_num_queries(7):
        people_create(people=[Person(f"s{n}", Role.STUDENT, mess1.pk) for n in range(50)])


def test_placing_moves_a_student_to_another_mess(student, mess2):
    people_place(role=Role.STUDENT, messes={student.pk: mess2.pk})

    student.refresh_from_db()
    assert student.profile.mess == mess2
    assert list(student.groups.values_list("name", flat=True)) == [Role.STUDENT]


def test_placing_gives_a_user_without_a_role_the_role_and_the_mess(mess1):
    user = User.objects.create_user(username="newcomer")

    people_place(role=Role.OFFICIAL, messes={user.pk: mess1.pk})

    assert (user.profile.mess, list(user.groups.values_list("name", flat=True))) == (mess1, [Role.OFFICIAL])


def test_access_follows_the_role(student, official, admin, mess1):
    assert user_access(user=admin).is_admin
    assert (user_access(user=official).is_official, user_access(user=official).mess_code) == (True, "mess1")
    assert (user_access(user=student).is_student, user_access(user=student).mess_id) == (True, mess1.pk)
    student.is_active = False
    assert user_access(user=student).role is None


def test_an_official_who_is_also_a_student_is_an_official(official):
    people_place(role=Role.STUDENT, messes={official.pk: official.profile.mess_id})

    assert user_access(user=official).is_official


def test_recipients_are_the_messs_active_officials_with_an_address_and_the_admins(mess1, mess2, official, other_official, admin):
    people_create(people=[Person("quiet", Role.OFFICIAL, mess1.pk), Person("gone", Role.OFFICIAL, mess1.pk, "gone@example.org")])
    User.objects.filter(username="gone").update(is_active=False)

    assert messes_recipients(mess_ids=[mess1.pk, mess2.pk], about=EMAILS_CRITICAL) == {
        mess1.pk: ["ada@example.org", "olga@example.org"],
        mess2.pk: ["ada@example.org", "oscar@example.org"],
    }


def test_it_writes_roles_in_the_order_given_so_that_row_ids_repeat(mess1):
    people_create(people=[Person(f"o{n}", Role.OFFICIAL, mess1.pk) for n in range(3)] + [Person("s0", Role.STUDENT, mess1.pk)])

    by_id = Profile.objects.order_by("pk").values_list("user__username", flat=True)
    assert list(by_id) == ["o0", "o1", "o2", "s0"]


# Admins: by permission, not by is_staff


def admins_group() -> Group:
    return Group.objects.get(name=ADMINS_GROUP)


def test_staff_without_the_permission_is_no_admin_and_hears_nothing(mess1, admin):
    stan = User.objects.create_user(username="stan", email="stan@example.org", is_staff=True)

    assert not user_access(user=stan).is_admin
    assert messes_recipients(mess_ids=[mess1.pk], about=EMAILS_CRITICAL) == {mess1.pk: ["ada@example.org"]}


def test_the_admins_group_or_the_permission_itself_makes_an_admin(mess1):
    gina = User.objects.create_user(username="gina", email="gina@example.org")
    gina.groups.add(admins_group())
    perry = User.objects.create_user(username="perry", email="perry@example.org")
    perry.user_permissions.add(admin_permissions().get())
    quitter = User.objects.create_user(username="quitter", email="quitter@example.org", is_active=False)
    quitter.groups.add(admins_group())

    assert user_access(user=gina).is_admin and user_access(user=perry).is_admin
    assert list(admins().order_by("username").values_list("username", flat=True)) == ["gina", "perry"]
    assert messes_recipients(mess_ids=[mess1.pk], about=EMAILS_CRITICAL) == {mess1.pk: ["gina@example.org", "perry@example.org"]}


def test_an_admin_who_also_has_a_role_is_an_admin(official):
    official.groups.add(admins_group())

    assert user_access(user=official) == Access(is_admin=True)


def test_the_admins_group_may_run_the_admin_site_but_not_make_superusers(db):
    granted = set(admins_group().permissions.values_list("content_type__app_label", "codename"))

    assert {
        ("mess", "run_every_mess"),
        ("mess", "change_mess"),
        ("mess", "change_mealwindow"),
        ("scheduling", "change_jobschedule"),
    } <= granted
    assert {("auth", "add_user"), ("auth", "change_user"), ("axes", "delete_accessattempt")} <= granted
    assert ("auth", "change_group") not in granted and ("auth", "change_permission") not in granted


def test_the_upgrade_puts_every_staff_account_into_the_admins_group(db):
    upgrade = importlib.import_module("mess.migrations.0004_admins")
    stan = User.objects.create_user(username="stan", is_staff=True)
    User.objects.create_user(username="sam")

    upgrade.staff_into_admins(django_apps, None)

    assert list(admins_group().user_set.values_list("username", flat=True)) == ["stan"]
    assert user_access(user=stan).is_admin


# E-mail choices: who hears about what


def test_a_user_without_a_profile_gets_every_e_mail(admin):
    assert not Profile.objects.filter(user=admin).exists()

    assert email_choices(user=admin) == dict.fromkeys(EMAIL_CHOICES, True)
    assert admins_emails() == ["ada@example.org"]


def test_each_recipient_list_honours_its_own_choice(mess1, mess2, official, other_official, admin):
    email_choices_save(user=official, choices={EMAILS_CRITICAL: False})
    email_choices_save(user=admin, choices={EMAILS_DAILY_REPORT: False, EMAILS_JOB_PROBLEMS: False})
    ids = [mess1.pk, mess2.pk]

    assert messes_recipients(mess_ids=ids, about=EMAILS_CRITICAL) == {
        mess1.pk: ["ada@example.org"],
        mess2.pk: ["ada@example.org", "oscar@example.org"],
    }
    assert messes_recipients(mess_ids=ids, about=EMAILS_DAILY_REPORT) == {mess1.pk: ["olga@example.org"], mess2.pk: ["oscar@example.org"]}
    assert messes_recipients(mess_ids=ids, about=EMAILS_MISSING_WASTE, with_admins=False) == {
        mess1.pk: ["olga@example.org"],
        mess2.pk: ["oscar@example.org"],
    }
    assert admins_emails() == []
    assert email_choices(user=official) == {**dict.fromkeys(EMAIL_CHOICES, True), EMAILS_CRITICAL: False}


def test_saving_choices_creates_an_admins_profile_and_keeps_the_others(admin):
    email_choices_save(user=admin, choices={EMAILS_JOB_PROBLEMS: False})
    email_choices_save(user=admin, choices={EMAILS_CRITICAL: False})

    assert email_choices(user=admin) == {**dict.fromkeys(EMAIL_CHOICES, True), EMAILS_JOB_PROBLEMS: False, EMAILS_CRITICAL: False}
    assert Profile.objects.get(user=admin).mess is None
    assert user_access(user=admin).is_admin


def test_it_refuses_an_unknown_choice_and_changes_nothing(official):
    with pytest.raises(ValueError, match="unknown e-mail choice 'emails_spam'"):
        email_choices_save(user=official, choices={EMAILS_CRITICAL: False, "emails_spam": True})
    with pytest.raises(ValueError, match="unknown e-mail choice"):
        messes_recipients(mess_ids=[official.profile.mess_id], about="emails_spam")

    assert email_choices(user=official) == dict.fromkeys(EMAIL_CHOICES, True)


def test_the_watchers_of_the_jobs_are_the_admins_who_chose_job_problems(admin, group_admin):
    from scheduling.watchers import watchers_emails

    assert watchers_emails() == ["ada@example.org", "gina@example.org"]
    email_choices_save(user=group_admin, choices={EMAILS_JOB_PROBLEMS: False})
    assert watchers_emails() == ["ada@example.org"]
