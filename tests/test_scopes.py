"""Scopes beyond one mess (mess/scopes.py): officials of several messes, groups of messes at most three
levels deep, group admins who act on their groups' messes only (pages, overview, exports, Django
admin's thresholds), who hears about each mess, and import_officials."""

import csv
import datetime
import io

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mess.email_choices import EMAILS_CRITICAL, EMAILS_DAILY_REPORT, EMAILS_MISSING_WASTE, email_choices_save
from mess.imports.officials import officials_import
from mess.imports.reader import ImportRejected
from mess.models import Announcement, Feedback, Floor, GroupAdmin, Mess, MessGroup, Role, WasteRecord
from mess.notifications import notifications_send
from mess.people import ADMINS_GROUP, messes_recipients, user_access
from mess.refusals import Refused
from mess.scopes import mess_group_save, mess_groups_delete, officials_serve
from tests.admin_rows import admin_url
from tests.factories import judged
from tests.helpers import create_person
from tests.imports_rows import rejected, run

User = get_user_model()


@pytest.fixture
def campus(mess1, mess2, db):
    """north > north-a > north-a1 (mess3 in it) and north-a (mess1 in it); mess2 in no group;
    south holds mess4."""
    north = MessGroup.objects.create(code="north", name="North campus")
    block = MessGroup.objects.create(code="north-a", name="Block A", parent=north)
    wing = MessGroup.objects.create(code="north-a1", name="Wing 1", parent=block)
    south = MessGroup.objects.create(code="south", name="South campus")
    Mess.objects.filter(pk=mess1.pk).update(group=block)
    mess3 = Mess.objects.create(code="mess3", name="Mess 3", group=wing)
    mess4 = Mess.objects.create(code="mess4", name="Mess 4", group=south)
    Floor.objects.bulk_create([Floor(mess=mess3, name="Top"), Floor(mess=mess4, name="Low")])
    return {"north": north, "block": block, "wing": wing, "south": south, "mess3": mess3, "mess4": mess4}


@pytest.fixture
def carla(campus, django_user_model):
    """The North campus's group admin, with staff status (for Django admin) and an address."""
    user = django_user_model.objects.create_user(username="carla", email="carla@example.org", password="pw-carla-123", is_staff=True)
    GroupAdmin.objects.create(user=user, group=campus["north"])
    return user


# The groups' rules ---------------------------------------------------------------------------------


def test_groups_go_three_levels_deep_and_no_more(campus):
    fourth = MessGroup(code="north-a1x", name="Too deep", parent=campus["wing"])
    with pytest.raises(Refused) as refused:
        mess_group_save(group=fourth)
    assert "at most 3 levels" in refused.value.errors["parent"]
    assert not MessGroup.objects.filter(code="north-a1x").exists()

    # Moving a group with two levels below it under another group would make four too.
    campus["north"].parent = campus["south"]
    with pytest.raises(Refused):
        mess_group_save(group=campus["north"])
    assert MessGroup.objects.get(code="north").parent is None


def test_a_group_is_never_within_itself(campus):
    for parent in (campus["north"], campus["wing"]):
        group = MessGroup.objects.get(code="north")
        group.parent = parent
        with pytest.raises(Refused) as refused:
            mess_group_save(group=group)
        assert "within itself" in refused.value.errors["parent"]
    assert MessGroup.objects.get(code="north").parent is None


def test_a_group_holding_messes_is_not_deleted(campus):
    with pytest.raises(ValueError, match="still holds"):
        mess_groups_delete(groups=MessGroup.objects.filter(code="south"))
    assert MessGroup.objects.filter(code="south").exists()
    Mess.objects.filter(code="mess4").update(group=None)
    assert mess_groups_delete(groups=MessGroup.objects.filter(code="south")) == 1


def test_the_admin_form_says_a_fourth_level_is_refused(as_admin, campus):
    response = as_admin.post(admin_url(MessGroup, "add"), {"code": "deep", "name": "Deep", "parent": campus["wing"].pk})
    assert response.status_code == 200
    assert "at most 3 levels" in str(response.context["adminform"].form.errors["parent"])
    assert not MessGroup.objects.filter(code="deep").exists()


# Who acts on which mess --------------------------------------------------------------------------


def test_an_official_of_two_messes_works_in_both_and_not_in_a_third(client, official, mess2, campus):
    official.profile.messes_served.add(mess2)
    client.force_login(official)

    assert client.get("/mess/mess1/").status_code == 200
    assert client.get("/mess/mess2/waste/").status_code == 200
    assert client.get("/mess/mess3/").status_code == 404
    home = client.get("/")
    assert home.status_code == 200
    assert [m.code for m in home.context["messes"]] == ["mess1", "mess2"]
    assert b'href="/mess/mess2/"' in home.content and b"My messes" in home.content


