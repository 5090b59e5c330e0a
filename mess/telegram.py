"""Telegram: the mess's bot, one channel of the messages that reach a phone (mess/channels.py).

Nothing happens without settings.TELEGRAM_BOT_TOKEN: the settings page offers no link, the
telegram_updates job does nothing, and `telegram_send` gives every message up (DeliveryPermanent).

Linking: a signed-in person asks the page for a one-time code (`telegram_code_new`: random, valid
CODE_MINUTES, a new one replaces the old) and sends it to the bot, by its t.me link
(`/start <code>`) or typed alone. The telegram_updates job reads the bot's updates (getUpdates,
long polling) and `telegram_update_handle` links that chat to the person and answers in their
language; "stop" or "/stop" unlinks the chat. One chat is one person's: a chat that sends another
person's code is theirs from then on.

Each update is handled once: the last handled update's id is saved in the transaction that handles
it, and a run skips any update at or below it (two runs, or Telegram serving an update again,
change nothing twice). The bot's answers go after that transaction commits, at most once: an answer
Telegram did not take is counted in the run's summary, and the link stands (the page shows it).

Sending: `telegram_send` posts a message to the person's chat as plain text. Telegram's refusals
map to the channels' two failures: a chat that blocked the bot or is gone (403, "chat not found")
is DeliveryPermanent(gone=True) and the link is deleted; 429, 5xx, a timeout or no connection is
DeliveryTemporary (a 429's retry_after is kept, and nothing is sent before it passes); any other
refusal is DeliveryPermanent.

The Bot API is called with the standard library's urllib: a few JSON POSTs need no bot library."""

import datetime
import http.client
import json
import logging
import math
import re
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mess.channels import DeliveryPermanent, DeliveryTemporary
from mess.models import Profile, TelegramBot, TelegramLink

logger = logging.getLogger(__name__)

CODE_MINUTES = 15
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L to mistake when typed
CODE_LENGTH = 10  # about 50 bits: not guessed in 15 minutes at the rate Telegram lets a bot read
MAX_TEXT = 4096  # characters of a Telegram message
MAX_ANSWER = 1024 * 1024  # bytes of an API answer read
STOP_WORDS = {"stop", "/stop"}

# The bot's answers, in the person's language.
LINKED = _("Linked: this chat is %(name)s's on ManageIt. You get here the messages you chose on your settings page. Send stop to unlink.")
UNLINKED = _("Unlinked: ManageIt sends nothing more to this chat.")
NOT_LINKED = _("This chat is not linked to ManageIt.")
UNKNOWN_CODE = _("That code is not one ManageIt gave. Get a code on your Telegram page.")
EXPIRED_CODE = _("That code has expired. Get a new one on your Telegram page.")
HELP = _("Send the code from your Telegram page on ManageIt to link this chat, or stop to unlink it.")


class TelegramFailed(Exception):
    """The Bot API did not do what it was asked: `status` is the HTTP status (None when no answer
    came), `description` Telegram's words, `retry_after` the seconds a 429 asks to wait. Its
    message never holds the bot's token."""

    def __init__(self, message: str, *, status: int | None = None, description: str = "", retry_after: int | None = None):
        super().__init__(message)
        self.status, self.description, self.retry_after = status, description, retry_after


class TelegramTooFast(DeliveryTemporary):
    """Telegram asked the bot to wait `retry_after` seconds (a 429) before it sends again."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Reply:
    """An answer of the bot to a chat, sent once the update's transaction has committed."""

    chat_id: int
    text: str


def telegram_enabled() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN)


def telegram_link_of(*, user) -> TelegramLink | None:
    """The person's row (their link, or their code waiting to be sent), if any. One query."""
    return TelegramLink.objects.filter(user=user).first()


def telegram_reachable() -> Q:
    """The users whose chat is linked: those a Telegram message can reach (the outbox stores
    messages for them only; mess/messages.py's CHANNELS)."""
    return Q(telegram_link__chat_id__isnull=False)


def telegram_start_url(*, code: str) -> str:
    """The t.me link that opens the bot and sends it `/start <code>`; empty without TELEGRAM_BOT_NAME."""
    return f"https://t.me/{settings.TELEGRAM_BOT_NAME}?start={code}" if settings.TELEGRAM_BOT_NAME else ""


def telegram_code_new(*, user) -> TelegramLink:
    """A new one-time code for `user`, valid CODE_MINUTES, replacing any code they had (a link they
    have stays until the code is used from another chat). Raises ValueError without a bot."""
    if not telegram_enabled():
        raise ValueError(gettext("Telegram is not set up on this ManageIt."))
    expires = timezone.now() + datetime.timedelta(minutes=CODE_MINUTES)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    with transaction.atomic():
        link, created = TelegramLink.objects.select_for_update().get_or_create(user=user, defaults={"code": code, "code_expires": expires})
        if not created:
            link.code, link.code_expires = code, expires
            link.save(update_fields=["code", "code_expires"])
    return link


