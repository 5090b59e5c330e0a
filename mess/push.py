"""Web Push: the browser's own notifications, on a phone as on a computer. A person turns them on
on /settings/ (static/mess/push.js asks the browser, which hands back a subscription: its push
service's endpoint and the keys to encrypt for it), and the outbox's runs send each message to
every subscription of its person (`push_send`), encrypted, signed with ManageIt's VAPID key.

Push is offered only when VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set (`manage.py
generate_vapid_keys` makes a pair). A push service that answers 404 or 410 has forgotten the
subscription (the person turned notifications off, or the browser is gone): it is removed at once."""

import base64
import json
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from pywebpush import WebPushException, webpush

from mess.channels import SEND_TIMEOUT, DeliveryPermanent, DeliveryTemporary
from mess.models import MAX_PUSH_ENDPOINT, OutgoingMessage, PushSubscription

PAYLOAD_MOST = 3000  # bytes of a message's JSON: push services take 4,096 bytes, encryption's overhead included
TTL_SECONDS = 24 * 60 * 60  # a phone that is off gets the message when it is back within a day; after that it is stale


def push_offered() -> bool:
    """Whether this ManageIt sends Web Push: its VAPID keys are set."""
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def push_reachable() -> Q:
    """The users with at least one browser subscribed."""
    return Q(push_subscriptions__isnull=False)


def _key_bytes(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def push_subscription_save(*, user, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Stores the subscription a browser of `user` handed over (its endpoint and keys, base64url as
    the browser gives them), and returns it. The same endpoint again replaces what was stored, for
    whoever is signed in there now. Raises ValueError, storing nothing, for an endpoint that is not
    an https URL of a push service (a named host, no more than MAX_PUSH_ENDPOINT characters) or keys
    that are not a P-256 public key and a 16-byte secret."""
    endpoint = endpoint.strip()
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if (
        parts.scheme != "https"
        or not host
        or "." not in host
        or host.replace(".", "").isdigit()
        or ":" in host
        or len(endpoint) > MAX_PUSH_ENDPOINT
    ):
        raise ValueError(_("This browser's push service address is not one ManageIt can send to."))
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _key_bytes(p256dh.strip()))
        secret = _key_bytes(auth.strip())
    except (ValueError, TypeError):
        raise ValueError(_("This browser's push keys are not valid.")) from None
    if len(secret) != 16:
        raise ValueError(_("This browser's push keys are not valid."))
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh.strip(), "auth": auth.strip()}
    )
    return subscription


def push_subscription_remove(*, user, endpoint: str) -> int:
    """Forgets the subscription at `endpoint` of `user` (the person turned notifications off in that
    browser). Returns how many it removed (0 or 1)."""
    deleted, _rows = PushSubscription.objects.filter(user=user, endpoint=endpoint.strip()).delete()
    return deleted


def push_payload(message: OutgoingMessage) -> str:
    """What the service worker (/sw.js) shows: the title, the body (cut to fit a push message) and
    the page it opens, as JSON."""
    body = message.body
    while True:
        payload = json.dumps({"title": message.title, "body": body, "url": message.url or "/"}, ensure_ascii=False)
        if len(payload.encode()) <= PAYLOAD_MOST or not body:
            return payload
        body = body[: len(body) * 3 // 4].rstrip() + "…"


def push_send(*, user, message: OutgoingMessage) -> None:
    """Sends `message` to every browser `user` subscribed: done when at least one push service took
    it. A subscription whose service answers 404 or 410 is deleted at once. Raises DeliveryTemporary
    when none took it and one may later (a timeout, a 429, a 5xx), DeliveryPermanent otherwise,
    with `gone` when every subscription is gone (or there was none)."""
    payload = push_payload(message)
    took, temporary, refused = 0, [], []
    for subscription in PushSubscription.objects.filter(user=user).order_by("pk"):
        info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
        try:
            webpush(
                subscription_info=info,
                data=payload,
                vapid_private_key=settings.VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.VAPID_SUBJECT},  # a new dict each time: webpush adds aud and exp to it
                timeout=SEND_TIMEOUT,
                ttl=TTL_SECONDS,
            )
        except WebPushException as error:
            status = error.response.status_code if error.response is not None else None
            if status in (404, 410):
                PushSubscription.objects.filter(pk=subscription.pk).delete()
            elif status is None or status == 429 or status >= 500:
                temporary.append(f"{status or 'no answer'} from {_host(subscription)}")
            else:
                refused.append(f"{status} from {_host(subscription)}")
        except requests.RequestException as error:  # a timeout, a refused connection
            temporary.append(f"{type(error).__name__} from {_host(subscription)}")
        else:
            took += 1
    if took:
        return
    if temporary:
        raise DeliveryTemporary("; ".join(temporary + refused))
    if refused:
        raise DeliveryPermanent("; ".join(refused))
    raise DeliveryPermanent("no browser subscribed", gone=True)


def _host(subscription: PushSubscription) -> str:
    return urlsplit(subscription.endpoint).netloc


def vapid_keys_generate() -> tuple[str, str]:
    """A new VAPID key pair: the public key as browsers take it (the uncompressed P-256 point) and
    the private key as pywebpush takes it (its 32 bytes), both base64url without padding."""
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    raw = private.private_numbers().private_value.to_bytes(32, "big")

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return b64(public), b64(raw)
