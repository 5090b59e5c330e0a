"""Login throttling: a username at one address, an address across usernames, the client's address
behind trusted proxies, and the password forms counted like logins."""

import datetime
import re
import threading

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from mess.logins import DEVICE_COOKIE, DEVICE_DAYS, address_reserve, client_address
from mess.models import LoginAddress
from tests.helpers import reset_asked

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
        assert reset_asked(client, email, REMOTE_ADDR="10.0.0.7").status_code == 302
    assert len(mail.outbox) == 5

    assert reset_asked(client, "aDa@example.org", REMOTE_ADDR="10.0.0.7").status_code == 429
    assert len(mail.outbox) == 5
    assert reset_asked(client, "ada@example.org", REMOTE_ADDR="10.0.0.8").status_code == 302


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

    reset_asked(client, "ada@example.org", REMOTE_ADDR="10.0.0.8")
    link = re.search(r"https?://\S+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form, {"new_password1": "a-long-new-secret-7", "new_password2": "a-long-new-secret-7"})

    assert attempt(client, "ada", "a-long-new-secret-7").status_code == 302


# A spray from one address: slowed, never locking the hostel out


class CountingHasher(MD5PasswordHasher):
    """The tests' hasher, counting the passwords it checks (an unknown username is checked against
    a made-up password, so that it takes as long as a known one)."""

    checked = 0

    def verify(self, password, encoded):
        CountingHasher.checked += 1
        return super().verify(password, encoded)

    def encode(self, password, salt):
        CountingHasher.checked += 1
        return super().encode(password, salt)


@pytest.fixture
def counted(settings):
    settings.PASSWORD_HASHERS = ["tests.test_logins.CountingHasher"]
    CountingHasher.checked = 0
    return CountingHasher


START = datetime.datetime(2026, 3, 10, 21, 0, tzinfo=datetime.UTC)


def sign_out(client):
    """Signs out as a browser does, keeping its other cookies (the test client's logout drops them all)."""
    assert client.post(reverse("logout")).status_code == 302


def spray(client, attempts: int, *, usernames: int = 40, ip: str = "10.0.0.7") -> list:
    return [attempt(client, f"user{n % usernames}", f"guess{n}", ip=ip) for n in range(attempts)]


@time_machine.travel(START, tick=False)
def test_a_spray_is_refused_at_once_once_the_addresses_budget_is_spent(client, admin, counted):
    answers = spray(client, 120)

    assert [r.status_code for r in answers[:100]] == [200] * 100  # each password checked, and wrong
    assert counted.checked == 100
    refused = answers[100:]
    assert {r.status_code for r in refused} == {429} and counted.checked == 100  # no password checked: refused at once
    assert all(1 <= int(r["Retry-After"]) <= 18 for r in refused)
    page = " ".join(refused[0].content.decode().split())
    assert "from your network" in page and "try again in 18 seconds" in page


@time_machine.travel(START, tick=False)
def test_after_a_spray_someone_who_signed_in_on_this_browser_before_is_let_in_at_once(client, admin, counted):
    assert attempt(client, "ada", "pw-ada-123").status_code == 302
    sign_out(client)  # the browser keeps the cookie that says it signed in as ada
    spray(client, 120)

    assert attempt(client, "ada", "pw-ada-123").status_code == 302
    assert "_auth_user_id" in client.session
    sign_out(client)
    assert attempt(client, "ada", "wrong").status_code == 200  # still checked: her own typos are hers
    assert attempt(client, "bea", "pw-bea-123").status_code == 429  # the cookie is ada's alone


@time_machine.travel(START, tick=False)
def test_after_a_spray_someone_new_to_the_browser_waits_at_most_the_retry_after_they_are_told(client, admin):
    spray(client, 120)
    refused = attempt(Client(), "ada", "pw-ada-123")

    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert wait <= 18
    with time_machine.travel(START + datetime.timedelta(seconds=wait), tick=False):
        assert attempt(Client(), "ada", "pw-ada-123").status_code == 302


def test_a_spray_checks_at_most_300_passwords_in_its_first_hour_and_200_an_hour_after(db):
    def tries_in(hour: int) -> int:
        start = START + datetime.timedelta(hours=hour)
        seconds = range(0, 3600, 6)  # 3 tries at once every 6 s: more than the budget ever has
        return sum(address_reserve(address="10.0.0.7", now=start + datetime.timedelta(seconds=s)) == 0 for s in seconds for _ in range(3))

    first = tries_in(0)
    assert 299 <= first <= 300 and tries_in(1) == tries_in(2) == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_attempts_at_once_cannot_overdraw_an_addresss_budget(settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 10
    taken = []

    def attempts():
        try:
            taken.extend(address_reserve(address="10.0.0.7", now=START) == 0 for _ in range(5))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempts) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert (len(taken), sum(taken)) == (40, 10)


@time_machine.travel(START, tick=False)
def test_attempts_refused_while_locked_count_nowhere(client, admin, counted):
    for _ in range(5):
        attempt(client, "ada", "wrong")
    budget, checked = LoginAddress.objects.get().owed_until, counted.checked

    for minute in range(1, 15):
        with time_machine.travel(START + datetime.timedelta(minutes=minute), tick=False):
            assert attempt(client, "ada", "wrong").status_code == 429
            assert attempt(client, "ada", "pw-ada-123").status_code == 429

    assert AccessAttempt.objects.get(username="ada").failures_since_start == 5
    assert (LoginAddress.objects.get().owed_until, counted.checked) == (budget, checked)  # nothing spent, nothing checked
    with time_machine.travel(START + datetime.timedelta(minutes=15, seconds=1), tick=False):  # after the fifth failure, not the last try
        assert attempt(client, "ada", "pw-ada-123").status_code == 302


@time_machine.travel(START, tick=False)
def test_an_accounts_own_lockout_holds_even_on_a_browser_that_signed_in_before(client, admin):
    attempt(client, "ada", "pw-ada-123")
    sign_out(client)
    for _ in range(5):
        attempt(client, "ada", "wrong")

    locked = attempt(client, "ada", "pw-ada-123")
    assert locked.status_code == 429 and "wrong 5 times" in locked.content.decode()
    assert int(locked["Retry-After"]) == 15 * 60


def test_a_forged_or_expired_browser_cookie_is_no_way_past_the_budget(client, admin, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 2
    with time_machine.travel(START - datetime.timedelta(days=DEVICE_DAYS + 1), tick=False):
        attempt(client, "ada", "pw-ada-123")
        sign_out(client)
    expired = client.cookies[DEVICE_COOKIE].value
    with time_machine.travel(START, tick=False):
        spray(client, 3)
        assert attempt(client, "ada", "pw-ada-123").status_code == 429
        client.cookies[DEVICE_COOKIE] = expired.replace("ada", "bea")
        assert attempt(client, "ada", "pw-ada-123").status_code == 429
