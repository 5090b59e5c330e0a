"""Messages that reach a phone: Web Push and Telegram, the channels besides e-mail. A channel's
sender delivers one stored message to one person, and says how it failed by which of these it
raises: the rule that stores, sends once, retries and gives up is the same for every channel."""

import datetime
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from mess.models import OutgoingMessage
from mess.text import plural

logger = logging.getLogger(__name__)


class DeliveryTemporary(Exception):
    """The channel did not take the message this time (a timeout, a 5xx, a 429): a later try may."""


class DeliveryPermanent(Exception):
    """The channel refused the message and would refuse it again. `gone` says the address itself is
    no more (a push subscription answering 404 or 410, a Telegram chat that blocked the bot): it is
    removed at once, and the message is given up for that address."""

    def __init__(self, message: str, *, gone: bool = False):
        super().__init__(message)
        self.gone = gone


# The outbox: each message is stored (an OutgoingMessage) with its key before it is sent, so that
# whatever produces it twice stores it once; it is claimed by one run with a conditional UPDATE,
# sent, and marked sent. A temporary failure leaves it for a later run; a permanent one counts, and
# the message is given up after REFUSALS_GIVEN_UP of them, or at once when its address is gone.

MAX_ERROR = 1000  # characters of a message's last error kept
# A message (or an e-mail: mess/emails.py) refused for good this many times is given up: it stays
# stored, with its error, in the admin, and stops failing every run.
REFUSALS_GIVEN_UP = 3
# How long a claim holds: long enough for a sender to try every address of a person (a few
# requests of at most SEND_TIMEOUT seconds each), and short enough that a message a killed worker
# held goes out with the next minute's runs soon after.
CLAIM_SECONDS = 120
SEND_TIMEOUT = 10  # seconds one request to a channel's service may take


@dataclass(frozen=True)
class ChannelWay:
    """How ManageIt reaches people on one channel: `send(*, user, message)` delivers one stored
    message to every address `user` has on it, or raises DeliveryTemporary/DeliveryPermanent (a
    sender that raises `gone=True` has removed the address itself); `reachable()` is the users with
    an address on it (a Q on the user model); `offered()` says whether the channel is set up on this
    ManageIt (its keys or token are in the environment)."""

    send: Callable[..., None]
    reachable: Callable[[], Q]
    offered: Callable[[], bool]


@dataclass
class Delivery:
    """What one `messages_deliver` did, by message."""

    sent: list[OutgoingMessage] = field(default_factory=list)
    retried: list[OutgoingMessage] = field(default_factory=list)  # failed this time; a later run tries again
    given_up: list[OutgoingMessage] = field(default_factory=list)
    broken: list[OutgoingMessage] = field(default_factory=list)  # the sender raised something else: a bug

    def summary(self) -> str:
        parts = [plural(len(self.sent), "message") + " sent"]
        if self.retried:
            parts.append(f"{len(self.retried)} left for a later run")
        if self.given_up:
            parts.append(f"{len(self.given_up)} given up")
        return ", ".join(parts)


class SenderBroken(Exception):
    """A channel's sender raised something other than DeliveryTemporary/DeliveryPermanent: the
    messages stay stored and are tried again, and the run is recorded as failed so that it is seen."""

    def __init__(self, delivery: Delivery):
        errors = "; ".join(sorted({m.last_error for m in delivery.broken}))
        super().__init__(f"{plural(len(delivery.broken), 'message')} not sent: {errors}. {delivery.summary()}.")
        self.delivery = delivery


def outgoing_messages_store(*, messages: Sequence[OutgoingMessage]) -> int:
    """Stores `messages`, unsent, each once: one already stored (the same channel, person, kind and
    key) is left as it is, sent or not. Returns how many were new. Two queries."""
    if not messages:
        return 0
    channels = {m.channel for m in messages}
    kinds = {m.kind for m in messages}
    keys = {m.key for m in messages}
    users = {m.user_id for m in messages}
    stored = OutgoingMessage.objects.filter(channel__in=channels, kind__in=kinds, key__in=keys, user_id__in=users)
    before = stored.count()
    OutgoingMessage.objects.bulk_create(messages, ignore_conflicts=True)
    return stored.count() - before


