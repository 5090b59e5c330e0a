"""The real-browser tests' fixtures: headless Chromium from Debian's `chromium` package, driven by
pytest-playwright against a live server. Nothing here downloads a browser; without /usr/bin/chromium
these tests are skipped, with the reason in the summary (CI installs it). What else they share is in
common.py."""

import os

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from playwright.sync_api import sync_playwright

from mess.models import Floor, Mess, Role
from tests.browser.common import CHROMIUM
from tests.helpers import create_person

# pytest-playwright starts Playwright once per session. While it runs, its sync API keeps an asyncio
# loop marked as running in this thread, so Django takes the thread for async code: it refuses
# queries (unless DJANGO_ALLOW_ASYNC_UNSAFE) and hands out other connection objects, without the
# serialized data that `serialized_rollback` restores. These overrides run Playwright for each
# module of this folder only, and give those connections the serialized data, so no later test notices.


@pytest.fixture(scope="module")
def playwright(_pw_api_request_contexts):
    serialized = getattr(connections[DEFAULT_DB_ALIAS], "_test_serialized_contents", None)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the queries are the tests' own set-up
    pw = sync_playwright().start()
    if _pw_api_request_contexts:
        _pw_api_request_contexts.instrument(pw)
    if serialized is not None:
        connections[DEFAULT_DB_ALIAS]._test_serialized_contents = serialized  # the connection Django now hands out
    yield pw
    connections.close_all()
    pw.stop()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture(scope="module")
def browser_type(playwright, browser_name):
    return getattr(playwright, browser_name)


@pytest.fixture(scope="module")
def launch_browser(browser_type_launch_args, browser_type):
    return lambda **kwargs: browser_type.launch(**{**browser_type_launch_args, **kwargs})


@pytest.fixture(scope="module")
def browser(launch_browser):
    browser = launch_browser()
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def browser_context_args():
    return {}  # pytest-playwright's reads --device, --base-url and --video, which these tests don't use


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--headless=new",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture
def people(transactional_db):
    mess = Mess.objects.create(code="mess1", name="Mess 1")
    Floor.objects.bulk_create([Floor(mess=mess, name="Ground"), Floor(mess=mess, name="First")])
    return {
        "mess": mess,
        "official": create_person(username="olga", role=Role.OFFICIAL, mess=mess, password="pw-olga-123"),
        "student": create_person(username="alice", role=Role.STUDENT, mess=mess, password="pw-alice-123"),
    }


@pytest.fixture
def csp_violations(page):
    """What the Content-Security-Policy blocked on the pages: nothing should be (Chromium says so on the console)."""
    blocked = []
    page.on("console", lambda message: "Content Security Policy" in message.text and blocked.append(message.text))
    return blocked


@pytest.fixture
def dialogs(page):
    """Every JavaScript dialog (alert, confirm) the pages open: none should."""
    opened = []
    page.on("dialog", lambda dialog: (opened.append(dialog.message), dialog.dismiss()))
    return opened
