"""The admins' overview in a real browser, at phone width: the page never scrolls sideways, its wide
table scrolls in its own box with a visible cue, a heading sorts, the search narrows the messes and
the pager goes on to the next 50."""

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from mess.models import Floor, Mess
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, PHONE, fits, log_in, submit

pytestmark = BROWSER_TESTS


def test_an_admin_sorts_searches_and_pages_the_overview_on_a_phone(page, live_server, people, dialogs, csp_violations):
    get_user_model().objects.create_superuser(username="ada", email="ada@example.org", password="pw-ada-123")
    messes = Mess.objects.bulk_create([Mess(code=f"hall{i:02}", name=f"Hall {i:02}") for i in range(55)])
    Floor.objects.bulk_create([Floor(mess=mess, name="Ground") for mess in messes[:3]])
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "ada", "pw-ada-123")
    assert page.url.endswith("/overview/")

    assert fits(page, PHONE["width"])
    box = page.locator(".scroll[role=region]")
    assert box.evaluate("box => box.scrollWidth > box.clientWidth")  # the table scrolls in its own box
    expect(page.locator(".scroll-hint")).to_be_visible()
    expect(page.locator(".totals")).to_contain_text("56")  # 55 halls and Mess 1
    assert page.locator("tbody tr").count() == 50

    submit(page, "th >> text=Missing records")
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Missing records")
    assert page.locator("tbody tr td:first-child").first.inner_text() == "Mess 1"  # 2 floors: the most missing

    page.fill("#overview-q", "hall 0")
    submit(page, "button:has-text('Show')")
    assert page.locator("tbody tr").count() == 10
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Missing records")  # the sort is kept

    page.goto(f"{live_server.url}/overview/?sort=name")
    submit(page, "a[rel=next]")
    assert page.locator("tbody tr").count() == 6
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "overview-phone.png", full_page=True)
    assert fits(page, PHONE["width"])
    assert dialogs == []
    assert csp_violations == []
