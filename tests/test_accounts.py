"""Getting in: the front page that sends each role to its page, signing in and out, changing a
password, a password reset by e-mail that also sets an imported student's first password,
invitations (from the student import and from the admin), and pages that keep their look when
something goes wrong."""

import datetime
import io
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mess.imports.students import students_import
from mess.people import people_invite
from tests.helpers import reset_asked
from tests.smtp_server import SMTPServer

User = get_user_model()
STUDENTS = "username,name,email,mess\ns001,Ravi Sharma,ravi@example.org,mess1\ns002,Meera Rao,meera@example.org,mess1\n"


def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body).group(0)


def set_password(client, link: str, password: str = "a-long-new-secret-7"):
    page = client.get(link, follow=True)  # the link redirects to a page that does not show the token
    return client.post(page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}, follow=True)


def logs_in(client, username: str, password: str) -> bool:
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


def import_students(text: str, *options: str) -> str:
    out = io.StringIO()
    call_command("import_students", "-", *options, stdin=io.StringIO(text), stdout=out)
    return out.getvalue()


# The front page and signing in


def test_the_front_page_sends_each_role_to_its_page(client, student, official, admin):
    for user, page in [(official, "/mess/mess1/"), (admin, "/overview/"), (student, "/feedback/")]:
        client.force_login(user)
        assert client.get("/")["Location"] == page


def test_a_user_without_a_role_is_told_so(client, db):
    client.force_login(User.objects.create_user(username="nobody", password="pw-nobody-1"))
    response = client.get("/")
    assert response.status_code == 200 and "no role in a mess yet" in response.text


def test_an_official_logs_in_and_out(client, official):
    response = client.post("/accounts/login/", {"username": "olga", "password": "pw-olga-123"}, follow=True)
    assert response.redirect_chain[-1][0] == "/mess/mess1/"
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert client.get("/mess/mess1/")["Location"] == "/accounts/login/?next=/mess/mess1/"


def test_a_wrong_password_is_refused(client, official):
    response = client.post("/accounts/login/", {"username": "olga", "password": "nope"})
    assert response.status_code == 200 and "didn't match" in response.text


def test_a_user_changes_their_password(client, student):
    client.force_login(student)
    response = client.post(
        "/accounts/password/",
        {"old_password": "pw-alice-123", "new_password1": "a-new-Passw0rd", "new_password2": "a-new-Passw0rd"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/accounts/password/done/"
    student.refresh_from_db()
    assert student.check_password("a-new-Passw0rd")


# Password reset


def test_the_login_page_links_to_the_reset(client, db):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()


def test_a_user_resets_their_password_by_e_mail_and_logs_in(client, official):
    response = reset_asked(client, "OLGA@example.org")

    assert response["Location"] == reverse("password_reset_done")
    assert [m.to for m in mail.outbox] == [["olga@example.org"]]
    assert "olga" in mail.outbox[0].body and "3 days" in mail.outbox[0].body
    done = set_password(client, link_in(mail.outbox[0]))
    assert "Password set" in done.content.decode()
    assert logs_in(client, "olga", "a-long-new-secret-7")


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(client, official):
    known = reset_asked(client, "olga@example.org")
    unknown = reset_asked(client, "nobody@example.org")

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert len(mail.outbox) == 1


def test_an_imported_student_sets_a_first_password_through_the_reset(client, mess1):
    students_import(file=io.StringIO(STUDENTS))
    assert not User.objects.get(username="s001").has_usable_password()

    reset_asked(client, "ravi@example.org")
    set_password(client, link_in(mail.outbox[0]))

    assert logs_in(client, "s001", "a-long-new-secret-7")


def test_an_inactive_user_gets_no_e_mail(client, official):
    User.objects.filter(username="olga").update(is_active=False)

    reset_asked(client, "olga@example.org")

    assert mail.outbox == []


def test_the_link_expires_and_works_only_once(client, official, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    reset_asked(client, "olga@example.org")
    link = link_in(mail.outbox[0])

    # in local time, as Django's tokens read the clock
    with time_machine.travel(timezone.localtime() + datetime.timedelta(hours=2)):
        assert "This link no longer works" in client.get(link, follow=True).content.decode()
    set_password(client, link)
    assert "This link no longer works" in client.get(link, follow=True).content.decode()


# Invitations


def test_an_invitation_links_to_setting_a_password_and_is_recorded(client, mess1, settings):
    settings.SITE_URL = "https://mess.example.edu"
    students_import(file=io.StringIO(STUDENTS))
    ravi = User.objects.get(username="s001")

    assert people_invite(users=[ravi]) == 1

    assert [m.to for m in mail.outbox] == [["ravi@example.org"]]
    assert "Your username is: s001" in mail.outbox[0].body
    link = link_in(mail.outbox[0])
    assert link.startswith("https://mess.example.edu/accounts/password/reset/")
    ravi.refresh_from_db()
    assert ravi.profile.invited_at is not None
    set_password(client, link.removeprefix("https://mess.example.edu"))
    assert logs_in(client, "s001", "a-long-new-secret-7")


def test_importing_with_invite_invites_each_new_student_once(mess1, student):
    assert import_students(STUDENTS + "alice,Alice,alice@example.org,mess1\n", "--invite").strip().endswith("; invited 2")
    assert sorted(m.to[0] for m in mail.outbox) == ["meera@example.org", "ravi@example.org"]  # alice can log in already

    assert import_students(STUDENTS, "--invite").strip().endswith("; invited 0")
    assert len(mail.outbox) == 2


def test_importing_without_invite_invites_nobody(mess1):
    assert "invited" not in import_students(STUDENTS)
    assert mail.outbox == []


def test_a_failed_mail_server_keeps_who_was_invited_and_the_next_import_invites_the_rest(mess1, settings):
    with SMTPServer(refuse=frozenset({"meera@example.org"})) as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.server_address
        with pytest.raises(CommandError, match="the invitations stopped .*importing the same file again with --invite invites the rest"):
            import_students(STUDENTS, "--invite")
        assert User.objects.filter(username__in=["s001", "s002"]).count() == 2  # imported all the same
        assert len(smtp.messages) == 1

        smtp.refuse = frozenset()
        assert import_students(STUDENTS, "--invite").strip().endswith("; invited 1")
        assert len(smtp.messages) == 2 and b"meera" in smtp.messages[1]


def test_an_admin_invites_the_users_they_select(as_admin, student, mess1):
    people = User.objects.filter(username__in=["alice", "ada"])
    User.objects.create_user(username="noemail")

    response = as_admin.post(
        reverse("admin:auth_user_changelist"),
        {"action": "invite", "_selected_action": [*people.values_list("pk", flat=True), User.objects.get(username="noemail").pk]},
        follow=True,
    )

    assert "Invited 2 users. 1 user without an e-mail address or not active left out." in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "alice@example.org"]


# Pages when something goes wrong


def test_the_403_page_keeps_the_navigation(client, student):
    client.force_login(student)

    page = client.get("/overview/")

    assert page.status_code == 403
    assert 'href="/feedback/"' in page.content.decode() and "Log out alice" in page.content.decode()


def test_the_500_page_is_manageits_own(db):
    page = render_to_string("500.html")

    assert "Something went wrong" in page and "manageit.css" in page


def test_the_favicon_is_found(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 302 and response["Location"].endswith("favicon.svg")
    assert 'rel="icon"' in client.get(reverse("login")).content.decode()
