// Undo buttons (templates/coach/_undo.html): each counts its seconds down on its face
// ("Undo (9 s)"; screen readers keep the button's name, the count is hidden from them) and is
// removed when they are over. The server refuses an older undo anyway (services/undo.py).
(function () {
  "use strict";
  if (window.undoButtons) { return; }
  window.undoButtons = true;

  var TICK_MS = 250;

  function start(form) {
    if (form.dataset.undoStarted) { return; }
    form.dataset.undoStarted = "1";
    var seconds = Number(form.dataset.undoSeconds) || 10;
    var deadline = Date.now() + seconds * 1000;
    var count = form.querySelector(".undo-count");

    function tick() {
      var left = Math.ceil((deadline - Date.now()) / 1000);
      if (!form.isConnected) {
        window.clearInterval(timer);
        return;
      }
      if (left <= 0) {
        window.clearInterval(timer);
        if (form.contains(document.activeElement)) {
          var holder = form.parentElement;
          if (holder) {
            holder.setAttribute("tabindex", "-1");
            holder.focus();
          }
        }
        form.remove();
        return;
      }
      if (count) { count.textContent = "\u00a0(" + left + " s)"; }  // no-break: a flex button trims a plain space
    }
    var timer = window.setInterval(tick, TICK_MS);
    tick();
  }

  function scan(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("form[data-undo-seconds]")) { start(scope); }
    scope.querySelectorAll("form[data-undo-seconds]").forEach(start);
  }

  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (event) { scan(event.detail && event.detail.elt); });
})();
