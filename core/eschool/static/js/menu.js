// The header's drop-downs (menu groups, the account, the phone menu) are <details> elements: they work without
// this script. With it, one opens at a time, and a click elsewhere or Escape closes it.
(function () {
  "use strict";
  function drops() {
    return Array.prototype.slice.call(document.querySelectorAll(".site-header details"));
  }
  function closeAll(except) {
    drops().forEach(function (d) {
      if (d !== except && !d.contains(except) && d.open) { d.open = false; }
    });
  }
  document.addEventListener("toggle", function (event) {
    var target = event.target;
    if (target.tagName === "DETAILS" && target.open && target.closest(".site-header")) { closeAll(target); }
  }, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest(".site-header details")) { closeAll(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = drops().filter(function (d) { return d.open; });
    if (!open.length) { return; }
    closeAll(null);
    var summary = open[open.length - 1].querySelector("summary");
    if (summary) { summary.focus(); }
  });
})();
