// Coach pages: on a narrow screen the week grid scrolls sideways; start with today's column in view.
// The current-time line (drawn by the server from its clock, in the coach's zone) moves down each
// minute: a new grid row every quarter hour, a step class (nm-0..14) within it; past the grid's
// last hour it hides. A fresh grid (navigation, week-changed) brings the server's position again.
(function () {
  "use strict";
  if (window.coachPages) { return; }
  window.coachPages = true;

  var STEP = 15;
  var HEADER_ROWS = 1;

  function showToday() {
    var scroller = document.querySelector(".week-scroll");
    var today = scroller && scroller.querySelector(".day-head.today");
    var labels = scroller && scroller.querySelector(".corner");
    if (today && labels && scroller.scrollWidth > scroller.clientWidth && scroller.scrollLeft === 0) {
      scroller.scrollLeft = today.offsetLeft - labels.offsetWidth;
    }
  }

  function placeLine(line, minute) {
    var first = Number(line.dataset.first);
    var last = Number(line.dataset.last);
    var keep = line.className.split(/\s+/).filter(function (name) {
      return name && !/^(gr|nm)-\d+$/.test(name);
    });
    if (minute >= last || minute >= 1440) {
      line.hidden = true;
      return;
    }
    var row = HEADER_ROWS + 1 + Math.floor((minute - first) / STEP);
    keep.push("gr-" + row, "nm-" + ((minute - first) % STEP));
    line.className = keep.join(" ");
    var label = line.querySelector(".now-label");
    if (label) {
      label.textContent = String(Math.floor(minute / 60)).padStart(2, "0") + ":" +
        String(minute % 60).padStart(2, "0");
    }
  }

  function tick() {
    var line = document.querySelector(".now-line");
    if (!line) { return; }
    if (!line.dataset.drawnAt) {
      line.dataset.drawnAt = String(Date.now());
    }
    var elapsed = Math.floor((Date.now() - Number(line.dataset.drawnAt)) / 60000);
    placeLine(line, Number(line.dataset.minute) + elapsed);
  }

  function ready() {
    showToday();
    tick();
  }
  document.addEventListener("DOMContentLoaded", ready);
  document.addEventListener("htmx:load", ready);
  window.setInterval(tick, 30000);
})();
