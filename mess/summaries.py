"""An optional summary of a notification's critical comments by a language model, for busy officials:
off unless LLM_API_URL names an OpenAI-compatible chat-completions endpoint (self-hosted or not).
Only the comments' text is sent, never who wrote them. A summary is at most SUMMARY_LENGTH characters;
a call that times out, fails or answers something unusable raises SummaryFailed, and the caller goes
on without it."""

import json
import urllib.error
import urllib.request

from django.conf import settings

SUMMARY_LENGTH = 400
PROMPT = (
    "You help the officials of a college mess (dining hall). Below are students' complaints about one meal, one per "
    "line. Summarise them in at most 300 characters of plain text: what went wrong, how often, and the most serious "
    "problem first (food safety before taste). Do not invent anything and do not address the students."
)


class SummaryFailed(Exception):
    """Why there is no summary: in words, for the run log."""


def summaries_enabled() -> bool:
    return bool(settings.LLM_API_URL)


def summary_ask(*, comments: list[str], timeout: float) -> str:
    """The model's summary of `comments`, cut to SUMMARY_LENGTH characters at a word. Raises
    SummaryFailed after `timeout` seconds without an answer, on an HTTP or network error, or for an
    answer that holds no text."""
    body = {
        "model": settings.LLM_MODEL,
        "messages": [{"role": "system", "content": PROMPT}, {"role": "user", "content": "\n".join(f"- {c}" for c in comments)}],
        "max_tokens": 200,
        "temperature": 0,
    }
    headers = {"Content-Type": "application/json"}
    if settings.LLM_API_KEY:
        headers["Authorization"] = f"Bearer {settings.LLM_API_KEY}"
    request = urllib.request.Request(settings.LLM_API_URL, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read(1 << 20))
    except TimeoutError:
        raise SummaryFailed(f"no answer within {round(timeout, 1):g} s") from None
    except urllib.error.HTTPError as error:
        raise SummaryFailed(f"the model's server answered {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise SummaryFailed(f"no answer within {round(timeout, 1):g} s") from None
        raise SummaryFailed(f"the model's server could not be reached ({reason})") from None
    except ValueError:
        raise SummaryFailed("the model's answer is not JSON") from None
    try:
        text = answer["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise SummaryFailed("the model's answer holds no message") from None
    if not isinstance(text, str) or not text.strip():
        raise SummaryFailed("the model's answer is empty")
    return _cut(" ".join(text.split()))


def _cut(text: str) -> str:
    if len(text) <= SUMMARY_LENGTH:
        return text
    cut = text[: SUMMARY_LENGTH - 1].rsplit(" ", 1)[0]
    return cut + "…"
