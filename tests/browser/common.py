"""What the real-browser tests share besides their fixtures (tests/browser/conftest.py): the marks
every module takes, the two widths each page is tried at, and signing in, submitting and checking
that a page fits."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"  # screenshots, not committed

# Each module's `pytestmark`. The live server commits its data, so these are transactional tests;
# `serialized_rollback` brings back what the data migrations created (meal windows, groups) after
# each test's flush.
BROWSER_TESTS = [
    pytest.mark.browser,
    # In CI a missing browser is a failure, not a skip.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason=f"Chromium not installed ({CHROMIUM} is missing): apt-get install chromium",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def submit(page, selector: str) -> None:
    """Clicks a link or a form's button and waits for the page it leads to, so that what follows
    reads the new page, not the one being left."""
    with page.expect_navigation():
        page.click(selector)


def fits(page, width: int) -> bool:
    """Nothing makes the page scroll sideways."""
    return page.evaluate("document.documentElement.scrollWidth") <= width
