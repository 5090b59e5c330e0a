"""The Telegram page in a real browser at phone width: a student gets a code, the bot (a fake Bot
API on 127.0.0.1) links their chat, and they unlink it (see tests/browser/conftest.py)."""

import pytest

from mess.models import TelegramLink
from mess.telegram import telegram_updates
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, DESKTOP, PHONE, fits, log_in, submit
from tests.browser.test_accessibility import blocking_violations
from tests.telegram_server import TOKEN, FakeTelegram

pytestmark = BROWSER_TESTS


@pytest.fixture
def bot(settings):
    with FakeTelegram() as server:
        settings.TELEGRAM_BOT_TOKEN = TOKEN
        settings.TELEGRAM_BOT_NAME = "ManageItMessBot"
        settings.TELEGRAM_API_URL = server.url
        yield server


def test_a_student_links_their_chat_on_a_phone_and_unlinks_it(page, live_server, people, bot, dialogs, csp_violations):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "alice", "pw-alice-123")
    submit(page, "header >> text=Telegram")
    assert page.url == f"{live_server.url}/settings/telegram/"
    assert "Not linked" in page.locator("#telegram-status").inner_text()

    submit(page, "#telegram-code button:has-text('Get a code')")
    code = page.locator("#telegram-code strong.code").inner_text()
    assert page.locator("#telegram-code a").get_attribute("href") == f"https://t.me/ManageItMessBot?start={code}"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "telegram-code-phone.png", full_page=True)
    assert fits(page, PHONE["width"])
    assert blocking_violations(page) == []  # axe, with the code and the link shown (tests/test_access.py's run has no bot)

    bot.queue({"update_id": 1, "message": {"message_id": 1, "chat": {"id": 55, "type": "private"}, "text": f"/start {code}"}})
    telegram_updates(wait=0)  # the job, as the cluster runs it every minute
    page.reload()
    assert "Linked since" in page.locator("#telegram-status").inner_text()
    assert bot.sent[0][0] == 55
    page.screenshot(path=ARTIFACTS / "telegram-linked-phone.png", full_page=True)
    assert fits(page, PHONE["width"])
    assert blocking_violations(page) == []
    page.set_viewport_size(DESKTOP)
    assert blocking_violations(page) == []

    submit(page, "#telegram-status button:has-text('Unlink')")
    assert "Your Telegram chat is unlinked" in page.locator(".messages").inner_text()
    assert not TelegramLink.objects.exists()
    assert dialogs == []
    assert csp_violations == []
