"""Messages that reach a phone: what each person chose to get on which channel (Web Push, and
Telegram), the messages the features store for them (`messages_store`:
a reply to a student's comment, an announcement), and the job that sends them (`messages_send`).

Each kind is off by default but a reply to one's own comment. A message is stored, one per chosen
channel of each person who chose its kind and has an address there (a browser subscribed, a linked
Telegram chat), in the transaction of what it tells of; once that commits, a run of send_messages is
handed to the cluster to send it within seconds, and the every-minute run sends what is left
(mess/channels.py: sent once, retried, given up). Nothing is sent in a web request."""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import translation

from mess.channels import ChannelWay, messages_deliver, outgoing_messages_store
from mess.models import Channel, ChannelChoice, MessageKind, OutgoingMessage, Role
from mess.push import push_offered, push_reachable, push_send
from mess.telegram import telegram_enabled, telegram_reachable, telegram_send
from scheduling.soon import job_soon

JOB = "send_messages"

# Each kind's choice for a person who never chose: only the answers to what they asked (a reply to
# their comment, to their mess change request) are on.
KIND_DEFAULTS = {kind: kind in (MessageKind.REPLY, MessageKind.MESS_CHANGE) for kind in MessageKind.values}
# The kinds each role may choose: students get what is about their meals; officials and admins
# write the replies and announcements, and may have the e-mails they get on their phones too.
STUDENT_KINDS = (
    MessageKind.REPLY,
    MessageKind.ANNOUNCEMENT,
    MessageKind.MENU_CHANGE,
    MessageKind.MENU,
    MessageKind.CUTOFF_REMINDER,
    MessageKind.MESS_CHANGE,
)
# The e-mails (mess/email_choices.py's fields) that officials, group admins and admins may have on
# their phones too, each as its kind; a person is offered those of the e-mails they can get.
KIND_OF_EMAIL = {
    "emails_critical": MessageKind.CRITICAL,
    "emails_missing_waste": MessageKind.MISSING_WASTE,
    "emails_daily_report": MessageKind.DAILY_REPORT,
    "emails_cook_sheet": MessageKind.COOK_SHEET,
}

# How ManageIt reaches people on each channel besides e-mail.
CHANNELS: Mapping[str, ChannelWay] = {
    Channel.PUSH: ChannelWay(send=push_send, reachable=push_reachable, offered=push_offered),
    Channel.TELEGRAM: ChannelWay(send=telegram_send, reachable=telegram_reachable, offered=telegram_enabled),
}


def channels_offered() -> list[str]:
    """The channels set up on this ManageIt (their keys or token are in the environment), in order."""
    return [channel for channel, way in CHANNELS.items() if way.offered()]


def channel_choices(*, user) -> dict[tuple[str, str], bool]:
    """What `user` gets, by (kind, channel) of every kind and channel: their choice, else the kind's
    default. One query."""
    chosen = {(kind, channel): on for kind, channel, on in ChannelChoice.objects.filter(user=user).values_list("kind", "channel", "on")}
    return {(kind, channel): chosen.get((kind, channel), KIND_DEFAULTS[kind]) for kind in MessageKind.values for channel in Channel.values}


def channel_choices_save(*, user, choices: Mapping[tuple[str, str], bool]) -> None:
    """Stores what `user` gets on which channel: each (kind, channel) in `choices` is set, the others
    left as they were. Raises ValueError, changing nothing, for a kind or channel ManageIt does not have."""
    unknown = sorted(f"{kind}/{channel}" for kind, channel in choices if kind not in MessageKind.values or channel not in Channel.values)
    if unknown:
        raise ValueError(f"unknown message choice {', '.join(unknown)}")
    with transaction.atomic():
        for (kind, channel), on in choices.items():
            ChannelChoice.objects.update_or_create(user=user, kind=kind, channel=channel, defaults={"on": bool(on)})


def users_choosing(*, kind: str, channel: str) -> Q:
    """The users who get messages of `kind` on `channel`: those who turned it on, and, for a kind on
    by default, those who never chose."""
    on = Q(channel_choices__kind=kind, channel_choices__channel=channel, channel_choices__on=True)
    if not KIND_DEFAULTS[kind]:
        return on
    chose = ChannelChoice.objects.filter(kind=kind, channel=channel).values("user_id")
    return on | ~Q(pk__in=chose)


def students_of(*, mess_ids: Iterable[int]) -> QuerySet:
    """The ids of the active students of the messes `mess_ids` (a query, to use as a subquery)."""
    return (
        get_user_model()
        .objects.filter(profile__mess_id__in=list(mess_ids), groups__name=Role.STUDENT, is_active=True)
        .values_list("pk", flat=True)
    )


def messages_store(*, kind: str, key: str, users: Iterable, title, body, url: str = "") -> int:
    """Stores the message of `kind` about `key` (what it tells of: the feedback replied to, the
    announcement's id) for each of `users` (users, their ids, or a query of their ids), once on each channel offered here
    that the person chose for `kind` and has an address on; a message stored before for the same
    person, channel, kind and key is left as it is (`outgoing_messages_store`): told once. `title`
    and `body` may be lazy translations, made in each person's language. Hands a run of
    send_messages to the cluster once the caller's transaction commits. Returns how many it stored.
    Raises ValueError for a kind ManageIt does not have."""
    if kind not in MessageKind.values:
        raise ValueError(f"unknown message kind {kind!r}")
    ids = users if isinstance(users, QuerySet) else [getattr(user, "pk", user) for user in users]
    people = get_user_model().objects.filter(pk__in=ids, is_active=True)
    stored = []
    for channel in channels_offered():
        chosen = people.filter(users_choosing(kind=kind, channel=channel)).filter(CHANNELS[channel].reachable())
        for user_id, language in chosen.values_list("pk", "profile__language").distinct():
            with translation.override(language or settings.LANGUAGE_CODE):
                text = {"title": str(title)[:255], "body": str(body)}
            stored.append(OutgoingMessage(channel=channel, user_id=user_id, kind=kind, key=str(key)[:100], url=url, **text))
    new = outgoing_messages_store(messages=stored)
    if new:
        job_soon(JOB, within_seconds=0)
    return new


def messages_send() -> str:
    """Sends every stored message not sent nor given up (mess/channels.py's `messages_deliver`):
    run by the cluster as soon as messages are stored, and every minute for what a failure left.
    Returns a summary; raises SenderBroken when a sender failed in a way it should not."""
    return messages_deliver(ways=CHANNELS).summary()
