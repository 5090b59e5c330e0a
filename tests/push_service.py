"""A push service on 127.0.0.1 for tests that need Web Push to leave a process for real.

It answers POST /<anything> as a browser's push service would: it checks the VAPID signature
(`Authorization: vapid t=..., k=...`) against the public key it was told, decrypts the body
(aes128gcm, RFC 8291) with the subscription's private key and auth secret, which a test makes with
`browser_keys()` as a browser would, and keeps what it read. `answers` is the list of statuses to
give, one per request, the last one repeated (default: 201 Created); `delay`, how long it takes to
answer each.
"""

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid01


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class BrowserKeys:
    """What a browser makes when it subscribes: a P-256 key pair and a 16-byte auth secret."""

    def __init__(self):
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        point = self.private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        self.p256dh = b64(point)
        self.auth = b64(self.auth_secret)


class PushService(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, vapid_public_key: str, answers: list[int] | None = None, delay: float = 0):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay = delay  # seconds it takes to answer each request
        self.vapid_public_key = vapid_public_key
        self.answers = list(answers or [201])
        self.keys: dict[str, BrowserKeys] = {}  # by the path of each subscription's endpoint
        self.received: list[tuple[str, int, dict | None]] = []  # (path, status answered, the payload it decrypted)
        self.errors: list[str] = []  # what was wrong with a request it should have taken (a test asserts none)
        self.lock = threading.Lock()
        self.arrived = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def subscribe(self, name: str) -> tuple[str, BrowserKeys]:
        """A new subscription at this service: its endpoint and the browser's keys."""
        keys = BrowserKeys()
        self.keys[f"/{name}"] = keys
        return f"http://127.0.0.1:{self.server_address[1]}/{name}", keys

    def payloads(self, name: str | None = None) -> list[dict]:
        """What the service took (answered 201), in order; of the subscription `name` only, if given."""
        return [payload for path, status, payload in self.received if status < 300 and (name is None or path == f"/{name}")]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
        assert not self.errors, self.errors


class _Handler(BaseHTTPRequestHandler):
    server: PushService

    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(self.server.delay)
        with self.server.lock:
            status = self.server.answers.pop(0) if len(self.server.answers) > 1 else self.server.answers[0]
        payload = None
        if status < 300:
            try:
                assert self.headers["Content-Encoding"] == "aes128gcm"
                assert int(self.headers["TTL"]) > 0
                _vapid_check(self.headers["Authorization"], self.server.vapid_public_key)
                keys = self.server.keys[self.path]
                payload = json.loads(http_ece.decrypt(body, private_key=keys.private, auth_secret=keys.auth_secret, version="aes128gcm"))
            except Exception as error:  # kept for the test to see; the sender gets a 400, as from a real service
                self.server.errors.append(repr(error))
                status = 400
        with self.server.lock:
            self.server.received.append((self.path, status, payload))
        self.server.arrived.set()
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _vapid_check(authorization: str, public_key: str) -> None:
    """The request is signed with the private key of `public_key` (RFC 8292)."""
    scheme, rest = authorization.split(" ", 1)
    assert scheme == "vapid", authorization
    fields = dict(part.strip().split("=", 1) for part in rest.split(","))
    assert fields["k"] == public_key
    assert Vapid01.verify(fields["k"], f"vapid {fields['t']}"), "VAPID signature does not verify"
