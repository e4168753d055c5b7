/* The timetable's week editor: each place of the week (a cell) is saved when the administrator leaves it
 * (or presses Enter in it), through the page's JSON endpoint with the page's session and CSRF token. The
 * answer is the cell drawn again (the teacher of the subject filled in, the lessons' ids); a refusal (a
 * teacher, a room or the class booked twice, an unknown name) is shown in the cell at once and what was
 * typed stays, to be corrected. Without this script the whole week is one form with a Save button.
 */
(function () {
  "use strict";

  var form = document.getElementById("tt-form");
  if (!form || !window.fetch) { return; }
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var url = form.getAttribute("data-cell-url");
  var classId = +form.getAttribute("data-class");
  var status = document.getElementById("tt-status");
  var FIELDS = ["entry", "subgroup", "subject", "teacher", "room"];

  function say(message, bad) {
    if (!status) { return; }
    status.textContent = message;
    status.className = "tt-status" + (bad ? " bad" : "");
  }

  function rowsOf(td) {
    return Array.prototype.map.call(td.querySelectorAll(".tt-row"), function (row) {
      var out = {};
      FIELDS.forEach(function (key) {
        var el = row.querySelector('[name$="-' + key + '"]');
        out[key] = el ? el.value.trim() : "";
      });
      return out;
    });
  }

  function label(td) {
    var input = td.querySelector("input.tt-subject");
    return input ? (input.getAttribute("aria-label") || "").split(":")[0] : "";
  }

  function refuse(td, error) {
    var message = error.message || form.getAttribute("data-msg-error");
    td.classList.add("clash");
    td.querySelector(".tt-msg").textContent = message;
    Array.prototype.forEach.call(td.querySelectorAll("[aria-invalid]"), function (el) { el.removeAttribute("aria-invalid"); });
    Object.keys(error.fields || {}).forEach(function (field) {
      var match = /^rows\.(\d+)\.(\w+)_id$/.exec(field);
      if (!match) { return; }
      var row = td.querySelectorAll(".tt-row")[+match[1]];
      var el = row && row.querySelector('[name$="-' + match[2] + '"]');
      if (el) { el.setAttribute("aria-invalid", "true"); }
    });
    say(label(td) + ": " + message, true);
  }

  /* Saves of one cell run one after the other; a cell is sent only when it differs from the last answer. */
  function save(td) {
    td._queue = (td._queue || Promise.resolve()).then(function () {
      var rows = rowsOf(td), wanted = JSON.stringify(rows);
      if (wanted === td._saved) { return null; }
      td.classList.add("saving");
      say(form.getAttribute("data-msg-saving"), false);
      return fetch(url, {method: "POST", credentials: "same-origin",
                         headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
                         body: JSON.stringify({class_id: classId, weekday: +td.getAttribute("data-weekday"),
                                               number: +td.getAttribute("data-number"), rows: rows})})
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            return {ok: response.ok, data: data};
          });
        })
        .then(function (result) {
          td.classList.remove("saving");
          if (!result.ok) { refuse(td, result.data.error || {}); return; }
          var inside = td.contains(document.activeElement);
          td.innerHTML = result.data.html;
          td.classList.remove("clash");
          td._saved = JSON.stringify(rowsOf(td));
          if (inside) { var first = td.querySelector("input.tt-subject"); if (first) { first.focus(); } }
          say(label(td) + ": " + result.data.message, false);
        }, function () {
          td.classList.remove("saving");
          refuse(td, {});
        });
    });
    return td._queue;
  }

  Array.prototype.forEach.call(form.querySelectorAll("td.tt-cell"), function (td) {
    td._saved = td.classList.contains("clash") ? null : JSON.stringify(rowsOf(td));
    td.addEventListener("focusout", function () {
      // where the focus went is known once it has arrived (relatedTarget is not always set)
      window.setTimeout(function () { if (!td.contains(document.activeElement)) { save(td); } }, 0);
    });
    td.addEventListener("change", function (e) {
      if (e.target.tagName === "SELECT") { save(td); }
    });
    td.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && e.target.tagName === "INPUT") { e.preventDefault(); save(td); }
    });
  });
}());
