// Coach's week: pick a time on the grid and act on it. The quarter-hour cells under the sessions
// (.pick, server-rendered, inert without JavaScript) become a WAI-ARIA grid: one tab stop, arrow
// keys move the cursor a quarter hour or a day, Shift+Up/Down selects more of the same day,
// Enter or Space asks the server for the popover of choices, Escape clears. A mouse or pen drags
// down a day; a click or a tap picks an hour. The popover (#grid-popover, a non-modal dialog)
// comes from the server; CSS anchors it beside the selection (.sel, placed by gc-/gr-/gs-
// classes: no inline style). Escape or Close hides it and gives the focus back to the cursor.
(function () {
  "use strict";
  if (window.weekSelect) { return; }
  window.weekSelect = true;

  var STEP = 15;
  var TAP_MINUTES = 60;
  var state = { cursor: null, anchor: null, chosen: null };
  var drag = null;
  var lastPointer = "mouse";
  var refocus = false;

  function grid() { return document.querySelector("#week .pick"); }
  function dates(p) { return p.dataset.dates.split(" "); }
  function rowCount(p) { return p.children.length; }
  function minuteOf(p, row) { return Number(p.children[row].dataset.minute); }
  function cellAt(p, col, row) { return p.children[row] && p.children[row].children[col]; }
  function hhmm(m) {
    return String(Math.floor(m / 60)).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0");
  }

  // A point {date, minute} as grid indexes {col, row}, or null when this grid does not hold it.
  function place(p, point) {
    if (!point) { return null; }
    var col = dates(p).indexOf(point.date);
    var row = (point.minute - minuteOf(p, 0)) / STEP;
    if (col < 0 || row < 0 || row >= rowCount(p) || row !== Math.floor(row)) { return null; }
    return { col: col, row: row };
  }
  function pointAt(p, col, row) { return { date: dates(p)[col], minute: minuteOf(p, row) }; }

  function position(cell) {
    var row = cell.parentNode;
    return { col: Array.prototype.indexOf.call(row.children, cell),
             row: Array.prototype.indexOf.call(row.parentNode.children, row) };
  }

  // The selected span: {date, start, end} in minutes (the anchor's day; a lone cell is 15 minutes).
  function span() {
    var from = state.anchor || state.cursor;
    var to = state.cursor;
    if (!from || !to || from.date !== to.date) { return null; }
    var lo = Math.min(from.minute, to.minute);
    var hi = Math.max(from.minute, to.minute) + STEP;
    return { date: from.date, start: lo, end: hi };
  }

  function dayLabel(p, col) {
    var head = p.parentNode.querySelector(".day-head.gc-" + (col + 2));
    var dow = head && head.querySelector(".dow");
    var dom = head && head.querySelector(".dom");
    return (dow ? dow.textContent + " " : "") + (dom ? dom.textContent : dates(p)[col]);
  }

  function drawSelection(p) {
    var old = p.parentNode.querySelector(".sel");
    if (old) { old.remove(); }
    Array.prototype.forEach.call(p.querySelectorAll("[aria-selected=true]"), function (cell) {
      cell.setAttribute("aria-selected", "false");
    });
    var chosen = state.chosen || (state.anchor ? span() : null);
    if (!chosen) { return; }
    var first = place(p, { date: chosen.date, minute: chosen.start });
    if (!first) { return; }
    var rows = Math.max(1, Math.min((chosen.end - chosen.start) / STEP, rowCount(p) - first.row));
    var sel = document.createElement("div");
    sel.className = "sel gc-" + (first.col + 2) + " gr-" + (first.row + 2) + " gs-" + rows;
    sel.setAttribute("aria-hidden", "true");
    p.parentNode.appendChild(sel);
    for (var r = first.row; r < first.row + rows; r++) {
      cellAt(p, first.col, r).setAttribute("aria-selected", "true");
    }
  }

  function moveCursor(p, col, row, focus) {
    var old = p.querySelector(".q[tabindex='0']");
    if (old) { old.setAttribute("tabindex", "-1"); old.removeAttribute("aria-label"); }
    var cell = cellAt(p, col, row);
    cell.setAttribute("tabindex", "0");
    cell.setAttribute("aria-label", dayLabel(p, col) + ", " + hhmm(minuteOf(p, row)));
    state.cursor = pointAt(p, col, row);
    if (focus) { cell.focus(); }
  }

  // Make the server's cells a keyboard grid (again after every swap of #week).
  function enhance() {
    var p = grid();
    if (!p || p.dataset.ready) { return; }
    p.dataset.ready = "1";
    p.setAttribute("role", "grid");
    p.setAttribute("aria-label", "Pick a time");
    p.setAttribute("aria-describedby", "pick-help");
    p.setAttribute("aria-multiselectable", "true");
    Array.prototype.forEach.call(p.children, function (row) {
      row.setAttribute("role", "row");
      Array.prototype.forEach.call(row.children, function (cell) {
        cell.setAttribute("role", "gridcell");
        cell.setAttribute("tabindex", "-1");
        cell.setAttribute("aria-selected", "false");
      });
    });
    var at = place(p, state.cursor);
    if (!at) {
      var today = p.parentNode.querySelector(".day-head.today");
      var col = today ? Number(/gc-(\d+)/.exec(today.className)[1]) - 2 : 0;
      at = { col: col, row: 0 };
      var pop = popover();
      if (pop && pop.classList.contains("anchored")) { close(false); }  // another week: not on it
      state.anchor = null;
      state.chosen = null;
    }
    moveCursor(p, at.col, at.row, refocus);
    refocus = false;
    drawSelection(p);
    swipeHint();
  }

  function popover() { return document.getElementById("grid-popover"); }

  function openChoices(chosen) {
    var p = grid();
    if (!p || !chosen || !window.htmx) { return; }
    state.chosen = chosen;
    drawSelection(p);
    var url = p.dataset.pickUrl;
    url += (url.indexOf("?") < 0 ? "?" : "&") + "date=" + chosen.date + "&from=" +
      hhmm(chosen.start) + "&to=" + hhmm(Math.min(chosen.end, 1440));
    document.dispatchEvent(new CustomEvent("week:popover-open", { detail: { owner: "select" } }));
    window.htmx.ajax("GET", url, { target: "#grid-popover", swap: "outerHTML" });
  }

  function close(giveFocus) {
    var pop = popover();
    if (pop) {
      pop.hidden = true;
      pop.classList.remove("anchored");
      pop.textContent = "";
    }
    state.chosen = null;
    state.anchor = null;
    var p = grid();
    if (!p) { return; }
    drawSelection(p);
    var at = place(p, state.cursor);
    if (giveFocus && at) { cellAt(p, at.col, at.row).focus(); }
  }

  function onKey(event) {
    var cell = event.target;
    var p = grid();
    if (!p || !cell.classList || !cell.classList.contains("q") || !p.contains(cell)) { return; }
    var at = position(cell);
    var col = at.col;
    var row = at.row;
    var last = rowCount(p) - 1;
    var key = event.key;
    if (key === "Enter" || key === " ") {
      event.preventDefault();
      openChoices(span());
      return;
    }
    if (key === "Escape") {
      if (state.anchor || state.chosen) { event.preventDefault(); close(true); }
      return;
    }
    var moves = {
      ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0],
      PageUp: [0, -4], PageDown: [0, 4],
    };
    if (key === "Home") { moves.Home = [-col, 0]; }
    if (key === "End") { moves.End = [6 - col, 0]; }
    var move = moves[key];
    if (!move) { return; }
    event.preventDefault();
    if (event.shiftKey && move[0]) { return; }  // a selection stays within its day
    var extend = event.shiftKey && !move[0];
    if (extend && !state.anchor) { state.anchor = state.cursor; }
    if (!extend) { state.anchor = null; }
    state.chosen = null;
    moveCursor(p, Math.max(0, Math.min(6, col + move[0])), Math.max(0, Math.min(last, row + move[1])), true);
    drawSelection(p);
  }

  function rowAtY(p, col, y) {
    var top = cellAt(p, col, 0).getBoundingClientRect();
    var row = Math.floor((y - top.top) / top.height);
    return Math.max(0, Math.min(rowCount(p) - 1, row));
  }

  function onPointerDown(event) {
    lastPointer = event.pointerType || "mouse";
    var cell = event.target;
    var p = grid();
    if (!p || !cell.classList || !cell.classList.contains("q") || !p.contains(cell)) { return; }
    if (lastPointer === "touch" || event.button !== 0) { return; }  // a finger scrolls; a tap picks
    event.preventDefault();
    var at = position(cell);
    drag = { col: at.col, row: at.row, moved: false };
    state.chosen = null;
    moveCursor(p, at.col, at.row, true);
    state.anchor = state.cursor;
    drawSelection(p);
  }

  function onPointerMove(event) {
    var p = grid();
    if (!drag || !p) { return; }
    var row = rowAtY(p, drag.col, event.clientY);
    var current = place(p, state.cursor);
    if (current && current.row === row) { return; }
    drag.moved = true;
    moveCursor(p, drag.col, row, true);
    drawSelection(p);
  }

  function onPointerUp() {
    if (!drag) { return; }
    var moved = drag.moved;
    drag = null;
    var chosen = span();
    if (chosen && !moved) { chosen.end = Math.min(chosen.start + TAP_MINUTES, 1440); }
    openChoices(chosen);
  }

  function onClick(event) {
    var cell = event.target;
    var p = grid();
    if (lastPointer !== "touch" || !p || !cell.classList || !cell.classList.contains("q") ||
        !p.contains(cell)) { return; }
    var at = position(cell);
    state.anchor = null;
    moveCursor(p, at.col, at.row, true);
    var start = minuteOf(p, at.row);
    openChoices({ date: state.cursor.date, start: start, end: Math.min(start + TAP_MINUTES, 1440) });
  }

  // The popover arrived (choices, a form, a refusal or what was saved): beside the selection,
  // with the focus inside it (on the field at fault after a refusal).
  function onLoad(event) {
    var pop = popover();
    if (pop && event.target === pop && !pop.hidden) {
      if (grid() && grid().parentNode.querySelector(".sel")) { pop.classList.add("anchored"); }
      var target = pop.querySelector("[aria-invalid=true]") ||
        pop.querySelector(".pop-choice, .pop-form input:not([type=hidden]), .pop-form button, [data-pop-close]:not(.pop-close)");
      if (target) { target.focus(); }
      return;
    }
    enhance();
  }

  function onPopoverKey(event) {
    var pop = popover();
    var lost = event.target === document.body;  // the focus went with a swapped part
    if (event.key === "Escape" && pop && !pop.hidden && (lost || pop.contains(event.target))) {
      event.preventDefault();
      close(true);
    }
  }

  function swipeHint() {
    var week = document.getElementById("week");
    var scroller = week && week.querySelector(".week-scroll");
    if (!scroller) { return; }
    var end = scroller.scrollLeft + scroller.clientWidth >= scroller.scrollWidth - 4;
    week.classList.toggle("scrolled-end", end);
  }

  document.addEventListener("keydown", onKey);
  document.addEventListener("keydown", onPopoverKey);
  document.addEventListener("pointerdown", onPointerDown);
  document.addEventListener("pointermove", onPointerMove);
  document.addEventListener("pointerup", onPointerUp);
  document.addEventListener("pointercancel", function () { drag = null; });
  document.addEventListener("click", onClick);
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("#grid-popover [data-pop-close]")) { close(true); }
  });
  document.addEventListener("scroll", function (event) {
    if (event.target.classList && event.target.classList.contains("week-scroll")) { swipeHint(); }
  }, true);
  document.addEventListener("htmx:beforeSwap", function (event) {
    var p = grid();
    if (event.detail.target && event.detail.target.id === "week" && p) {
      refocus = p.contains(document.activeElement);
    }
  });
  document.addEventListener("week:popover-open", function (event) {
    var pop = popover();
    if (event.detail && event.detail.owner !== "select" && pop && !pop.hidden) { close(false); }
  });
  document.addEventListener("htmx:load", onLoad);
  document.addEventListener("DOMContentLoaded", enhance);
  if (document.readyState !== "loading") { enhance(); }
})();