def test_a_group_admin_acts_on_their_groups_messes_at_every_level_and_no_other(client, carla, campus):
    client.force_login(carla)
    access = user_access(user=carla)
    assert access.is_group_admin and not access.is_admin
    assert access.mess_codes == ["mess1", "mess3"]

    for code in ("mess1", "mess3"):
        assert client.get(f"/mess/{code}/").status_code == 200
        assert client.get(f"/mess/{code}/menu/").status_code == 200
    for code in ("mess2", "mess4"):
        assert client.get(f"/mess/{code}/").status_code == 404
    assert client.get("/").url == "/overview/"
    assert client.get("/admin/scheduling/jobschedule/").status_code == 403  # not the schedules


def test_an_official_who_also_runs_a_group_acts_on_both(client, official, carla, campus):
    GroupAdmin.objects.create(user=official, group=campus["south"])
    assert user_access(user=official).mess_codes == ["mess1", "mess4"]


# The overview ------------------------------------------------------------------------------------


def test_a_group_admins_overview_csv_and_totals_are_their_groups(client, carla, campus):
    client.force_login(carla)

    page = client.get("/overview/")
    assert [row["mess"].code for row in page.context["rows"]] == ["mess1", "mess3"]
    assert page.context["totals"]["messes"] == 2
    assert [g.code for g in page.context["groups"]] == ["north", "north-a", "north-a1"]
    assert [row["mess"].code for row in client.get("/overview/?q=mess").context["rows"]] == ["mess1", "mess3"]
    assert [row["mess"].code for row in client.get(f"/overview/?group={campus['wing'].pk}").context["rows"]] == ["mess3"]
    assert client.get(f"/overview/?group={campus['south'].pk}").context["rows"] == []  # no parameter widens it

    lines = list(csv.reader(io.StringIO(b"".join(client.get("/overview/messes.csv").streaming_content).decode())))
    assert [line[0] for line in lines[1:]] == ["mess1", "mess3"]


def test_an_admin_filters_the_overview_by_group(as_admin, campus):
    rows = as_admin.get(f"/overview/?group={campus['north'].pk}&sort=name").context["rows"]
    assert [row["mess"].code for row in rows] == ["mess1", "mess3"]
    assert len(as_admin.get("/overview/?group=nonsense").context["rows"]) == 4
    assert len(as_admin.get("/overview/").context["groups"]) == 4


def test_a_group_admins_exports_of_every_mess_hold_their_groups_only(client, carla, campus, mess2):
    for mess in (Mess.objects.get(code="mess1"), mess2, campus["mess4"]):
        WasteRecord.objects.create(floor=mess.floors.first(), date="2026-03-09", meal="lunch", total_kg=1)
    client.force_login(carla)

    response = client.get("/overview/waste.csv?start=2026-03-01&end=2026-03-10")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [line[1] for line in lines[1:]] == ["mess1"]


# Django admin: a group admin's thresholds ----------------------------------------------------------


def test_a_group_admin_changes_the_thresholds_of_their_messes_only(client, carla, campus, mess2):
    client.force_login(carla)
    mess1 = Mess.objects.get(code="mess1")

    listing = client.get(admin_url(Mess, "changelist"))
    assert listing.status_code == 200
    assert {m.code for m in listing.context["cl"].result_list} == {"mess1", "mess3"}
    assert b"South campus" not in listing.content  # no other group is named
    assert client.get(admin_url(Mess, "change", mess2.pk)).status_code == 302  # as if it did not exist
    assert client.get(admin_url(Mess, "add")).status_code == 403
    assert client.get(admin_url(Floor, "changelist")).status_code == 403

    form = client.get(admin_url(Mess, "change", mess1.pk)).context["adminform"].form
    post = {name: form.initial.get(name) or "" for name in form.fields}
    post.update(waste_threshold_kg="35", code="stolen")
    response = client.post(admin_url(Mess, "change", mess1.pk), post)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    mess1.refresh_from_db()
    assert (mess1.waste_threshold_kg, mess1.code) == (35, "mess1")  # the code is read-only to them


# Who hears about each mess -----------------------------------------------------------------------


