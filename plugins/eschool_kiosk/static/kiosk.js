/* The kiosk's display: six section tiles, touch navigation, back home after idle, a slideshow of
   announcements when untouched, today's timetable and substitutions read again every few seconds, and the
   last copy kept (service worker + local storage) for when the network is down. No external resources. */
(function () {
  "use strict";
  var body = document.body;
  var school = body.dataset.school;
  var labels = JSON.parse(document.getElementById("k-labels").textContent);
  var TOKEN_KEY = "eschool-kiosk-token:" + school, DATA_KEY = "eschool-kiosk-data:" + school;
  var $ = function (id) { return document.getElementById(id); };

  // The device token comes in the address's fragment (never sent to a server, never in its logs): keep it.
  var match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    try { localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1])); } catch (e) { /* private mode */ }
    history.replaceState(null, "", location.pathname + location.search);
  }
  var token = null;
  try { token = localStorage.getItem(TOKEN_KEY); } catch (e) { token = null; }
  var headers = token ? {"Authorization": "Device " + token} : {};

  var state = {data: null, view: "home", section: null, page: 0, lastTouch: Date.now(), slide: -1,
               slideAt: 0, pictures: {}, timer: null};

  function setting(name, fallback) {
    var attr = body.dataset[name === "idle_seconds" ? "idle" : name === "slide_seconds" ? "slide" : "none"];
    if (attr) { return Number(attr); }
    return state.data && state.data.settings ? state.data.settings[name] : fallback;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  // ------------------------------------------------------------------ pictures (fetched with the token)
  function pictureUrl(id) { return body.dataset.pictureBase + id; }

  function loadPictures(root) {
    root.querySelectorAll("img[data-picture]").forEach(function (img) {
      var id = img.dataset.picture;
      if (state.pictures[id]) { img.src = state.pictures[id]; return; }
      fetch(pictureUrl(id), {headers: headers, credentials: "same-origin"}).then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.blob();
      }).then(function (blob) {
        state.pictures[id] = URL.createObjectURL(blob);
        img.src = state.pictures[id];
      }).catch(function () { img.alt = img.alt || ""; });
    });
  }

  function pageNode(page, kicker) {
    var node = el("div");
    if (kicker) { node.appendChild(el("p", {"class": "k-kicker"}, kicker)); }
    node.appendChild(el(kicker ? "h2" : "h3", {}, page.title));
    var text = el("div", {"class": "k-text"});
    text.innerHTML = page.html;  // sanitised on the server (safe Markdown)
    var shown = {};
    text.querySelectorAll("img").forEach(function (img) {
      var m = /\/files\/(\d+)$/.exec(img.getAttribute("src") || "");
      if (m) { shown[m[1]] = true; img.dataset.picture = m[1]; img.removeAttribute("src"); }
    });
    node.appendChild(text);
    var rest = page.pictures.filter(function (p) { return !shown[String(p.id)]; });
    if (rest.length) {
      var gallery = el("div", {"class": "k-gallery"});
      rest.forEach(function (p) { gallery.appendChild(el("img", {"data-picture": String(p.id), "alt": p.name})); });
      node.appendChild(gallery);
    }
    loadPictures(node);
    return node;
  }

  // ------------------------------------------------------------------ screens
  function renderHome() {
    var tiles = $("k-tiles");
    tiles.textContent = "";
    state.data.sections.forEach(function (s) {
      var tile = el("button", {"type": "button", "class": "k-tile", "data-section": String(s.id),
                               "data-kind": s.kind, "data-position": String(s.position)});
      tile.appendChild(el("strong", {}, s.title));
      var hint = s.pages.length ? s.pages[0].title : "";
      if (s.kind === "timetable") { hint = labels.today; }
      if (s.kind === "substitutions") { hint = state.data.substitutions.length + " · " + labels.substitutions; }
      tile.appendChild(el("span", {}, hint));
      tile.addEventListener("click", function () { openSection(s.id); });
      tiles.appendChild(tile);
    });
  }

  function timetableNode() {
    var box = el("div");
    box.appendChild(el("h3", {}, labels.today));
    var days = state.data.timetable;
    if (!days.length) { box.appendChild(el("p", {"class": "k-empty"}, labels.no_lessons)); return box; }
    var most = 0;
    days.forEach(function (d) { d.lessons.forEach(function (l) { most = Math.max(most, l.number); }); });
    var table = el("table", {"id": "k-timetable"});
    var head = el("tr");
    head.appendChild(el("th", {}, labels["class"]));
    for (var n = 1; n <= most; n++) { head.appendChild(el("th", {}, String(n))); }
    table.appendChild(head);
    days.forEach(function (d) {
      var row = el("tr", {"data-class": d.class_name});
      row.appendChild(el("th", {}, d.class_name));
      for (var n = 1; n <= most; n++) {
        var cell = el("td");
        d.lessons.filter(function (l) { return l.number === n; }).forEach(function (l) {
          if (l.substituted) { cell.className = "k-sub"; }
          cell.appendChild(el("div", {"class": "k-lesson"}, l.subject + (l.subgroup ? " (" + l.subgroup + ")" : "")));
          cell.appendChild(el("small", {}, [l.room, l.teacher, l.substituted ? labels.substituted : ""]
            .filter(Boolean).join(" · ")));
        });
        row.appendChild(cell);
      }
      table.appendChild(row);
    });
    box.appendChild(table);
    return box;
  }

  function substitutionsNode() {
    var box = el("div");
    box.appendChild(el("h3", {}, labels.substitutions));
    var subs = state.data.substitutions;
    if (!subs.length) { box.appendChild(el("p", {"class": "k-empty"}, labels.no_substitutions)); return box; }
    var table = el("table", {"id": "k-substitutions"});
    var head = el("tr");
    [labels.lesson, labels["class"], labels.teacher, labels.note].forEach(function (t) { head.appendChild(el("th", {}, t)); });
    table.appendChild(head);
    subs.forEach(function (s) {
      var row = el("tr");
      [String(s.number), s.class_name, s.teacher, s.note].forEach(function (t) { row.appendChild(el("td", {}, t)); });
      table.appendChild(row);
    });
    box.appendChild(table);
    return box;
  }

  function findSection(id) {
    return state.data.sections.filter(function (s) { return s.id === id; })[0] || null;
  }

  function renderSection() {
    var s = findSection(state.section);
    if (!s) { goHome(); return; }
    $("k-section-title").textContent = s.title;
    var live = $("k-live");
    live.textContent = "";
    live.className = s.kind === "timetable" || s.kind === "substitutions" ? "k-live" : "";
    if (s.kind === "timetable") { live.appendChild(timetableNode()); }
    if (s.kind === "substitutions") { live.appendChild(substitutionsNode()); }
    var tabs = $("k-page-tabs");
    tabs.textContent = "";
    if (state.page >= s.pages.length) { state.page = 0; }
    if (s.pages.length > 1) {
      s.pages.forEach(function (p, i) {
        var tab = el("button", {"type": "button", "aria-current": String(i === state.page), "data-page": String(p.id)}, p.title);
        tab.addEventListener("click", function () { state.page = i; renderSection(); $("k-section-screen").scrollTop = 0; });
        tabs.appendChild(tab);
      });
    }
    var article = $("k-page");
    article.textContent = "";
    if (s.pages.length) {
      article.appendChild(pageNode(s.pages[state.page]));
    } else if (!live.className) {
      article.appendChild(el("p", {"class": "k-empty"}, labels.no_pages));
    }
  }

  function show(view) {
    state.view = view;
    body.dataset.view = view;
    $("k-home-screen").hidden = view !== "home";
    $("k-section-screen").hidden = view !== "section";
  }

  function openSection(id) {
    state.section = id;
    state.page = 0;
    body.dataset.section = String(id);
    renderSection();
    show("section");
    $("k-section-screen").scrollTop = 0;
  }

  function goHome() {
    state.section = null;
    delete body.dataset.section;
    if (state.data) { renderHome(); }
    show("home");
  }

  // ------------------------------------------------------------------ slideshow and idle
  function slides() {
    if (!state.data) { return []; }
    var result = [];
    state.data.slides.forEach(function (ref) {
      var s = findSection(ref.section_id);
      var page = s && s.pages.filter(function (p) { return p.id === ref.page_id; })[0];
      if (page) { result.push({section: s, page: page}); }
    });
    return result;
  }

  function showSlide() {
    var list = slides();
    if (!list.length) { stopSlideshow(); return; }
    state.slide = (state.slide + 1) % list.length;
    state.slideAt = Date.now();
    var box = $("k-slide");
    box.textContent = "";
    box.dataset.page = String(list[state.slide].page.id);
    box.appendChild(pageNode(list[state.slide].page, list[state.slide].section.title));
    $("k-slideshow").hidden = false;
    body.dataset.slideshow = "on";
  }

  function stopSlideshow() {
    $("k-slideshow").hidden = true;
    state.slide = -1;
    delete body.dataset.slideshow;
  }

  function touched(event) {
    state.lastTouch = Date.now();
    if (body.dataset.slideshow) {
      stopSlideshow();
      state.swallow = Date.now();  // the touch that ends the slideshow opens nothing
      if (event) { event.preventDefault(); event.stopPropagation(); }
    }
  }
  document.addEventListener("click", function (event) {
    if (state.swallow && Date.now() - state.swallow < 700) { event.preventDefault(); event.stopPropagation(); }
    state.swallow = 0;
  }, true);
  ["pointerdown", "keydown", "touchstart", "wheel"].forEach(function (name) {
    document.addEventListener(name, touched, {capture: true, passive: false});
  });
  $("k-slideshow").addEventListener("click", function (event) { event.stopPropagation(); });
  $("k-home").addEventListener("click", goHome);

  function tick() {
    var idle = (setting("idle_seconds", 60) || 60) * 1000;
    var untouched = Date.now() - state.lastTouch;
    if (state.view === "section" && untouched >= idle) { goHome(); }
    if (state.view === "home" && untouched >= idle && !body.dataset.slideshow && slides().length) { showSlide(); }
    if (body.dataset.slideshow && Date.now() - state.slideAt >= (setting("slide_seconds", 10) || 10) * 1000) { showSlide(); }
    var now = new Date();
    $("k-clock").textContent = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
  }

  // ------------------------------------------------------------------ data
  function status(text) { $("k-status").textContent = text || ""; }

  function apply(data, offlineSince) {
    state.data = data;
    $("k-school").textContent = data.school.name;
    if (state.view === "section") { renderSection(); } else { renderHome(); }
    if (state.view === "loading") { show("home"); }
    if (offlineSince) {
      status(labels.offline.replace("%(time)s", new Date(offlineSince).toLocaleString()));
    } else {
      status("");
    }
    body.dataset.loaded = data.generated_at;
    scheduleRefresh();
  }

  function fromCopy() {
    try {
      var copy = JSON.parse(localStorage.getItem(DATA_KEY) || "null");
      if (copy) { apply(copy, copy.generated_at); return true; }
    } catch (e) { /* no copy */ }
    return false;
  }

  function signedOut() {
    try { localStorage.removeItem(DATA_KEY); } catch (e) { /* ignore */ }
    state.data = null;
    $("k-tiles").textContent = "";
    show("home");
    body.dataset.view = "signed-out";
    status(labels.signed_out);
  }

  function load() {
    return fetch(body.dataset.dataUrl, {headers: headers, credentials: "same-origin", cache: "no-store"})
      .then(function (r) {
        if (r.status === 401 || r.status === 403) { signedOut(); return; }
        if (!r.ok) { throw new Error(String(r.status)); }
        var offline = r.headers.get("X-Kiosk-Offline");
        return r.json().then(function (data) {
          if (!offline) {
            try { localStorage.setItem(DATA_KEY, JSON.stringify(data)); } catch (e) { /* full */ }
          }
          apply(data, offline ? data.generated_at : null);
        });
      })
      .catch(function () { if (!fromCopy()) { scheduleRefresh(); } });
  }

  function scheduleRefresh() {
    clearTimeout(state.timer);
    var every = state.data && state.data.settings ? state.data.settings.refresh_seconds : 30;
    state.timer = setTimeout(load, every * 1000);
  }

  // ------------------------------------------------------------------ the service worker
  if ("serviceWorker" in navigator) {
    var worker = body.dataset.worker;
    navigator.serviceWorker.register(worker, {scope: worker.replace(/[^/]*$/, "")}).then(function (reg) {
      var urls = [location.pathname + location.search].concat(body.dataset.assets.split(" "));
      var send = function (w) { if (w) { w.postMessage({type: "precache", urls: urls}); } };
      send(reg.active || reg.waiting || reg.installing);
      navigator.serviceWorker.ready.then(function (ready) { send(ready.active); body.dataset.worker_ready = "1"; });
    }).catch(function () { /* not a secure context: the local copy still works */ });
  }

  show("loading");
  status(labels.loading);
  load();
  setInterval(tick, 250);
  tick();
}());
