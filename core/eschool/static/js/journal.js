/* The journal grid: keyboard entry of marks and attendance, saved without reloading.
 *
 * A cell holds the student's marks in a lesson (slots 0, 1, ...) and an attendance letter. Typing in a
 * cell opens a small editor ("5", "54", "5 н", "н"); Enter, Tab, Shift+Tab or an arrow saves and moves;
 * F2 edits the cell's current content; Delete clears the cell; Escape cancels. Each change is one POST to
 * the journal's JSON endpoints with the version the cell was rendered with; a refusal (409 changed by
 * someone else, 403 not yours, 409 outside the edit window) is shown in the cell and the current value is
 * put back. Without this script the page still works: each date opens the lesson's plain form.
 *
 * The grid opens with the column of ``#lesson-<id>`` (the lesson form returns there), else today's, else
 * the last lesson before today, in view and active. A locked cell says why (the column's data-locked, the
 * server's own rule), not just "not saved". On a touch screen one tap opens the cell's editor, and Enter
 * goes on to the next student's cell with the editor open (one thumb, the keyboard stays up).
 */
(function () {
  "use strict";

  var table = document.getElementById("journal-grid");
  if (!table) { return; }
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var base = table.getAttribute("data-base");
  var scale = table.getAttribute("data-scale");
  var decimal = table.getAttribute("data-decimal") || ".";
  var letters = JSON.parse(table.getAttribute("data-letters") || "{}");
  var status = document.getElementById("journal-status");
  var KINDS = {"н": "absent", "б": "ill", "у": "excused", "оп": "late", "п": "late",
               "a": "absent", "i": "ill", "e": "excused", "l": "late",
               "absent": "absent", "ill": "ill", "excused": "excused", "late": "late"};
  Object.keys(letters).forEach(function (kind) { KINDS[letters[kind].toLowerCase()] = kind; });
  var PASS = {"+": "pass", "pass": "pass", "зач": "pass", "-": "fail", "fail": "fail", "незач": "fail", "н/з": "fail"};

  var rows = Array.prototype.map.call(table.querySelectorAll("tbody tr"), function (tr) {
    return Array.prototype.slice.call(tr.querySelectorAll("td.jcell"));
  }).filter(function (r) { return r.length; });
  if (!rows.length) { return; }
  var active = null;
  var editor = null;
  var touched = false;  // the last pointer was a finger (or a pen): a single tap edits
  var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  var heads = {};
  Array.prototype.forEach.call(table.querySelectorAll("thead th[data-lesson]"), function (th) {
    heads[th.getAttribute("data-lesson")] = th;
  });

  function head(cell) { return heads[cell.getAttribute("data-lesson")] || null; }

  /* Why the cell cannot be changed: not in the class that day, or the column's reason (the rule of
   * services.keep_refusal, which refuses the save on the server too). */
  function lockedWhy(cell) {
    if (cell.classList.contains("out")) { return table.getAttribute("data-msg-out"); }
    var th = head(cell);
    return (th && th.getAttribute("data-locked")) || table.getAttribute("data-msg-error");
  }

  function state(cell) {
    if (!cell._state) {
      cell._state = {marks: JSON.parse(cell.getAttribute("data-marks") || "[]"),
                     att: JSON.parse(cell.getAttribute("data-att") || "null")};
    }
    return cell._state;
  }

  function text(cell) {
    if (cell._pending) { return cell._typed; }
    var s = state(cell);
    var parts = s.marks.map(function (m) { return m.text || m.value; });
    if (s.att) { parts.push(s.att.text || letters[s.att.kind] || s.att.kind); }
    return parts.join(" ");
  }

  /* Draws the cell from its state. While the teacher is typing in this cell (an answer to an earlier save
   * arrived after F2 or a keystroke opened the editor) the editor stays: rebuilding the cell would remove
   * it and lose what is being typed; closing the editor draws the cell. */
  function render(cell) {
    var s = state(cell);
    if (editor && editor.parentNode === cell) { average(cell.parentNode); return; }
    while (cell.firstChild) { cell.removeChild(cell.firstChild); }
    if (cell._pending) { cell.appendChild(document.createTextNode(cell._typed)); return; }
    s.marks.forEach(function (m) {
      var span = document.createElement("span");
      span.className = "jmark" + (/^([1-5]|pass|fail)$/.test(m.value) ? " m" + m.value : "");
      span.textContent = m.text || m.value;
      cell.appendChild(span);
    });
    if (s.att) {
      var a = document.createElement("span");
      a.className = "jatt";
      a.textContent = s.att.text || letters[s.att.kind] || s.att.kind;
      cell.appendChild(a);
    }
    average(cell.parentNode);
  }

  function average(tr) {
    // The server's rule (results.figures): sum(mark x weight) / sum(weight), two places, half up.
    // Weights have two decimals: counted in hundredths, the rounding is exact integer arithmetic.
    var sum = 0, weights = 0;
    Array.prototype.forEach.call(tr.querySelectorAll("td.jcell"), function (cell) {
      state(cell).marks.forEach(function (m) {
        if (m.numeric !== null && m.numeric !== undefined) {
          var w = Math.round(parseFloat(m.weight || "1") * 100);
          if (w > 0) {
            sum += m.numeric * w;
            weights += w;
          }
        }
      });
    });
    var out = tr.querySelector("td.javg");
    if (!out) { return; }
    if (!weights) { out.textContent = ""; return; }
    var hundredths = Math.floor((200 * sum + weights) / (2 * weights));
    var text = Math.floor(hundredths / 100) + "." + ("0" + (hundredths % 100)).slice(-2);
    out.textContent = text.replace(".", decimal);
  }

  function position(cell) {
    for (var r = 0; r < rows.length; r++) {
      var c = rows[r].indexOf(cell);
      if (c >= 0) { return [r, c]; }
    }
    return [0, 0];
  }

  function focusCell(cell) {
    if (!cell) { return; }
    if (active) { active.setAttribute("tabindex", "-1"); active.classList.remove("active"); }
    active = cell;
    cell.setAttribute("tabindex", "0");
    cell.classList.add("active");
    cell.focus();
  }

  function move(cell, dr, dc) {
    var p = position(cell), r = p[0], c = p[1] + dc;
    if (c >= rows[r].length) { c = 0; r += 1; }
    if (c < 0) { r -= 1; c = r >= 0 ? rows[r].length - 1 : 0; }
    r += dr;
    if (r < 0 || r >= rows.length) { return cell; }
    c = Math.min(c, rows[r].length - 1);
    focusCell(rows[r][c]);
    return rows[r][c];
  }

  function say(message, bad) {
    if (!status) { return; }
    status.textContent = message;
    status.className = "journal-status" + (bad ? " bad" : "");
  }

  function parse(input) {
    var tokens = (input.toLowerCase().match(/[1-5]|[+\-]|[^\s,1-5+\-]+/g) || []);
    var marks = [], att = null, bad = false;
    tokens.forEach(function (t) {
      if (/^[1-5]$/.test(t) && scale === "five_point") { marks.push(t); }
      else if (PASS[t] && scale === "pass_fail") { marks.push(PASS[t]); }
      else if (KINDS[t]) { att = KINDS[t]; }
      else { bad = true; }
    });
    return {marks: marks, att: att, bad: bad};
  }

  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin",
                       headers: {"Content-Type": "application/json", "X-CSRFToken": csrf,
                                 "Accept": "application/json"},
                       body: JSON.stringify(body)})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return {ok: response.ok, status: response.status, data: data};
        });
      });
  }

  function when(iso) {
    if (!iso) { return ""; }
    var d = new Date(iso.length === 19 ? iso + "Z" : iso);
    return isNaN(d) ? "" : d.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
  }

  function refuse(cell, result, apply) {
    var error = (result.data && result.data.error) || {};
    var message = error.message || table.getAttribute("data-msg-error");
    if (error.current && error.current.updated_at) { message += " (" + when(error.current.updated_at) + ")"; }
    if (error.code === "stale") { apply(error.current || null); }
    render(cell);
    cell.classList.add("error");
    cell.setAttribute("title", message);
    say(message, true);
  }

  /* The changes from the cell's state to what was typed: one request each, in order. */
  function changes(cell, wanted) {
    var s = state(cell), lesson = cell.getAttribute("data-lesson"), student = +cell.getAttribute("data-student");
    var ops = [], old = s.marks.slice().sort(function (a, b) { return a.slot - b.slot; });
    var used = old.map(function (m) { return m.slot; });
    var canMarks = cell.hasAttribute("data-edit-marks"), canAtt = cell.hasAttribute("data-edit-att");
    wanted.marks.forEach(function (value, i) {
      var prev = old[i];
      if (prev && prev.value === value) { return; }
      var slot = prev ? prev.slot : (function () { var k = 0; while (used.indexOf(k) >= 0) { k++; } used.push(k); return k; })();
      ops.push({kind: "mark", allowed: canMarks, url: base + "/lesson/" + lesson + "/mark",
                body: {student_id: student, slot: slot, value: value, version: prev ? prev.version : null}});
    });
    old.slice(wanted.marks.length).forEach(function (prev) {
      ops.push({kind: "mark", allowed: canMarks, url: base + "/lesson/" + lesson + "/mark",
                body: {student_id: student, slot: prev.slot, value: "", version: prev.version}});
    });
    var oldKind = s.att ? s.att.kind : null;
    if (wanted.att !== oldKind) {
      ops.push({kind: "att", allowed: canAtt, url: base + "/lesson/" + lesson + "/attendance",
                body: {student_id: student, kind: wanted.att || "", version: s.att ? s.att.version : null}});
    }
    return ops;
  }

  function putMark(s, slot, mark) {
    s.marks = s.marks.filter(function (m) { return m.slot !== slot; });
    if (mark) { s.marks.push(mark); }
    s.marks.sort(function (a, b) { return a.slot - b.slot; });
  }

  /* Saves of one cell run one after the other (a fast typist may change a cell again before the first
   * answer): each computes its changes from the state the previous one left. After a refusal the queued
   * saves of that cell are dropped, so nothing typed over a stale value reaches the server. */
  function run(cell, wanted) {
    if (cell._failed) { return Promise.resolve(false); }
    var ops = changes(cell, wanted), s = state(cell);
    var chain = Promise.resolve(true);
    ops.forEach(function (op) {
      chain = chain.then(function (ok) {
        if (!ok) { return false; }
        return post(op.url, op.body).then(function (result) {
          if (op.kind === "mark") {
            if (!result.ok) {
              refuse(cell, result, function (current) {
                putMark(s, op.body.slot, current && current.value ? {slot: op.body.slot, value: current.value,
                  text: current.value, version: current.version, numeric: /^[1-5]$/.test(current.value) ? +current.value : null,
                  weight: current.weight || "1"} : null);
              });
              return false;
            }
            putMark(s, op.body.slot, result.data.mark);
          } else {
            if (!result.ok) {
              refuse(cell, result, function (current) {
                s.att = current ? {kind: current.kind || current.value, version: current.version} : null;
              });
              return false;
            }
            s.att = result.data.attendance;
          }
          return true;
        });
      });
    });
    return chain;
  }

  function save(cell, input) {
    var wanted = parse(input);
    if (wanted.bad) {
      cell.classList.add("error");
      say(table.getAttribute("data-msg-bad"), true);
      return Promise.resolve(false);
    }
    if (!cell._pending) {
      cell.classList.remove("error");
      cell.removeAttribute("title");
      cell._failed = false;
    }
    cell._pending = (cell._pending || 0) + 1;
    cell._typed = input.replace(/\s+/g, " ").trim();
    cell.classList.add("saving");
    cell._queue = (cell._queue || Promise.resolve(true)).then(function () { return run(cell, wanted); })
      .then(function (ok) { return ok; }, function () { return false; })
      .then(function (ok) {
        if (!ok) { cell._failed = true; }
        cell._pending -= 1;
        if (!cell._pending) {
          cell.classList.remove("saving");
          render(cell);
          if (cell._failed) { cell.classList.add("error"); } else { say(table.getAttribute("data-msg-saved"), false); }
        }
        return ok;
      });
    return cell._queue;
  }

  function closeEditor(commit, then) {
    if (!editor) { return; }
    var ed = editor, cell = ed.parentNode;
    editor = null;
    var value = ed.value;
    cell.removeChild(ed);
    render(cell);
    if (commit) { save(cell, value); }
    if (then) { then(cell); } else { focusCell(cell); }
  }

  function openEditor(cell, initial, appending) {
    if (!cell.hasAttribute("data-edit-marks") && !cell.hasAttribute("data-edit-att")) {
      var why = lockedWhy(cell);
      cell.classList.add("error");
      cell.setAttribute("title", why);
      say(why, true);
      return;
    }
    var input = document.createElement("input");
    input.type = "text";
    input.className = "jeditor";
    input.setAttribute("autocomplete", "off");
    input.setAttribute("enterkeyhint", "next");
    input.setAttribute("aria-label", table.getAttribute("data-msg-editor") + ". " + table.getAttribute("data-msg-bad"));
    input.value = initial;
    input._appending = appending;
    while (cell.firstChild) { cell.removeChild(cell.firstChild); }
    cell.appendChild(input);
    editor = input;
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    input.addEventListener("keydown", function (e) {
      var go = null;
      if (e.key === "Enter") { go = [1, 0]; }
      else if (e.key === "Tab") { go = [0, e.shiftKey ? -1 : 1]; }
      else if (e.key === "ArrowUp") { go = [-1, 0]; }
      else if (e.key === "ArrowDown") { go = [1, 0]; }
      else if (!input._appending && e.key === "ArrowLeft") { go = [0, -1]; }
      else if (!input._appending && e.key === "ArrowRight") { go = [0, 1]; }
      else if (e.key === "Escape") { e.preventDefault(); closeEditor(false); return; }
      if (go) {
        e.preventDefault();
        e.stopPropagation();
        var thumb = (touched || coarse) && e.key === "Enter";
        closeEditor(true, function (c) {
          var next = move(c, go[0], go[1]);
          if (thumb && next !== c) { editAll(next); }  // a phone: straight on to the next student
        });
      }
    });
    input.addEventListener("blur", function () { if (editor === input) { closeEditor(true, function () {}); } });
  }

  table.addEventListener("keydown", function (e) {
    if (editor || !active || e.target !== active) { return; }
    var cell = active;
    if (e.key === "ArrowRight") { e.preventDefault(); move(cell, 0, 1); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); move(cell, 0, -1); }
    else if (e.key === "ArrowDown" || e.key === "Enter") { e.preventDefault(); move(cell, 1, 0); }
    else if (e.key === "ArrowUp") { e.preventDefault(); move(cell, -1, 0); }
    else if (e.key === "Tab") { e.preventDefault(); move(cell, 0, e.shiftKey ? -1 : 1); }
    else if (e.key === "Delete" || e.key === "Backspace") { e.preventDefault(); save(cell, ""); }
    else if (e.key === "F2") { e.preventDefault(); openEditor(cell, text(cell) + " ", true); }
    else if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey && e.key !== " ") {
      e.preventDefault();
      openEditor(cell, e.key, false);
    }
  });

  /* The cell's editor with what the cell holds (a space after it, to add a mark). */
  function editAll(cell) {
    var now = text(cell);
    openEditor(cell, now ? now + " " : "", true);
  }

  table.addEventListener("pointerdown", function (e) {
    touched = e.pointerType === "touch" || e.pointerType === "pen";
  });
  table.addEventListener("click", function (e) {
    var cell = e.target.closest ? e.target.closest("td.jcell") : null;
    if (!cell || (editor && editor.parentNode === cell)) { return; }
    if (editor) { closeEditor(true, function () {}); }
    focusCell(cell);
    if (touched || coarse) { editAll(cell); }  // a finger: one tap edits (a mouse: double-click or type)
  });
  table.addEventListener("dblclick", function (e) {
    var cell = e.target.closest ? e.target.closest("td.jcell") : null;
    if (cell && !editor) { focusCell(cell); editAll(cell); }
  });

  /* The column to open at: the lesson of the address's #lesson-<id>, else today's, else the last one
   * before today, else the first. */
  function startColumn() {
    var ids = Object.keys(heads), match = /^#lesson-(\d+)$/.exec(window.location.hash || "");
    if (match && heads[match[1]]) { return heads[match[1]]; }
    var today = table.getAttribute("data-today"), best = null;
    ids.forEach(function (id) {
      var date = heads[id].getAttribute("data-date");
      if (date <= today && (!best || date >= best.getAttribute("data-date"))) { best = heads[id]; }
    });
    return best || heads[ids[0]] || null;
  }

  /* Scrolls the grid's frame so that the column is in view, right of the sticky names. */
  function reveal(th) {
    var wrap = document.getElementById("journal-wrap");
    if (!wrap || !th) { return; }
    var names = table.querySelector("thead th.jname");
    var left = th.offsetLeft - (names ? names.offsetWidth : 0);
    var room = wrap.clientWidth - (names ? names.offsetWidth : 0);
    wrap.scrollLeft = Math.max(0, left - Math.max(0, room - th.offsetWidth * 2));
  }

  var start = startColumn(), column = 0;
  if (start) {
    var index = Array.prototype.indexOf.call(start.parentNode.children, start) - 1;
    column = Math.max(0, Math.min(index, rows[0].length - 1));
    reveal(start);
  }
  rows[0][column].setAttribute("tabindex", "0");
  active = rows[0][column];
  active.classList.add("active");

  var skip = document.getElementById("skip-to-grid");
  if (skip) {
    skip.addEventListener("click", function (e) {
      e.preventDefault();
      focusCell(active);
      reveal(head(active));
    });
  }
  table.addEventListener("focusin", function (e) {
    if (e.target.classList && e.target.classList.contains("jcell") && e.target !== active) { focusCell(e.target); }
  });
}());
