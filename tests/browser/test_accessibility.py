"""Every page passes axe-core at both widths, as each role that opens it.

axe-core comes inside the `axe-playwright-python` wheel, so nothing is downloaded while the tests run.
The package puts axe on the page with `page.evaluate`, which Playwright runs through the DevTools
protocol rather than as a <script> of the page: the site's strict Content-Security-Policy (no inline
script) neither blocks it nor needs loosening, and `csp_violations` proves nothing was blocked.

The pages are those of tests/test_access.py's MATRIX that each role may open, plus the login pages
and the Django admin pages admins use every day. A violation of impact "serious" or "critical" fails
the test, which names each with its rule, its help and the elements it found.
"""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.utils import timezone

from mess.models import GroupAdmin, MealWindow, Mess, MessGroup, RegularMenu, Role, TemporaryMenu
from mess.push import vapid_keys_generate
from tests.browser.common import BROWSER_TESTS, DESKTOP, PHONE, history, log_in
from tests.factories import feedback
from tests.helpers import create_person
from tests.test_access import MATRIX, ROLES, page_objects

User = get_user_model()

pytestmark = BROWSER_TESTS

LOGINS = {"student": ("alice", "pw-alice-123"), "official": ("olga", "pw-olga-123"), "admin": ("ada", "pw-ada-123")}
# The pages only the scopes' roles see (their other pages are the admin's and the official's, above):
# the list of an official's messes, and a group admin's overview with its filter by group.
SCOPE_LOGINS = {"two_mess_official": ("tara", "pw-tara-123"), "campus_admin": ("carla", "pw-carla-123")}
SCOPE_PAGES = [("two_mess_official", "/"), ("campus_admin", "/overview/")]
BLOCKING = {"serious", "critical"}


def _pages() -> list[tuple[str, str]]:
    pages = [
        (role, url)
        for role in ["anonymous", *LOGINS]
        for method, url, expected in MATRIX
        if method == "get" and expected[ROLES.index(role)] == 200 and not url.endswith((".csv", ".js")) and ".csv?" not in url
    ]
    return [
        ("anonymous", "/accounts/login/"),
        ("anonymous", "/accounts/password/reset/"),
        *pages,
        ("admin", "/admin/scheduling/jobschedule/"),
        ("admin", "/admin/scheduling/jobrun/"),
        *SCOPE_PAGES,
    ]


PAGES = _pages()


@pytest.fixture
def rows(mess1, mess2, student, official, admin, settings):
    """Enough for every part of every page to show: the history of test_pages, a weekly menu with a
    one-day change (its "changed" badge), today's meals open for feedback, one already rated (its
    badge), the rows tests/test_access.py's URLs name, and Web Push set up (the settings page's
    choices and its button)."""
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = vapid_keys_generate()
    today = timezone.localdate()
    history(mess1, mess1.floors.get(name="First"), student, today)
    create_person(username="oscar", role=Role.OFFICIAL, mess=mess2, password="pw-oscar-123")
    create_person(username="tara", role=Role.OFFICIAL, mess=mess1, password="pw-tara-123").profile.messes_served.add(mess2)
    north = MessGroup.objects.create(code="north", name="North campus")
    Mess.objects.filter(pk=mess1.pk).update(group=MessGroup.objects.create(code="north-a", name="Block A", parent=north))
    GroupAdmin.objects.create(user=User.objects.create_user(username="carla", password="pw-carla-123"), group=north)
    RegularMenu.objects.bulk_create(
        RegularMenu(mess=mess1, weekday=day, meal=meal, dishes="Rice\nDal") for day in range(7) for meal in ["breakfast", "lunch", "dinner"]
    )
    TemporaryMenu.objects.create(mess=mess1, date=today + datetime.timedelta(days=1), meal="lunch", dishes="Biryani\nRaita")
    # The live server runs on the real clock: let breakfast's and lunch's windows cover the whole day.
    MealWindow.objects.filter(meal__in=["breakfast", "lunch"]).update(starts_at=datetime.time(0, 0), ends_at=datetime.time(23, 59))
    feedback(mess1, today, "lunch", 2, "Cold", student=student)
    return page_objects(mess1, mess2)


def blocking_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(str(node["target"]) for node in v["nodes"])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def test_the_list_covers_every_role_and_the_admin_pages():
    roles = {role for role, _ in PAGES}
    assert roles == {"anonymous", "student", "official", "admin", *SCOPE_LOGINS}
    assert {"/admin/", "/admin/scheduling/jobschedule/", "/feedback/", "/mess/mess1/", "/menu/mess1/"} <= {url for _, url in PAGES}


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[f"{role} {url}" for role, url in PAGES])
def test_the_page_has_no_serious_accessibility_problem(page, live_server, rows, role, url, csp_violations):
    if role != "anonymous":
        log_in(page, live_server, *(LOGINS | SCOPE_LOGINS)[role])
    found = []
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        response = page.goto(live_server.url + url.format(**rows))
        assert response.status == 200
        found += [f"at {size['width']} px: {problem}" for problem in blocking_violations(page)]

    assert not found, f"axe on {url} as {role}:\n" + "\n".join(found)
    assert csp_violations == []


def test_axe_finds_what_it_should(page, live_server, rows):
    """The check itself works: a page with an unlabelled input and faint text fails it."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """() => {
            document.querySelector('label[for=id_username]').remove();
            document.querySelector('h1').style.color = '#ddd';
        }"""
    )
    found = " ".join(blocking_violations(page))
    assert "label" in found and "color-contrast" in found


def sign_before(locator) -> str:
    """The symbol the stylesheet writes before an element (its ::before content)."""
    return locator.evaluate("(e) => getComputedStyle(e, '::before').content")


def test_colour_is_never_the_only_sign(page, live_server, rows):
    log_in(page, live_server, *LOGINS["student"])

    rated = page.locator("#meal-lunch h2 .badge.neutral")  # a fact, in words, in no colour that reads as good or bad
    assert rated.inner_text() == "you rated it 2 of 5"
    changed = page.locator("#menu-week .badge.changed").first
    assert changed.inner_text().endswith("changed") and "✎" in sign_before(changed)
    page.locator("#meal-breakfast label", has_text="4").click()
    with page.expect_navigation():
        page.locator("#meal-breakfast button[type=submit]").click()
    assert "✓" in sign_before(page.locator("#meal-breakfast .thanks"))

    # The other kinds, as the stylesheet marks them wherever they show: a refusal, an alert, a problem
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
            '<p class="message error">Refused</p><div class="alert"><strong>High waste</strong></div><p class="banner problem">Late</p>')"""
    )
    for kind in [".message.error", ".alert strong", ".banner.problem"]:
        assert "⚠" in sign_before(page.locator(kind)), kind
