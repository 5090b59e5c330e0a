"""Shared fixtures: two messes with two floors each, and one user in every role.

The names follow what a real mess office would have: `mess1` serves the Ground and First floors,
`mess2` the Second and Third.
"""

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from mess.models import Floor, Mess, Role
from mess.people import ADMINS_GROUP
from tests.helpers import create_person


@pytest.fixture(autouse=True)
def default_language():
    # A page asked for in Hindi leaves Hindi active in this thread (as a web process's next request
    # sets its own): code a test runs outside a request, a job's, starts in English, as a worker does.
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # the default hasher is slow on purpose; tests create many users
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def mess1(db):
    mess = Mess.objects.create(code="mess1", name="Mess 1")
    Floor.objects.bulk_create([Floor(mess=mess, name="Ground"), Floor(mess=mess, name="First")])
    return mess


@pytest.fixture
def mess2(db):
    mess = Mess.objects.create(code="mess2", name="Mess 2")
    Floor.objects.bulk_create([Floor(mess=mess, name="Second"), Floor(mess=mess, name="Third")])
    return mess


@pytest.fixture
def ground(mess1):
    return mess1.floors.get(name="Ground")


@pytest.fixture
def first(mess1):
    return mess1.floors.get(name="First")


@pytest.fixture
def student(mess1):
    return create_person(username="alice", role=Role.STUDENT, mess=mess1, password="pw-alice-123", email="alice@example.org")


@pytest.fixture
def official(mess1):
    return create_person(username="olga", role=Role.OFFICIAL, mess=mess1, password="pw-olga-123", email="olga@example.org")


@pytest.fixture
def other_official(mess2):
    return create_person(username="oscar", role=Role.OFFICIAL, mess=mess2, password="pw-oscar-123", email="oscar@example.org")


@pytest.fixture
def admin(db, django_user_model):
    return django_user_model.objects.create_superuser(username="ada", email="ada@example.org", password="pw-ada-123")


@pytest.fixture
def group_admin(db, django_user_model):
    """An admin by the Admins group alone: neither a superuser nor staff."""
    gina = django_user_model.objects.create_user(username="gina", email="gina@example.org", password="pw-gina-123")
    gina.groups.add(Group.objects.get(name=ADMINS_GROUP))
    return gina


# Signed-in test clients, one per role
@pytest.fixture
def as_official(client, official):
    client.force_login(official)
    return client


@pytest.fixture
def as_student(client, student):
    client.force_login(student)
    return client


@pytest.fixture
def as_admin(client, admin):
    client.force_login(admin)
    return client
