"""The tests' jobs, declared as any app declares its own, in its jobs.py: among them a parameter of
every kind a job may take, default schedules of every kind, a job that always fails and one that
takes its time. Only scheduling.tests.settings installs their app, so no project ever runs them."""

import datetime
import time

from django.contrib.auth import get_user_model
from django.utils import timezone

from scheduling.registry import DefaultSchedule, Job, Param, bool_value, cron, date_value, positive_int, register
from scheduling.watchers import watchers_register

# The words echo says, and when each one's default schedule says it: data a default schedule is
# computed from, as an app's own data would be (a test changes it as an admin would change those).
WORDS = {"morning": "0 9 * * *", "noon": "0 14 * * *", "evening": "0 18 * * *", "night": "0 21 * * *"}

# What echo said, in order: the tests see from it that the job itself ran, and with what.
SAID: list[str] = []


def a_word(value) -> str:
    word = str(value).strip().lower()
    if word not in WORDS:
        raise ValueError(f"unknown word {value!r}; the words are: {', '.join(WORDS)}")
    return word


def a_day_that_has_been(value) -> datetime.date:
    day = date_value(value)
    if day > timezone.localdate():
        raise ValueError(f"{day} is in the future")
    return day


def a_username(value) -> str:
    name = str(value).strip()
    if not get_user_model().objects.filter(username=name).exists():
        raise ValueError(f"no user called {name!r}")
    return name


def one_for_each_word(key: str) -> list[DefaultSchedule]:
    """One schedule per word, at the word's time, that says it."""
    return [DefaultSchedule(name=f"{key}:{word}", cron=when, kwargs={"word": word}) for word, when in WORDS.items()]


def echo(*, word: str, times: int = 1, loud: bool = False, day: datetime.date | None = None) -> str:
    """Says `word` `times` times, in capitals if `loud`."""
    said = " ".join([word.upper() if loud else word] * times)
    SAID.append(said)
    return f"said {said}" + (f" of {day}" if day else "")


def tick(*, username: str | None = None) -> str:
    return f"ticked for {username or 'everyone'}"


def sleep(*, seconds: int = 0) -> str:
    time.sleep(seconds)
    return f"slept {seconds} s"


def fail() -> str:
    raise RuntimeError("it fails, as it always does")


def a_word_list(value) -> str:
    """Words separated by commas, each known or "bad"."""
    words = [w.strip().lower() for w in str(value).split(",") if w.strip()]
    for word in words:
        if word != "bad":
            a_word(word)
    return ",".join(words)


def word_parts(kwargs: dict) -> list[tuple[str, str]]:
    """One part per word of `words`, as a project's job has one per mess."""
    return [(word, f"word {word}") for word in kwargs["words"].split(",") if word]


def echo_each(*, words: str, word: str | None = None) -> str:
    """Says each of `words`, or only `word`; "bad" fails, as one mess's broken data would."""
    said = []
    for w in [word] if word else words.split(","):
        if w == "bad":
            raise ValueError("the word bad cannot be said")
        SAID.append(w)
        said.append(w)
    return f"said {' '.join(said)}"


def superusers_emails() -> list[str]:
    return list(get_user_model().objects.filter(is_superuser=True).exclude(email="").values_list("email", flat=True))


register(
    Job(
        key="echo",
        func=echo,
        description="Says a word.",
        default_schedules=one_for_each_word,
        params=(
            Param("word", a_word, required=True, metavar="WORD", help=f"The word to say: {', '.join(WORDS)}."),
            Param("times", positive_int, metavar="N", help="How many times to say it."),
            Param("loud", bool_value, help="Say it in capitals."),
            Param("day", a_day_that_has_been, help="The day it is said of (YYYY-MM-DD), today at the latest."),
        ),
    ),
    Job(
        key="tick",
        func=tick,
        description="Ticks every hour.",
        default_schedules=cron("0 * * * *"),
        params=(Param("username", a_username, flag="--user", metavar="NAME", help="Only for this user."),),
    ),
    Job(
        key="sleep",
        func=sleep,
        description="Sleeps for a while, at five past every hour.",
        default_schedules=cron("5 * * * *"),
        params=(Param("seconds", positive_int, metavar="N", help="How long."),),
    ),
    Job(
        key="echo_each",
        func=echo_each,
        description="Says each word, a part per word.",
        default_schedules=lambda key: [],
        params=(Param("words", a_word_list, required=True, metavar="WORDS", help="The words, separated by commas."),),
        parts=word_parts,
        part_param="word",
    ),
    Job(
        key="fail",
        func=fail,
        description="Fails, every day at 07:00.",
        default_schedules=cron("0 7 * * *"),
    ),
)

# The superusers hear when a schedule starts failing, recovers, or is late.
watchers_register(superusers_emails)
