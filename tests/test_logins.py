"""Login throttling: a username at one address, an address across usernames, the client's address
behind trusted proxies, and the password forms counted like logins."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from mess.logins import client_address

User = get_user_model()
LOGIN = "/admin/login/"


def attempt(client, username, password, ip="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip)


def test_login_is_locked_after_five_failed_attempts(client, admin):
    for _ in range(4):
        assert attempt(client, "ada", "wrong").status_code == 200  # the form again, with its error
    assert attempt(client, "ada", "wrong").status_code == 429  # the fifth failure locks
    locked = attempt(client, "ada", "pw-ada-123")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_lock_out_others(client, admin):
    get_user_model().objects.create_superuser(username="bea", email="bea@example.org", password="pw-bea-123")
    for _ in range(5):
        attempt(client, "ada", "wrong")
    assert attempt(client, "ada", "pw-ada-123", ip="10.0.0.8").status_code == 302
    client.logout()
    assert attempt(client, "bea", "pw-bea-123").status_code == 302


def test_a_successful_login_resets_the_count(client, admin):
    for _ in range(4):
        attempt(client, "ada", "wrong")
    assert attempt(client, "ada", "pw-ada-123").status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "ada", "wrong")
    assert attempt(client, "ada", "pw-ada-123").status_code == 302


def test_the_lockout_page_says_how_long_and_offers_a_reset(client, admin):
    for _ in range(5):
        response = attempt(client, "ada", "wrong")

    page = " ".join(response.content.decode().split())
    assert response.status_code == 429
    assert "wrong 5 times" in page and "for 15 minutes after the last try" in page
    assert reverse("password_reset") in page and 'class="card narrow"' in page


def test_an_address_is_refused_after_100_failures_across_usernames(client, admin):
    for n in range(100):  # 25 accounts, 4 tries each: no single account is locked
        assert attempt(client, f"user{n % 25}", "wrong").status_code in (200, 429)

    refused = attempt(client, "ada", "pw-ada-123")
    assert refused.status_code == 429 and "from your network" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert attempt(client, "ada", "pw-ada-123", ip="10.0.0.8").status_code == 302


def test_a_hostel_behind_one_address_is_not_refused_for_ordinary_mistakes(client, admin):
    for n in range(60):
        attempt(client, f"student{n}", "typo")

    assert attempt(client, "ada", "pw-ada-123").status_code == 302


def test_an_account_that_logs_in_no_longer_counts_against_its_address(client, admin, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    for _ in range(4):
        attempt(client, "ada", "wrong")
    attempt(client, "ada", "pw-ada-123")
    client.logout()
    for n in range(7):
        attempt(client, f"other{n}", "wrong")

    assert attempt(client, "ada", "pw-ada-123").status_code == 302


def behind_proxy(client, username, password, *, forwarded_for, proxy="10.9.9.9"):
    data = {"username": username, "password": password, "next": "/admin/"}
    return client.post(LOGIN, data, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded_for)


def test_behind_a_trusted_proxy_each_client_is_throttled_on_its_own(client, admin, settings):
    settings.TRUSTED_PROXIES = 1
    for _ in range(5):
        behind_proxy(client, "ada", "wrong", forwarded_for="198.51.100.7")
    # what the client writes before the proxy's own entry changes nothing
    assert behind_proxy(client, "ada", "pw-ada-123", forwarded_for="203.0.113.9, 198.51.100.7").status_code == 429

    assert behind_proxy(client, "ada", "pw-ada-123", forwarded_for="203.0.113.9").status_code == 302


def test_without_trusted_proxies_the_header_is_ignored(client, admin):
    for _ in range(5):
        behind_proxy(client, "ada", "wrong", forwarded_for="198.51.100.7")

    assert behind_proxy(client, "ada", "pw-ada-123", forwarded_for="203.0.113.9").status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "203.0.113.9", "10.9.9.9"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.1.1.1", "203.0.113.9"),
        (2, "203.0.113.9", "10.9.9.9"),  # the request did not come through both proxies
        (1, "", "10.9.9.9"),
        (0, "", "2001:db8:1:2::7"),  # with REMOTE_ADDR below: an IPv6 address counts as its /64
    ],
)
def test_the_client_address_is_read_from_the_right_by_the_number_of_proxies(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXIES = proxies
    remote = "2001:db8:1:2:aaaa:bbbb:cccc:dddd" if ":" in expected else "10.9.9.9"
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_address(request) == (expected.replace("::7", "::") if ":" in expected else expected)


def test_wrong_old_passwords_lock_the_password_change_and_the_login(client, admin):
    client.force_login(admin)
    data = {"old_password": "wrong", "new_password1": "a-long-new-secret-7", "new_password2": "a-long-new-secret-7"}
    for _ in range(4):
        assert client.post(reverse("password_change"), data, REMOTE_ADDR="10.0.0.7").status_code == 200
    assert client.post(reverse("password_change"), data, REMOTE_ADDR="10.0.0.7").status_code == 429

    right = {**data, "old_password": "pw-ada-123"}
    assert client.post(reverse("password_change"), right, REMOTE_ADDR="10.0.0.7").status_code == 429
    admin.refresh_from_db()
    assert admin.check_password("pw-ada-123")
    client.logout()
    assert attempt(client, "ada", "pw-ada-123").status_code == 429


def test_reset_requests_are_counted_so_nobody_floods_an_inbox(client, admin):
    for email in ("ada@example.org", "ADA@example.org", "Ada@Example.org", "ada@EXAMPLE.ORG", "ada@example.org"):
        assert client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR="10.0.0.7").status_code == 302
    assert len(mail.outbox) == 5

    assert client.post(reverse("password_reset"), {"email": "aDa@example.org"}, REMOTE_ADDR="10.0.0.7").status_code == 429
    assert len(mail.outbox) == 5
    assert client.post(reverse("password_reset"), {"email": "ada@example.org"}, REMOTE_ADDR="10.0.0.8").status_code == 302


def test_the_case_of_a_username_does_not_buy_more_tries(client, admin):
    for username in ("ada", "ADA", "Ada", "aDa", "adA"):
        attempt(client, username, "wrong")

    assert attempt(client, "ada", "pw-ada-123").status_code == 429


def test_the_admin_sites_password_page_counts_wrong_old_passwords_too(client, admin):
    client.force_login(admin)
    data = {"old_password": "wrong", "new_password1": "a-long-new-secret-7", "new_password2": "a-long-new-secret-7"}
    for _ in range(4):
        assert client.post("/admin/password_change/", data, REMOTE_ADDR="10.0.0.7").status_code == 200

    assert client.post("/admin/password_change/", data, REMOTE_ADDR="10.0.0.7").status_code == 429


def test_setting_a_new_password_by_e_mail_ends_the_lockout(client, admin):
    for _ in range(5):
        attempt(client, "ada", "wrong")
    assert attempt(client, "ada", "pw-ada-123").status_code == 429

    client.post(reverse("password_reset"), {"email": "ada@example.org"}, REMOTE_ADDR="10.0.0.8")
    link = re.search(r"https?://\S+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form, {"new_password1": "a-long-new-secret-7", "new_password2": "a-long-new-secret-7"})

    assert attempt(client, "ada", "a-long-new-secret-7").status_code == 302
