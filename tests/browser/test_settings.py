"""The settings page in a real browser, at phone width, for a student: what reaches their phone,
and Web Push turned on and off in the browser by keyboard (static/js/push.js), the service worker
registered from /sw.js under the site's CSP. Chromium here has no push service to subscribe at, so
the browser's own PushManager.subscribe is replaced by one that hands back a subscription with real
keys; everything else (the worker, the script, the post with its CSRF token, the server) is real."""

import json

import pytest

from mess.messages import channel_choices
from mess.models import PushSubscription
from mess.push import vapid_keys_generate
from tests.browser.common import ARTIFACTS, BROWSER_TESTS, PHONE, fits, log_in, submit
from tests.push_service import BrowserKeys

pytestmark = BROWSER_TESTS

ENDPOINT = "https://fcm.googleapis.com/fcm/send/browser-test"

FAKE_PUSH_SERVICE = """
(() => {
  const keys = %s;
  let current = null;
  const fake = {
    endpoint: keys.endpoint,
    toJSON: () => ({ endpoint: keys.endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } }),
    unsubscribe: () => { current = null; return Promise.resolve(true); },
  };
  if (window.PushManager) {
    PushManager.prototype.subscribe = function (options) {
      window.askedWithKey = options.applicationServerKey.byteLength;
      current = fake;
      return Promise.resolve(fake);
    };
    PushManager.prototype.getSubscription = () => Promise.resolve(current);
  }
})();
"""


@pytest.fixture
def vapid(settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = vapid_keys_generate()


def test_a_student_chooses_messages_and_turns_push_on_and_off_by_keyboard(page, live_server, people, vapid, dialogs, csp_violations):
    keys = BrowserKeys()
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(FAKE_PUSH_SERVICE % json.dumps({"endpoint": ENDPOINT, "p256dh": keys.p256dh, "auth": keys.auth}))
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "alice", "pw-alice-123")
    submit(page, "header nav >> text=Settings")
    assert page.url == f"{live_server.url}/settings/"

    page.check("#id_announcement__push")
    submit(page, "main form button[type=submit]")
    assert "Your choices are saved." in page.locator(".messages").inner_text()
    assert channel_choices(user=people["student"])[("announcement", "push")]

    state = page.locator("#push-state")
    state.filter(has_text="Notifications are off in this browser.").wait_for()
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)") == f"{live_server.url}/"

    page.focus("#push-on")
    page.keyboard.press("Enter")
    state.filter(has_text="Notifications are on in this browser.").wait_for()
    assert page.evaluate("window.askedWithKey") == 65  # the VAPID public key, as the browser takes it
    assert page.evaluate("document.activeElement.id") == "push-off"  # the keyboard keeps its place
    stored = PushSubscription.objects.get()
    assert (stored.user, stored.endpoint, stored.p256dh, stored.auth) == (people["student"], ENDPOINT, keys.p256dh, keys.auth)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "settings-student-phone.png", full_page=True)
    assert fits(page, PHONE["width"])

    page.keyboard.press("Enter")
    state.filter(has_text="Notifications are off in this browser.").wait_for()
    assert not PushSubscription.objects.exists()
    assert page.evaluate("document.activeElement.id") == "push-on"
    assert dialogs == []
    assert csp_violations == []