def messages_unsent() -> QuerySet[OutgoingMessage]:
    """The stored messages not sent nor given up, oldest first."""
    return OutgoingMessage.objects.filter(sent_at__isnull=True, given_up_at__isnull=True).order_by("created_at", "id")


def messages_deliver(*, ways: Mapping[str, ChannelWay], messages: Sequence[OutgoingMessage] | None = None) -> Delivery:
    """Sends `messages` (default: every message not sent nor given up, oldest first), each on its
    channel's way of `ways`, and says what became of each. Each is claimed first (`_claim`): one
    another run is sending is left to it; one a killed worker held is sent once its claim runs out.
    Each counts an attempt before it goes out and is marked sent as soon as its channel took it: a
    worker that dies between the two leaves it to be sent again (the one duplicate possible). On
    DeliveryTemporary it keeps its error and is tried by a later run; on DeliveryPermanent it is
    given up after REFUSALS_GIVEN_UP attempts, or at once when its address is gone. A message of a
    channel not set up here is given up. Raises SenderBroken at the end when a sender raised
    anything else (those messages wait for a later run)."""
    delivery = Delivery()
    for message in messages_unsent().select_related("user") if messages is None else messages:
        if not _claim(message):
            continue  # another run has it, or it was sent or given up meanwhile
        OutgoingMessage.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1)
        message.attempts += 1
        way = ways.get(message.channel)
        try:
            if way is None or not way.offered():
                raise DeliveryPermanent(f"{message.channel} is not set up on this ManageIt", gone=True)
            way.send(user=message.user, message=message)
        except DeliveryTemporary as error:
            _failed(message, error)
            delivery.retried.append(message)
        except DeliveryPermanent as error:
            _failed(message, error, give_up=error.gone or message.attempts >= REFUSALS_GIVEN_UP)
            (delivery.given_up if message.given_up_at else delivery.retried).append(message)
        except Exception as error:
            logger.exception("the %s sender failed on message %s", message.channel, message.pk)
            _failed(message, error)
            delivery.broken.append(message)
        else:
            message.sent_at = timezone.now()
            OutgoingMessage.objects.filter(pk=message.pk).update(sent_at=message.sent_at, last_error="", claimed_until=None)
            delivery.sent.append(message)
    if delivery.broken:
        raise SenderBroken(delivery)
    return delivery


def messages_give_up(*, messages: QuerySet[OutgoingMessage]) -> int:
    """Stops trying those of `messages` not sent yet (an admin's decision): they stay listed, given
    up now, with their last error. Returns how many it gave up."""
    return messages.filter(sent_at__isnull=True, given_up_at__isnull=True).update(given_up_at=timezone.now())


def _claim(message: OutgoingMessage) -> bool:
    """Claims `message` for this run with one conditional UPDATE, so that of two runs about to send
    it exactly one does. False when another run has it, or it was sent or given up meanwhile."""
    now = timezone.now()
    unclaimed = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    until = now + datetime.timedelta(seconds=CLAIM_SECONDS)
    return bool(
        OutgoingMessage.objects.filter(unclaimed, pk=message.pk, sent_at__isnull=True, given_up_at__isnull=True).update(claimed_until=until)
    )


def _failed(message: OutgoingMessage, error: Exception, *, give_up: bool = False) -> None:
    message.last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR]
    message.given_up_at = timezone.now() if give_up else None
    # unclaimed: the next run may try it at once
    OutgoingMessage.objects.filter(pk=message.pk).update(last_error=message.last_error, given_up_at=message.given_up_at, claimed_until=None)