def test_each_mess_is_heard_about_by_its_officials_the_admins_and_its_groups_admins(official, admin, carla, campus, mess2):
    mess1, mess3, mess4 = Mess.objects.get(code="mess1"), campus["mess3"], campus["mess4"]
    two = create_person(username="tara", role=Role.OFFICIAL, mess=mess2, email="tara@example.org")
    two.profile.messes_served.add(mess3)
    southie = User.objects.create_user(username="sam", email="sam@example.org")
    GroupAdmin.objects.create(user=southie, group=campus["south"])

    heard = messes_recipients(mess_ids=[mess1.pk, mess2.pk, mess3.pk, mess4.pk], about=EMAILS_CRITICAL)

    assert heard == {
        mess1.pk: ["ada@example.org", "carla@example.org", "olga@example.org"],
        mess2.pk: ["ada@example.org", "tara@example.org"],
        mess3.pk: ["ada@example.org", "carla@example.org", "tara@example.org"],
        mess4.pk: ["ada@example.org", "sam@example.org"],
    }
    officials_only = messes_recipients(mess_ids=[mess1.pk, mess3.pk], about=EMAILS_MISSING_WASTE, with_admins=False)
    assert officials_only == {mess1.pk: ["olga@example.org"], mess3.pk: ["tara@example.org"]}


def test_a_group_admin_hears_only_what_they_chose(carla, campus):
    mess1 = Mess.objects.get(code="mess1")
    # chose nothing yet: hears everything
    assert "carla@example.org" in messes_recipients(mess_ids=[mess1.pk], about=EMAILS_DAILY_REPORT)[mess1.pk]
    email_choices_save(user=carla, choices={EMAILS_DAILY_REPORT: False})
    assert "carla@example.org" not in messes_recipients(mess_ids=[mess1.pk], about=EMAILS_DAILY_REPORT)[mess1.pk]
    assert "carla@example.org" in messes_recipients(mess_ids=[mess1.pk], about=EMAILS_CRITICAL)[mess1.pk]


def test_the_recipients_cost_the_same_queries_for_two_messes_as_for_forty(carla, official, campus):
    def queries(n: int) -> int:
        messes = Mess.objects.bulk_create([Mess(code=f"x{n}-{i}", name="X", group=campus["wing"]) for i in range(n)])
        for i, mess in enumerate(messes):
            create_person(username=f"o{n}-{i}", role=Role.OFFICIAL, mess=mess, email=f"o{n}-{i}@example.org")
        with CaptureQueriesContext(connection) as captured:
            heard = messes_recipients(mess_ids=[m.pk for m in messes], about=EMAILS_CRITICAL)
        assert all("carla@example.org" in emails for emails in heard.values())
        return len(captured)

    assert queries(2) == queries(40) <= 5


# import_officials ------------------------------------------------------------------------------------

OFFICIALS = "username,name,email,messes\nwarden1,Asha Verma,asha@example.org,mess1;mess2\nwarden2,Vikram Das,vikram@example.org,mess2\n"


def test_it_imports_officials_with_their_messes(tmp_path, mess1, mess2, official):
    out, _err = run("import_officials", OFFICIALS + "olga,Olga K,olga@example.org,mess2\n", tmp_path)

    assert "imported 3 officials (2 new, 1 updated, 0 unchanged)" in out
    asha = User.objects.get(username="warden1")
    assert asha.groups.filter(name=Role.OFFICIAL).exists() and not asha.has_usable_password()
    assert (asha.first_name, asha.last_name, asha.email) == ("Asha", "Verma", "asha@example.org")
    assert user_access(user=asha).mess_codes == ["mess1", "mess2"]
    assert user_access(user=official).mess_codes == ["mess2"]  # exactly the file's messes

    out, _err = run("import_officials", OFFICIALS, tmp_path)
    assert "(0 new, 0 updated, 2 unchanged)" in out


def test_bad_rows_say_every_problem_and_change_nothing(tmp_path, mess1, student, admin):
    lines = rejected(
        "import_officials",
        "username,name,email,messes\n"
        "warden1,Asha Verma,asha@example.org,mess1\n"
        "alice,Alice,alice@example.org,mess1\n"
        "ada,Ada,ada@example.org,mess1\n"
        "bad name,,not-an-address,nope;mess1\n"
        "warden3,Ravi,ravi@example.org,\n",
        tmp_path,
    )

    assert any("line 3: username alice is an existing student or admin" in line for line in lines)
    assert any("line 4: username ada is an existing student or admin" in line for line in lines)
    bad = next(line for line in lines if line.startswith("line 5"))
    assert "username" in bad and "name is missing" in bad and "not a valid e-mail address" in bad and "unknown mess 'nope'" in bad
    assert any("line 6: messes is missing" in line for line in lines)
    assert not User.objects.filter(username="warden1").exists()
    assert not User.objects.get(username="alice").groups.filter(name=Role.OFFICIAL).exists()


def test_invite_invites_each_new_official_once(mess1, mess2):
    result = officials_import(file=io.StringIO(OFFICIALS), invite=True)
    assert result.invited == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["asha@example.org", "vikram@example.org"]
    assert officials_import(file=io.StringIO(OFFICIALS), invite=True).invited == 0
    assert len(mail.outbox) == 2