def telegram_unlink(*, user) -> bool:
    """Forgets the person's chat (and any code): the bot sends them nothing more. Returns whether a
    chat was linked."""
    with transaction.atomic():
        link = TelegramLink.objects.select_for_update().filter(user=user).first()
        if link is None:
            return False
        link.delete()
    return link.chat_id is not None


def telegram_links_delete(*, links) -> int:
    """Deletes the links of the queryset `links` (an admin's unlinking): their chats get nothing
    more, and their people may link again. Returns how many."""
    return links.delete()[0]


def code_read(text: str) -> str:
    """A code as typed or sent by the t.me link: case, spaces and hyphens do not count."""
    return re.sub(r"[\s-]", "", text).upper()


def telegram_update_handle(*, update: dict) -> Reply | None:
    """Handles one update of the bot (a message to it): a code links the chat to its person,
    "stop" or "/stop" unlinks the chat, anything else is answered with what the bot understands.
    Returns the answer to send, in the person's language (else the language Telegram says the
    sender uses, if ManageIt speaks it). Messages from groups and channels are not answered: the bot
    is linked in a private chat. Call it inside the transaction that records the update."""
    message = update.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
        return None
    chat = message["chat"]
    if chat.get("type") != "private" or not isinstance(chat.get("id"), int):
        return None
    chat_id, text = chat["id"], message.get("text")
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    language = _known_language(sender.get("language_code"))
    if not isinstance(text, str):
        return Reply(chat_id, _say(language, HELP))
    words = text.strip().split(maxsplit=1)
    command = words[0].split("@", 1)[0].lower() if words else ""
    if command in STOP_WORDS:
        return _stop(chat_id=chat_id, language=language)
    if command == "/start":  # from the t.me link, or typed: the code follows it
        code = code_read(words[1] if len(words) > 1 else "")
    else:
        code = code_read(text)
    if not code or len(code) > 16:
        return Reply(chat_id, _say(language, HELP))
    return _link(chat_id=chat_id, code=code, language=language)


def _link(*, chat_id: int, code: str, language: str) -> Reply:
    now = timezone.now()
    link = TelegramLink.objects.select_for_update().filter(code=code).select_related("user").first()
    if link is None:
        return Reply(chat_id, _say(language, UNKNOWN_CODE))
    if link.code_expires is None or link.code_expires <= now:
        return Reply(chat_id, _say(language, EXPIRED_CODE))
    TelegramLink.objects.filter(chat_id=chat_id).exclude(pk=link.pk).delete()  # the chat is the new person's
    link.chat_id, link.linked_at, link.code, link.code_expires = chat_id, now, None, None
    link.save(update_fields=["chat_id", "linked_at", "code", "code_expires"])
    return Reply(chat_id, _say(_language_of(link.user) or language, LINKED, name=link.user.get_username()))


def _stop(*, chat_id: int, language: str) -> Reply:
    link = TelegramLink.objects.select_for_update().filter(chat_id=chat_id).select_related("user").first()
    if link is None:
        return Reply(chat_id, _say(language, NOT_LINKED))
    language = _language_of(link.user) or language
    link.delete()
    return Reply(chat_id, _say(language, UNLINKED))


def _say(language: str, words, **values) -> str:
    with translation.override(language):
        return str(words) % values if values else str(words)


def _known_language(code) -> str:
    """Telegram's language code of the sender ("hi", "en-US") if ManageIt speaks it, else the default."""
    if isinstance(code, str):
        base = code.split("-")[0].lower()
        if base in dict(settings.LANGUAGES):
            return base
    return settings.LANGUAGE_CODE


def _language_of(user) -> str:
    """The language the person picked, or empty."""
    return Profile.objects.filter(user=user).values_list("language", flat=True).first() or ""


def telegram_updates(*, wait: int | None = None) -> str:
    """Reads the bot's updates and handles each once (see the module's docstring), long polling
    for `wait` seconds (default settings.TELEGRAM_POLL_SECONDS; 0 reads what is waiting and ends),
    and sends each update's answer once its transaction has committed. Without a token it does nothing. Raises TelegramFailed when Telegram
    cannot be read: the run fails, and the next one reads on from the last update handled."""
    if not telegram_enabled():
        return "No TELEGRAM_BOT_TOKEN: nothing to do."
    wait = settings.TELEGRAM_POLL_SECONDS if wait is None else wait
    deadline = time.monotonic() + wait
    handled = answered = unanswered = 0
    while True:
        offset = _bot().update_id + 1
        poll = max(0, math.ceil(deadline - time.monotonic()))  # whole seconds, as Telegram takes them
        asked = {"offset": offset, "timeout": poll, "allowed_updates": ["message"]}
        updates = _call("getUpdates", asked, timeout=poll + settings.TELEGRAM_TIMEOUT)
        for update in updates if isinstance(updates, list) else []:
            if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
                continue
            took, reply = _update_take(update)
            handled += took
            if reply is not None:
                try:
                    _call("sendMessage", {"chat_id": reply.chat_id, "text": reply.text}, timeout=settings.TELEGRAM_TIMEOUT)
                    answered += 1
                except TelegramFailed as e:
                    logger.warning("the bot's answer to an update was not sent: %s", e)
                    unanswered += 1
        if poll == 0 or time.monotonic() >= deadline:  # a last look without waiting ends the run
            break
    summary = f"Handled {handled} update{'s' * (handled != 1)}, answered {answered}"
    return summary + (f", {unanswered} answer{'s' * (unanswered != 1)} not sent." if unanswered else ".")


