/* The kiosk's service worker: keeps the last copy of the display, its assets, its data and its pictures, so
   that the kiosk goes on showing them while the network is down. Network first (the data is live), the
   cache when the network fails; pictures (which never change under their id) from the cache first. A refusal
   (401/403: the token was revoked) empties the cache: a signed-out kiosk shows nothing. */
"use strict";
var CACHE = "eschool-kiosk-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "precache" && Array.isArray(data.urls)) {
    event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(data.urls); }).catch(function () {}));
  }
});

function offline(response) {
  var headers = new Headers(response.headers);
  headers.set("X-Kiosk-Offline", "1");
  return response.blob().then(function (body) {
    return new Response(body, {status: response.status, statusText: response.statusText, headers: headers});
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) { return; }
  var picture = request.url.indexOf("/pictures/") !== -1;
  event.respondWith(caches.open(CACHE).then(function (cache) {
    var cached = function () {
      return cache.match(request, {ignoreVary: true}).then(function (hit) {
        return hit ? offline(hit) : Response.error();
      });
    };
    if (picture) {
      return cache.match(request, {ignoreVary: true}).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) { cache.put(request, response.clone()); }
          return response;
        });
      });
    }
    return fetch(request).then(function (response) {
      if (response.ok) {
        cache.put(request, response.clone());
      } else if (response.status === 401 || response.status === 403) {
        caches.delete(CACHE);
      }
      return response;
    }, cached);
  }));
});
