"""The tests' settings are scheduling.tests.settings, and no other: their jobs' app is installed by
them alone. The signed-in admin is pytest-django's `admin_client` (its `admin_user`)."""

import pytest
from django.conf import settings

from scheduling.tests import jobs

if settings.SETTINGS_MODULE != "scheduling.tests.settings":
    raise pytest.UsageError(
        f"scheduling's tests run with their own settings, not {settings.SETTINGS_MODULE}: "
        "DJANGO_SETTINGS_MODULE=scheduling.tests.settings pytest scheduling/tests"
    )


@pytest.fixture(autouse=True)
def nothing_said_yet():
    jobs.SAID.clear()
