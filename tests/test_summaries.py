"""The optional summary by a language model, against a fake OpenAI-compatible server on 127.0.0.1: a good
answer, a slow one, a 500, a malformed one, an over-long one; only the comments leave the machine, and
a failure leaves the digest alone and is said in the run log."""

import datetime
import http.server
import json
import threading
import time

import pytest
import time_machine
from django.core import mail

from mess.models import Notification
from mess.notifications import notifications_send
from mess.summaries import SUMMARY_LENGTH, SummaryFailed, summary_ask
from tests.factories import IST, feedback

TODAY = datetime.date(2026, 3, 10)


class FakeModel(http.server.ThreadingHTTPServer):
    """Answers chat completions as told by `answer`: a summary, "slow", "500" or "malformed"."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = "Two students found insects in the dal; one says the curd was stale."
        self.requests: list[dict] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/chat/completions"


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        server: FakeModel = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server.requests.append({"body": body, "authorization": self.headers.get("Authorization")})
        if server.answer == "slow":
            time.sleep(3)
        if server.answer == "500":
            self.send_response(500)
            self.end_headers()
            return
        payload = (
            b"{not json" if server.answer == "malformed" else json.dumps({"choices": [{"message": {"content": server.answer}}]}).encode()
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def model(settings):
    server = FakeModel()
    server.thread.start()
    settings.LLM_API_URL, settings.LLM_API_KEY, settings.LLM_MODEL = server.url, "sk-test", "mess-model"
    settings.LLM_TIMEOUT, settings.LLM_RUN_SECONDS = 1, 60
    yield server
    server.shutdown()
    server.server_close()


def test_it_asks_with_the_comments_alone_and_keeps_the_answer(model):
    assert summary_ask(comments=["Insects in dal", "Stale curd"], timeout=1) == model.answer

    request = model.requests[0]
    assert request["authorization"] == "Bearer sk-test" and request["body"]["model"] == "mess-model"
    assert request["body"]["messages"][1]["content"] == "- Insects in dal\n- Stale curd"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [("slow", "no answer within 1 s"), ("500", "answered 500"), ("malformed", "not JSON"), ("   ", "empty")],
)
def test_a_slow_failing_or_unusable_answer_is_no_summary(model, answer, reason):
    model.answer = answer

    with pytest.raises(SummaryFailed, match=reason):
        summary_ask(comments=["Insects in dal"], timeout=1)


def test_an_over_long_answer_is_cut_to_400_characters_at_a_word(model):
    model.answer = "word " * 200

    summary = summary_ask(comments=["Insects in dal"], timeout=1)

    assert len(summary) <= SUMMARY_LENGTH and summary.endswith("word…")


@time_machine.travel(datetime.datetime(2026, 3, 10, 14, 0, tzinfo=IST), tick=True)
def test_a_notification_is_summarised_once_and_only_comments_leave_the_machine(model, mess1, official, admin, student):
    feedback(mess1, TODAY, "lunch", 4, "Insects in the dal", student=student)
    feedback(mess1, TODAY, "lunch", 2, "Curd was stale")

    summary = notifications_send(meal="lunch")
    notifications_send(meal="lunch")  # nothing new: no second question

    assert summary.endswith("; 1 summary by the language model")
    assert Notification.objects.get().summary == model.answer
    assert model.answer in mail.outbox[0].body
    assert len(model.requests) == 1
    sent = json.dumps(model.requests[0]["body"])
    assert "Insects in the dal" in sent and "Curd was stale" in sent
    for private in ("alice", "alice@example.org", "olga", "Mess 1", "mess1"):
        assert private not in sent


@time_machine.travel(datetime.datetime(2026, 3, 10, 14, 0, tzinfo=IST), tick=True)
def test_a_failed_summary_leaves_the_digest_and_is_said_in_the_run_log(model, mess1, official):
    model.answer = "500"
    feedback(mess1, TODAY, "lunch", 4, "Insects in the dal")

    summary = notifications_send(meal="lunch")

    assert summary.endswith("; 0 summaries by the language model, 1 failed (the model's server answered 500)")
    assert Notification.objects.get().summary == ""
    assert "What they are about:\n- Foreign object: 1 entry" in mail.outbox[0].body


@time_machine.travel(datetime.datetime(2026, 3, 10, 14, 0, tzinfo=IST), tick=True)
def test_a_slow_model_never_holds_the_run_past_its_budget(model, mess1, settings, official):
    model.answer = "slow"
    settings.LLM_TIMEOUT, settings.LLM_RUN_SECONDS = 1, 1
    for meal in ("breakfast", "lunch"):
        feedback(mess1, TODAY, meal, 4, f"Insects at {meal}")

    summary = notifications_send(meal="lunch")

    # the first call spends the run's whole budget; the second is not even asked
    assert "0 summaries by the language model, 2 failed (no answer within 1 s; no time left of the run's 1 s)" in summary
    assert len(model.requests) == 1
    assert len(mail.outbox) == 1  # the e-mail of both meals went out all the same


def test_without_a_model_nothing_is_asked(mess1, official, settings):
    settings.LLM_API_URL = ""
    with time_machine.travel(datetime.datetime(2026, 3, 10, 14, 0, tzinfo=IST), tick=False):
        feedback(mess1, TODAY, "lunch", 4, "Insects in the dal")
        summary = notifications_send(meal="lunch")

    assert "language model" not in summary and Notification.objects.get().summary == ""
