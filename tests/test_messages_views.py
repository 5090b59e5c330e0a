"""The settings page's messages to phones, a browser's push subscription, and the service worker."""

import pytest
from django.test import Client

from mess.messages import channel_choices
from mess.models import PushSubscription
from mess.push import vapid_keys_generate
from tests.push_service import BrowserKeys

PUBLIC, PRIVATE = vapid_keys_generate()
ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc:123"


@pytest.fixture
def vapid(settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = PUBLIC, PRIVATE


def test_a_student_chooses_what_reaches_their_phone(as_student, student, vapid):
    page = as_student.get("/settings/")
    assert page.context["form"] is None  # no e-mails for students
    assert list(page.context["channel_form"].fields) == [
        "reply__push",
        "announcement__push",
        "menu_change__push",
        "menu__push",
        "cutoff_reminder__push",
        "mess_change__push",
    ]
    form = page.context["channel_form"]
    assert form["reply__push"].value() is True and form["announcement__push"].value() is False  # only replies by default
    assert '<label class="visually-hidden" for="id_reply__push">A reply to my comment by Web Push</label>' in page.text
    assert f'data-key="{PUBLIC}"' in page.text and "js/push.js" in page.text
    assert "Telegram" not in page.text

    response = as_student.post("/settings/", {"announcement__push": "on"}, follow=True)

    assert "Your choices are saved." in response.text
    choices = channel_choices(user=student)
    assert choices[("announcement", "push")] and not choices[("reply", "push")] and not choices[("menu_change", "push")]


def test_an_official_may_have_their_emails_on_their_phone_too(as_official, official, vapid):
    page = as_official.get("/settings/")
    assert list(page.context["channel_form"].fields) == ["critical__push", "missing_waste__push", "daily_report__push", "cook_sheet__push"]
    assert not any(field.value() for field in page.context["channel_form"])  # off until chosen

    as_official.post("/settings/", {"critical__push": "on", "emails_critical": "on"}, follow=True)

    choices = channel_choices(user=official)
    assert choices[("critical", "push")] and not choices[("daily_report", "push")]


def test_without_vapid_keys_push_is_not_offered(as_student):
    page = as_student.get("/settings/")
    assert not page.context["channel_form"].fields
    assert "js/push.js" not in page.text and 'id="push"' not in page.text
    assert "ManageIt sends no messages to phones here yet" in page.text


def test_the_telegram_column_shows_once_its_bot_is_set_up(as_student, student, vapid, settings):
    settings.TELEGRAM_BOT_TOKEN = "123:abc"
    page = as_student.get("/settings/")
    assert list(page.context["channel_form"].fields)[:2] == ["reply__push", "reply__telegram"]
    assert 'href="/settings/telegram/"' in page.text
    as_student.post("/settings/", {"reply__telegram": "on"})
    choices = channel_choices(user=student)
    assert choices[("reply", "telegram")] and not choices[("reply", "push")]


def test_an_official_sees_their_e_mails_and_saves_them_with_the_same_button(as_official, official, vapid):
    page = as_official.get("/settings/")
    assert page.context["form"] is not None and 'id="push"' in page.text
    as_official.post("/settings/", {"emails_critical": "on"})
    official.profile.refresh_from_db()
    assert official.profile.emails_critical and not official.profile.emails_daily_report


def test_a_browser_subscribes_and_unsubscribes(student, vapid):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(student)
    token = browser.get("/settings/").context["csrf_token"]
    keys = BrowserKeys()
    post = {"endpoint": ENDPOINT, "p256dh": keys.p256dh, "auth": keys.auth}

    assert browser.post("/settings/push/", post).status_code == 403  # no CSRF token
    response = browser.post("/settings/push/", {**post, "csrfmiddlewaretoken": str(token)})
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert list(PushSubscription.objects.values_list("user", "endpoint", "p256dh", "auth")) == [
        (student.pk, ENDPOINT, keys.p256dh, keys.auth)
    ]

    refused = browser.post("/settings/push/", {**post, "endpoint": "http://10.0.0.1/", "csrfmiddlewaretoken": str(token)})
    assert refused.status_code == 400 and "not one ManageIt can send to" in refused.json()["error"]

    response = browser.post("/settings/push/remove/", {"endpoint": ENDPOINT, "csrfmiddlewaretoken": str(token)})
    assert response.status_code == 200 and not PushSubscription.objects.exists()


def test_the_service_worker_is_served_at_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    body = response.content.decode()
    assert 'addEventListener("push"' in body and "showNotification" in body and "{%" not in body
