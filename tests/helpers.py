"""Helpers for tests: people created the way ManageIt creates them, and processes (clusters, servers) on the test database."""

# Processes on the test database: scheduling's own test helpers, which any project's tests may use.
from scheduling.tests.helpers import ROOT, child_env, redis_url, start

__all__ = ["ROOT", "child_env", "create_person", "redis_url", "start"]


def create_person(*, username: str, role, mess, password: str | None = None, email: str = ""):
    """One student or official of `mess`, created the way ManageIt creates people."""
    from django.contrib.auth import get_user_model

    from mess.people import Person, people_create

    ids = people_create(people=[Person(username=username, role=role, mess_id=mess.pk, email=email, password=password)])
    return get_user_model().objects.get(pk=ids[username])
