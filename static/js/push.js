/* Turning Web Push on and off in this browser, from /settings/ (mess/views/push.py): registers the
   service worker (/sw.js), asks the browser for a subscription with ManageIt's VAPID public key, and
   posts it (endpoint, keys.p256dh, keys.auth) with the page's CSRF token. The texts it shows are the
   page's own, translated, in the #push box's data-text-* attributes. */
(function () {
  "use strict";
  var box = document.getElementById("push");
  if (!box) {
    return;
  }
  var state = document.getElementById("push-state");
  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");

  function say(name) {
    state.textContent = box.getAttribute("data-text-" + name);
  }

  function show(subscribed, focus) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    say(subscribed ? "on" : "off");
    if (focus) {
      (subscribed ? off : on).focus(); // the button pressed is hidden now: keep the keyboard's place
    }
  }

  function applicationServerKey(text) {
    var base64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function post(url, subscription) {
    var json = subscription.toJSON();
    var data = new FormData();
    data.append("csrfmiddlewaretoken", document.querySelector("input[name=csrfmiddlewaretoken]").value);
    data.append("endpoint", json.endpoint);
    data.append("p256dh", (json.keys && json.keys.p256dh) || "");
    data.append("auth", (json.keys && json.keys.auth) || "");
    return fetch(url, { method: "POST", body: data, credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        throw new Error("ManageIt answered " + response.status);
      }
    });
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("unsupported");
    return;
  }

  var registered = navigator.serviceWorker.register("/sw.js", { scope: "/" });

  registered
    .then(function (registration) {
      return registration.pushManager.getSubscription();
    })
    .then(function (subscription) {
      show(Boolean(subscription), false);
      if (subscription) {
        return post(box.getAttribute("data-subscribe"), subscription); // ManageIt may have forgotten it (a 410)
      }
    })
    .catch(function () {
      say("unsupported");
    });

  on.addEventListener("click", function () {
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") {
          say("denied");
          return;
        }
        return registered
          .then(function (registration) {
            return registration.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: applicationServerKey(box.getAttribute("data-key")),
            });
          })
          .then(function (subscription) {
            return post(box.getAttribute("data-subscribe"), subscription);
          })
          .then(function () {
            show(true, true);
          });
      })
      .catch(function () {
        say("failed");
      });
  });

  off.addEventListener("click", function () {
    registered
      .then(function (registration) {
        return registration.pushManager.getSubscription();
      })
      .then(function (subscription) {
        if (!subscription) {
          return;
        }
        return post(box.getAttribute("data-unsubscribe"), subscription).then(function () {
          return subscription.unsubscribe();
        });
      })
      .then(function () {
        show(false, true);
      })
      .catch(function () {
        say("failed");
      });
  });
})();