def _bot() -> TelegramBot:
    return TelegramBot.objects.get_or_create(pk=1)[0]


def _update_take(update: dict) -> tuple[int, Reply | None]:
    """Handles `update` and records it as the last handled, in one transaction: (1, its answer),
    or (0, None) for an update already handled."""
    _bot()  # the row to lock exists
    with transaction.atomic():
        bot = TelegramBot.objects.select_for_update().get(pk=1)
        if update["update_id"] <= bot.update_id:
            return 0, None
        reply = telegram_update_handle(update=update)
        bot.update_id = update["update_id"]
        bot.save(update_fields=["update_id"])
    return 1, reply


def message_text(message) -> str:
    """A message's title, body and link as one plain-text Telegram message, cut to MAX_TEXT characters;
    a link within ManageIt ("/feedback/") in full, from SITE_URL, so that the chat can open it."""
    url = settings.SITE_URL + message.url if str(message.url or "").startswith("/") else message.url
    parts = [str(part).strip() for part in (message.title, message.body, url) if part and str(part).strip()]
    text = "\n\n".join(parts)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def telegram_send(*, user, message) -> None:
    """Sends `message` (its `.title`, `.body` and `.url`) to the person's linked chat, as plain
    text. Raises DeliveryTemporary when a later try may go through (a 429, whose retry_after is
    honoured, a 5xx, a timeout, no connection), DeliveryPermanent(gone=True) when the person has no
    chat (none linked, or it blocked the bot or is gone, and then the link is deleted), and
    DeliveryPermanent for any other refusal, or when there is no bot."""
    if not telegram_enabled():
        raise DeliveryPermanent("Telegram is off: no TELEGRAM_BOT_TOKEN")
    link = TelegramLink.objects.filter(user=user, chat_id__isnull=False).first()
    if link is None:
        raise DeliveryPermanent("no Telegram chat is linked", gone=True)
    quiet_until = TelegramBot.objects.filter(pk=1).values_list("quiet_until", flat=True).first()
    now = timezone.now()
    if quiet_until and quiet_until > now:
        raise TelegramTooFast("Telegram asked to wait", retry_after=int((quiet_until - now).total_seconds()) + 1)
    try:
        _call("sendMessage", {"chat_id": link.chat_id, "text": message_text(message)}, timeout=settings.TELEGRAM_TIMEOUT)
    except TelegramFailed as e:
        raise _delivery_failure(e, link=link) from None


def _delivery_failure(e: TelegramFailed, *, link: TelegramLink) -> Exception:
    """The channel's failure for a refused sendMessage, after what it calls for (the link deleted,
    the bot kept quiet)."""
    if e.status is None or e.status >= 500:
        return DeliveryTemporary(str(e))
    if e.status == 429:
        retry_after = max(1, e.retry_after or 1)
        _bot()
        TelegramBot.objects.filter(pk=1).update(quiet_until=timezone.now() + datetime.timedelta(seconds=retry_after))
        return TelegramTooFast(str(e), retry_after=retry_after)
    if e.status == 403 or "chat not found" in e.description.lower():
        TelegramLink.objects.filter(pk=link.pk, chat_id=link.chat_id).delete()
        return DeliveryPermanent(str(e), gone=True)
    return DeliveryPermanent(str(e))


def _call(method: str, params: dict, *, timeout: float):
    """Calls the Bot API's `method` with `params` (JSON) and returns its result. Raises
    TelegramFailed on no answer within `timeout` seconds, an HTTP error, or an answer not ok."""
    request = urllib.request.Request(
        f"{settings.TELEGRAM_API_URL}/bot{settings.TELEGRAM_BOT_TOKEN}/{method}",
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read(MAX_ANSWER)
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read(MAX_ANSWER)
            e.close()
    except (OSError, http.client.HTTPException) as e:  # refused, reset, timed out, cut short (URLError is an OSError)
        raise TelegramFailed(f"{method}: no answer from Telegram ({getattr(e, 'reason', e)})") from None
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise TelegramFailed(f"{method}: HTTP {status}, not a Bot API answer", status=status if status != 200 else 502)
    if status == 200 and answer.get("ok") is True:
        return answer.get("result")
    description = str(answer.get("description", ""))[:200]
    parameters = answer.get("parameters") if isinstance(answer.get("parameters"), dict) else {}
    retry_after = parameters.get("retry_after") if isinstance(parameters.get("retry_after"), int) else None
    status = status if status != 200 else int(answer.get("error_code") or 400)
    raise TelegramFailed(f"{method}: HTTP {status} {description}", status=status, description=description, retry_after=retry_after)
