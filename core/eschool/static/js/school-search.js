// The modules page's school search, found while typing: the form works as a plain GET form; this script
// asks the same page for the typed words and puts its list of schools in place (no other endpoint).
(function () {
  "use strict";
  document.querySelectorAll("form[data-live-search]").forEach(function (form) {
    var input = form.querySelector("input[type=search]");
    var targetId = form.getAttribute("data-live-search");
    if (!input || !targetId || !window.fetch || !window.DOMParser) return;
    var timer = null;
    var controller = null;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (input.value.trim().length < 2) return;
        if (controller) controller.abort();
        controller = window.AbortController ? new AbortController() : null;
        var url = new URL(form.getAttribute("action") || window.location.pathname, window.location.href);
        new FormData(form).forEach(function (value, key) { url.searchParams.set(key, value); });
        fetch(url.toString(), {credentials: "same-origin", signal: controller ? controller.signal : undefined})
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (html) {
            if (html === null) return;
            var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(targetId);
            var current = document.getElementById(targetId);
            if (fresh && current) current.replaceWith(fresh);
          })
          .catch(function () { /* a newer search took over, or the network failed: the form still works */ });
      }, 250);
    });
  });
})();
