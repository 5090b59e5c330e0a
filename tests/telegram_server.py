"""A fake Telegram Bot API on 127.0.0.1, for tests whose calls must leave the process for real but
never the machine.

It answers POSTs to /bot<token>/<method> as Telegram does, for the token it is given (another token
gets Telegram's 404):
- getUpdates serves the queued updates from the `offset` asked for on (dropping those before it, as
  Telegram forgets confirmed updates), waiting up to the call's `timeout` for one to come (long
  polling). With `forget_offset` it serves every queued update every time, as if two runs had
  asked at once.
- sendMessage records (chat_id, text) in `sent`, or, while `failures` holds answers, answers the
  first of them instead: (status, JSON body), or "hang" (no answer for `hang_seconds`).
Every call is kept in `calls` as (method, params).
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "123456:TEST-token-not-real"


def refusal(status: int, description: str, **parameters) -> tuple[int, dict]:
    """A Bot API refusal as Telegram writes it."""
    body = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


BLOCKED = refusal(403, "Forbidden: bot was blocked by the user")
CHAT_NOT_FOUND = refusal(400, "Bad Request: chat not found")
TOO_MANY = refusal(429, "Too Many Requests: retry after 30", retry_after=30)
BAD_GATEWAY = refusal(502, "Bad Gateway")
TOO_LONG = refusal(400, "Bad Request: message is too long")


class FakeTelegram(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *, token: str = TOKEN, forget_offset: bool = False, hang_seconds: float = 2.0):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token = token
        self.forget_offset = forget_offset
        self.hang_seconds = hang_seconds
        self.updates: list[dict] = []
        self.sent: list[tuple[int, str]] = []
        self.calls: list[tuple[str, dict]] = []
        self.failures: list = []
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()

    def queue(self, update: dict) -> None:
        with self.changed:
            self.updates.append(update)
            self.changed.notify_all()

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    def get_updates(self, params: dict) -> list[dict]:
        offset, timeout = int(params.get("offset", 0)), float(params.get("timeout", 0))
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                if not self.forget_offset:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates or time.monotonic() >= deadline:
                    return list(self.updates)
                self.changed.wait(deadline - time.monotonic())


class _Handler(BaseHTTPRequestHandler):
    server: FakeTelegram

    def log_message(self, *args):
        pass

    def do_POST(self):
        params = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        prefix = f"/bot{self.server.token}/"
        if not self.path.startswith(prefix):
            return self._answer(*refusal(404, "Not Found"))
        method = self.path.removeprefix(prefix)
        self.server.calls.append((method, params))
        if method == "getUpdates":
            return self._answer(200, {"ok": True, "result": self.server.get_updates(params)})
        if method == "sendMessage":
            if self.server.failures:
                failure = self.server.failures.pop(0)
                if failure == "hang":
                    time.sleep(self.server.hang_seconds)
                    return self._answer(200, {"ok": True, "result": {}})
                return self._answer(*failure)
            self.server.sent.append((params["chat_id"], params["text"]))
            return self._answer(200, {"ok": True, "result": {"message_id": len(self.server.sent), "chat": {"id": params["chat_id"]}}})
        return self._answer(*refusal(404, "Not Found: method not found"))

    def _answer(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the caller gave up waiting (a timeout test)
