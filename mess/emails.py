"""ManageIt's e-mails: rendered from template triples (`emails/<name>-subject.txt`, `-body.txt`,
`-body.html`), and, for those that must never go out twice, the one rule that claims, sends and
unclaims them."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

Item = TypeVar("Item")


@dataclass(frozen=True)
class Email:
    template: str
    context: dict
    to: list[str]


def email_send(*, template: str, context: dict, to: list[str], connection=None) -> None:
    """Renders `emails/<template>-subject.txt`, `-body.txt` and `-body.html` and sends them as one
    message to `to`. Raises if the mail server refuses it."""
    subject = " ".join(render_to_string(f"emails/{template}-subject.txt", context).split())
    text = render_to_string(f"emails/{template}-body.txt", context)
    html = render_to_string(f"emails/{template}-body.html", context)
    message = EmailMultiAlternatives(subject, text, to=to, connection=connection)
    message.attach_alternative(html, "text/html")
    message.send()


def emails_send_once(
    *, emails: Sequence[tuple[Email, Item]], claim: Callable[[list[Item]], None], unclaim: Callable[[list[Item]], None]
) -> list[Item]:
    """Sends e-mails that must never go out twice, each with the item it tells of (a report, a
    notification's entries). `claim` marks every item as e-mailed before anything is sent (it is
    called even with no items, so that a job may store its rows in the write that claims them); the
    e-mails then go out in order over one connection. If sending raises, `unclaim` unmarks the items
    whose e-mail was not sent, so that the next run sends them, and the error is raised again. A
    process killed while sending leaves its items marked: an e-mail may be lost, but none is ever
    sent twice. Returns the items, all sent."""
    items = [item for _, item in emails]
    claim(items)
    if not items:
        return []
    sent = 0
    try:
        with get_connection() as connection:
            for email, _ in emails:
                email_send(template=email.template, context=email.context, to=email.to, connection=connection)
                sent += 1
    except BaseException:
        if items[sent:]:
            unclaim(items[sent:])
        raise
    return items
