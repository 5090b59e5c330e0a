"""E-mails in each recipient's language (mess/emails.py): the language they picked, else English;
one e-mail per language where the recipients of one picked different languages."""

from django.core import mail

from mess.emails import Email, email_send, emails_store, languages_split
from mess.models import OutgoingEmail
from mess.people import people_invite, profile_language_set

CONTEXT = {"link": "https://manageit.example/set/", "expires": "3 days", "site_url": "https://manageit.example"}


def test_an_official_who_picked_hindi_gets_the_hindi_subject_and_the_others_english(official, other_official):
    profile_language_set(user=official, language="hi")

    email_send(template="invitation", context={**CONTEXT, "user": official}, to=["olga@example.org", "oscar@example.org"])

    by_to = {tuple(m.to): m for m in mail.outbox}
    assert set(by_to) == {("olga@example.org",), ("oscar@example.org",)}
    assert by_to["olga@example.org",].subject == "[ManageIt] अपना पासवर्ड बनाएँ"
    assert "नमस्ते" in by_to["olga@example.org",].body
    assert by_to["oscar@example.org",].subject == "[ManageIt] Set your password"


def test_recipients_of_one_language_get_one_e_mail(official, other_official):
    email_send(template="invitation", context={**CONTEXT, "user": official}, to=["olga@example.org", "oscar@example.org"])
    assert [m.to for m in mail.outbox] == [["olga@example.org", "oscar@example.org"]]


def test_an_invitation_goes_in_the_students_language(student):
    profile_language_set(user=student, language="hi")
    people_invite(users=[student])
    assert mail.outbox[0].subject == "[ManageIt] अपना पासवर्ड बनाएँ"


def test_a_stored_e_mail_is_split_by_language_and_its_item_linked_to_one(official, other_official, student):
    profile_language_set(user=other_official, language="hi")
    linked = []
    email = Email(
        template="password-reset", context={**CONTEXT, "user": official}, to=["olga@example.org", "oscar@example.org", "alice@example.org"]
    )

    stored = emails_store(emails=[(email, "the item")], link=linked.extend)

    assert [(e.to, e.subject) for e in stored] == [
        (["olga@example.org", "alice@example.org"], "[ManageIt] Reset your password"),
        (["oscar@example.org"], "[ManageIt] अपना पासवर्ड बदलें"),
    ]
    assert OutgoingEmail.objects.count() == 2
    assert linked == [(stored[0], "the item")]


def test_unknown_addresses_and_those_who_picked_nothing_get_english(official):
    assert languages_split(["nobody@example.org", "olga@example.org"]) == [("en", ["nobody@example.org", "olga@example.org"])]
    assert languages_split([]) == []
