{% load static %}/* ManageIt's service worker (served at /sw.js, so that its scope is the whole site): it shows the
   notifications ManageIt sends (mess/push.py: a JSON title, body and url) and opens their page when
   one is tapped. It caches nothing: every page comes from ManageIt itself. */
"use strict";

self.addEventListener("push", function (event) {
  var message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { body: event.data.text() };
  }
  event.waitUntil(
    self.registration.showNotification(message.title || "ManageIt", {
      body: message.body || "",
      icon: "{% static 'favicon.svg' %}",
      data: { url: message.url || "/" },
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (url.origin !== self.location.origin) {
    url = new URL("/", self.location.origin); // ManageIt's own pages only
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === url.href && "focus" in windows[i]) {
          return windows[i].focus();
        }
      }
      return self.clients.openWindow(url.href);
    })
  );
});
