"""The language ManageIt speaks to a person: the one they picked with the switch (saved on their
profile when signed in, in the language cookie always), else their browser's Accept-Language, else
English (mess/languages.py, mess/views/languages.py)."""

import re

import pytest
from django.conf import settings
from django.test import Client

from mess.models import Profile
from mess.people import profile_language_set


def page_language(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_a_profile_has_no_language_until_its_person_picks_one_and_signing_in_picks_none(client, student):
    assert student.profile.language == ""
    response = client.post("/accounts/login/", {"username": "alice", "password": "pw-alice-123"}, HTTP_ACCEPT_LANGUAGE="hi")
    assert response.status_code == 302
    student.profile.refresh_from_db()
    assert student.profile.language == ""


def test_with_no_choice_the_browser_chooses_else_english(client, student):
    client.force_login(student)
    assert page_language(client.get("/feedback/")) == "en"
    assert page_language(client.get("/feedback/", HTTP_ACCEPT_LANGUAGE="hi,en;q=0.8")) == "hi"


def test_anyone_may_pick_a_language_which_their_browser_keeps(client, db):
    response = client.post("/language/", {"language": "hi", "next": "/accounts/login/"})

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "hi"
    assert page_language(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")) == "hi"


def test_a_signed_in_persons_pick_is_saved_and_follows_them_to_another_browser(client, student):
    client.force_login(student)
    client.post("/language/", {"language": "hi", "next": "/feedback/"})

    student.profile.refresh_from_db()
    assert student.profile.language == "hi"
    elsewhere = Client()
    elsewhere.force_login(student)
    assert page_language(elsewhere.get("/feedback/", HTTP_ACCEPT_LANGUAGE="en")) == "hi"


def test_the_profiles_pick_wins_over_the_browser_and_the_cookie(client, student):
    profile_language_set(user=student, language="en")
    client.force_login(student)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"
    assert page_language(client.get("/feedback/", HTTP_ACCEPT_LANGUAGE="hi")) == "en"


def test_a_superuser_without_a_profile_gets_one_when_they_pick(client, admin):
    Profile.objects.filter(user=admin).delete()
    client.force_login(admin)
    client.post("/language/", {"language": "hi"})
    assert Profile.objects.get(user=admin).language == "hi"
    assert page_language(Client(HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/")) == "en"
    assert page_language(client.get("/overview/", HTTP_ACCEPT_LANGUAGE="en")) == "hi"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", ""])
def test_it_goes_back_only_to_this_site(client, student, next_url):
    client.force_login(student)
    response = client.post("/language/", {"language": "hi", "next": next_url})
    assert response["Location"] == "/"


def test_a_language_manageit_does_not_speak_changes_nothing_and_says_so(client, student):
    client.force_login(student)
    response = client.post("/language/", {"language": "fr", "next": "/feedback/"}, follow=True)

    student.profile.refresh_from_db()
    assert student.profile.language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies or not response.cookies[settings.LANGUAGE_COOKIE_NAME].value
    assert "Language: choose one of the languages listed." in response.content.decode()
    with pytest.raises(ValueError, match="language"):
        profile_language_set(user=student, language="fr")
    student.profile.refresh_from_db()
    assert student.profile.language == ""


def test_the_switch_is_on_the_login_page_and_in_every_signed_in_header(client, student):
    for response in (client.get("/accounts/login/?next=/feedback/"), None):
        if response is None:
            client.force_login(student)
            response = client.get("/feedback/")
        html = response.content.decode()
        assert 'action="/language/"' in html
        assert '<label for="language-switch">भाषा / Language</label>' in html
        assert '<option value="hi" lang="hi">हिन्दी</option>' in html


def test_an_admin_sees_a_persons_language_and_cannot_change_it(client, admin, student):
    profile_language_set(user=student, language="hi")
    client.force_login(admin)
    page = client.get(f"/admin/mess/profile/{student.profile.pk}/change/").content.decode()
    assert 'name="language"' not in page and "हिन्दी" in page
    url = f"/admin/mess/profile/{student.profile.pk}/change/"
    client.post(url, {"user": student.pk, "mess": student.profile.mess_id, "language": "en"})
    student.profile.refresh_from_db()
    assert student.profile.language == "hi"


def test_after_a_refused_post_the_switch_goes_back_to_the_front_page(client, student):
    client.force_login(student)
    page = client.post("/mess-change/", {}).content.decode()
    assert '<input type="hidden" name="next" value="">' in page
