"""The Telegram page (/settings/telegram/): a code and the bot's t.me link, whether linked, Unlink;
nothing without a bot."""

import datetime

import pytest
from django.utils import timezone

from mess.models import TelegramLink
from mess.people import profile_language_set
from tests.telegram_server import TOKEN
from tests.test_translations import english_left, visible_text

URL = "/settings/telegram/"


@pytest.fixture
def bot(settings):
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_BOT_NAME = "ManageItMessBot"


@pytest.mark.parametrize("person", ["student", "official", "admin"])
def test_anyone_signed_in_gets_a_code_and_the_bots_link(db, client, bot, person, request):  # db: sorted with the database tests
    user = request.getfixturevalue(person)
    client.force_login(user)
    page = client.get(URL).content.decode()
    assert "Not linked: the bot sends you nothing." in page and "Your code:" not in page

    response = client.post(URL)

    assert response.status_code == 302 and response["Location"] == URL
    code = TelegramLink.objects.get(user=user).code
    page = client.get(URL).content.decode()
    assert f'<strong class="code">{code}</strong>' in page
    assert f'href="https://t.me/ManageItMessBot?start={code}"' in page
    assert 'href="/settings/telegram/">Telegram</a>' in page  # the header links the page


def test_an_expired_code_is_not_shown(client, bot, student):
    TelegramLink.objects.create(user=student, code="ABCDEFGHJK", code_expires=timezone.now() - datetime.timedelta(seconds=1))
    client.force_login(student)
    page = client.get(URL).content.decode()
    assert "ABCDEFGHJK" not in page and "Get a code" in page


def test_a_linked_person_sees_it_and_unlinks(client, bot, student):
    TelegramLink.objects.create(user=student, chat_id=77, linked_at=timezone.now())
    client.force_login(student)
    page = client.get(URL).content.decode()
    assert "Linked since" in page and "Unlink" in page

    response = client.post("/settings/telegram/unlink/", follow=True)

    assert not TelegramLink.objects.exists()
    assert "Your Telegram chat is unlinked" in response.content.decode()


def test_the_page_in_hindi_has_no_english_sentence_left(client, bot, student):
    profile_language_set(user=student, language="hi")
    client.force_login(student)
    client.post(URL)
    page = client.get(URL).content.decode()
    assert "आपका कोड:" in page and "टेलीग्राम में बॉट खोलें" in page
    TelegramLink.objects.update(chat_id=77, linked_at=timezone.now())
    linked_page = client.get(URL).content.decode()
    assert "लिंक हटाएँ" in linked_page
    assert english_left(visible_text(page)) == english_left(visible_text(linked_page)) == []


def test_without_a_bot_there_is_no_code_and_no_link(client, settings, student):
    settings.TELEGRAM_BOT_TOKEN = ""
    client.force_login(student)
    response = client.post(URL, follow=True)
    page = response.content.decode()
    assert "Telegram is not set up on this ManageIt." in page
    assert "t.me" not in page and "Get a code" not in page
    assert 'href="/settings/telegram/"' not in page  # nor in the header
    assert not TelegramLink.objects.exists()