def test_importing_an_unknown_mess_is_rejected(mess1):
    with pytest.raises(ImportRejected) as rejected_file:
        officials_import(file=io.StringIO("username,name,email,messes\nw,W X,w@example.org,mess1;zzz;yyy\n"))
    assert rejected_file.value.errors == ["line 2: unknown mess 'zzz', 'yyy'"]


def test_officials_serve_replaces_the_set(official, mess2):
    officials_serve(messes={official.pk: [mess2.pk]})
    assert user_access(user=official).mess_codes == ["mess2"]


# The migration ---------------------------------------------------------------------------------------

BEFORE = ("mess", "0029_meal_windows_unique_everywhere")
AFTER = ("mess", "0030_mess_groups_and_officials_messes")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as the other migration tests
def test_the_migration_keeps_each_officials_mess_in_their_set():
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([BEFORE])
        executor.loader.build_graph()
        apps = executor.loader.project_state([BEFORE]).apps
        Mess, Profile, OldUser, OldGroup = (
            apps.get_model("mess", "Mess"),
            apps.get_model("mess", "Profile"),
            apps.get_model("auth", "User"),
            apps.get_model("auth", "Group"),
        )
        mess = Mess.objects.create(code="old", name="Old")
        officials, _ = OldGroup.objects.get_or_create(name=Role.OFFICIAL)
        students, _ = OldGroup.objects.get_or_create(name=Role.STUDENT)
        olga, alice = OldUser.objects.create(username="olga-old"), OldUser.objects.create(username="alice-old")
        olga.groups.add(officials)
        alice.groups.add(students)
        Profile.objects.create(user=olga, mess=mess)
        Profile.objects.create(user=alice, mess=mess)

        executor = MigrationExecutor(connection)
        executor.migrate([AFTER])
        executor.loader.build_graph()
        Profile = executor.loader.project_state([AFTER]).apps.get_model("mess", "Profile")
        assert list(Profile.objects.get(user__username="olga-old").messes_served.values_list("code", flat=True)) == ["old"]
        assert not Profile.objects.get(user__username="alice-old").messes_served.exists()  # a student eats at one mess
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_admins_group_stays_an_admin_of_everything(group_admin, campus):
    access = user_access(user=group_admin)
    assert access.is_admin and access.mess_ids is None
    assert Group.objects.get(name=ADMINS_GROUP).user_set.filter(pk=group_admin.pk).exists()


def test_a_group_admin_chooses_among_the_e_mails_they_can_get(client, carla):
    client.force_login(carla)
    fields = set(client.get("/settings/").context["form"].fields)
    assert fields == {"emails_critical", "emails_daily_report"}  # not the officials' nor the jobs' problems


@time_machine.travel(datetime.datetime(2026, 3, 10, 14, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))), tick=False)
def test_a_meals_critical_feedback_reaches_the_group_admin_of_that_mess_only(official, other_official, admin, carla, campus, mess2):
    mess1 = Mess.objects.get(code="mess1")
    for mess, comment in ((mess1, "Dal was cold"), (mess2, "Rice undercooked")):
        with time_machine.travel(datetime.datetime(2026, 3, 10, 6, 30, tzinfo=datetime.UTC), tick=False):
            student = User.objects.create(username=f"s-{mess.code}")
            judged(Feedback(student=student, mess=mess, date=datetime.date(2026, 3, 10), meal="lunch", rating=1, comment=comment))

    notifications_send(meal="lunch")

    assert sorted(tuple(m.to) for m in mail.outbox) == [
        ("ada@example.org", "carla@example.org", "olga@example.org"),
        ("ada@example.org", "oscar@example.org"),
    ]


def test_django_admin_sets_the_messes_an_official_serves(as_admin, official, mess2):
    profile = official.profile
    post = {"user": official.pk, "mess": "", "messes_served": [profile.mess_id, mess2.pk]}
    post |= {name: "on" for name in ("emails_critical", "emails_daily_report")}

    response = as_admin.post(admin_url(type(profile), "change", profile.pk), post)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert user_access(user=official).mess_codes == ["mess1", "mess2"]


def test_a_group_admin_posts_an_announcement_to_their_groups_messes_only(client, carla, campus, mess2):
    client.force_login(carla)
    today = str(timezone.localdate())
    post = {"title": "Pest control", "text": "Closed Sunday dinner.", "first_day": today, "last_day": today}

    refused = client.post("/mess/mess1/announcements/", {**post, "messes": [mess2.pk]})
    assert refused.status_code == 200 and "messes" in refused.context["form"].errors
    client.post("/mess/mess1/announcements/", {**post, "all_messes": "on"})

    assert sorted(Announcement.objects.values_list("mess__code", flat=True)) == ["mess1", "mess3"]
