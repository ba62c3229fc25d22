// The coach's week grid (templates/coach/_week.html):
// - a session's details (coach.session, swapped into #panel by htmx) open as a non-modal dialog
//   beside the session (a bottom sheet on a phone): focus goes to its heading; Escape or its close
//   button closes it and puts focus back on the session; Tab past its last control (or Shift+Tab
//   before its first) goes back to the session.
// - a scheduled session that has not started (data-move-url) can be dragged with a mouse or pen
//   to another quarter hour or day, or moved with the arrow keys from its popover ("Move on the
//   grid with the arrow keys": Up/Down a quarter hour, Left/Right a day, Enter moves, Escape
//   cancels). The server decides (coach.move_session, origin=week): on success its week-changed
//   refreshes #week and focus goes to the moved session; a refusal puts the session back and
//   shows the server's reason in #move-note.
// No inline styles (CSP): grid positions are the gc-/gr-/gs- classes; only the popover's
// coordinates are set through the CSSOM.
(function () {
  "use strict";
  if (window.weekMove) { return; }
  window.weekMove = true;

  var STEP = 15;
  var FIRST_ROW = 2;
  var FIRST_COL = 2;
  var LAST_COL = 8;
  var GAP = 8;
  var PHONE = "(max-width: 37.5rem)";
  var OWNER = "session";

  var openId = null; // the session whose popover is open
  var pendingFocus = null; // the session to focus once #week has been refreshed
  var closeAfterMove = null; // the session moved from its popover: close it once swapped
  var state = null; // a drag or a keyboard move in progress
  var swallowClick = false;

  function panel() { return document.getElementById("panel"); }
  function dialog() {
    var p = panel();
    return p && p.querySelector(".session-panel");
  }
  function eventOf(id) {
    return id && document.querySelector('#week .event[data-session-id="' + id + '"]');
  }
  function number(el, prefix) {
    var found = new RegExp("(?:^|\\s)" + prefix + "-(\\d+)(?:\\s|$)").exec(el.className);
    return found ? Number(found[1]) : 0;
  }
  function movable(el) {
    return !!(el && el.dataset.moveUrl); // the server marks scheduled sessions yet to start
  }
  function pad(n) { return String(n).padStart(2, "0"); }
  function hhmm(minute) { return pad(Math.floor(minute / 60)) + ":" + pad(minute % 60); }
  function addDays(iso, days) {
    var d = new Date(iso + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }
  function dayLabel(iso) {
    return new Date(iso + "T12:00:00Z").toLocaleDateString("en-GB", {
      weekday: "short", day: "numeric", month: "short", timeZone: "UTC"
    });
  }
  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  // ---- the message near the grid ----------------------------------------------------------
  function showNote(line, error) {
    var note = document.getElementById("move-note");
    if (!note) { return; }
    note.textContent = "";
    if (error) { line.setAttribute("role", "alert"); }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "note-close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    close.addEventListener("click", function () { note.textContent = ""; });
    line.appendChild(close);
    note.appendChild(line);
  }
  function say(text, error) {
    var line = document.createElement("p");
    line.className = "flash " + (error ? "flash-error" : "flash-success");
    var words = document.createElement("span");
    words.textContent = text;
    line.appendChild(words);
    showNote(line, error);
  }
  // the server's answer to a drop (coach/session.html's move_result: its words and, after a
  // move, an Undo form, which htmx then handles)
  function sayAnswer(html, error) {
    var first = new DOMParser().parseFromString(html, "text/html").body.firstElementChild;
    if (!first) {
      say(textOf(html), error);
      return;
    }
    showNote(document.importNode(first, true), error);
    if (window.htmx) { window.htmx.process(document.getElementById("move-note")); }
  }
  function textOf(html) {
    return new DOMParser().parseFromString(html, "text/html").body.textContent.trim();
  }

  // ---- the popover ------------------------------------------------------------------------
  function place() {
    var p = panel();
    var d = dialog();
    if (!p || !d) { return; }
    p.classList.add("popover");
    p.setAttribute("role", "dialog");
    p.setAttribute("aria-labelledby", d.getAttribute("aria-labelledby"));
    if (window.matchMedia(PHONE).matches) {
      p.style.left = "";
      p.style.top = "";
      return;
    }
    var anchor = eventOf(openId);
    var vw = document.documentElement.clientWidth;
    var vh = window.innerHeight;
    var w = p.offsetWidth;
    var h = p.offsetHeight;
    var r = anchor ? anchor.getBoundingClientRect() : { left: (vw - w) / 2, right: (vw - w) / 2, top: GAP };
    var left = r.right + GAP;
    if (left + w > vw - GAP) { left = r.left - GAP - w; }
    if (left < GAP) { left = Math.max(GAP, Math.min(r.left, vw - w - GAP)); }
    var top = Math.max(GAP, Math.min(r.top, vh - h - GAP));
    p.style.left = Math.round(left) + "px";
    p.style.top = Math.round(top) + "px";
  }

  function focusHeading() {
    var d = dialog();
    var heading = d && d.querySelector("h2");
    if (heading) { heading.focus(); }
  }

  function closePopover(returnFocus) {
    var p = panel();
    if (!p || !p.classList.contains("popover")) { return; }
    var id = openId;
    p.textContent = "";
    p.classList.remove("popover");
    p.removeAttribute("role");
    p.removeAttribute("aria-labelledby");
    p.style.left = "";
    p.style.top = "";
    openId = null;
    if (returnFocus && eventOf(id)) { eventOf(id).focus(); }
  }

  function focusables(root) {
    return Array.prototype.filter.call(
      root.querySelectorAll("a[href], button:not([disabled]), input:not([type=hidden]), select, textarea"),
      function (el) { return el.offsetParent !== null; }
    );
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    if (elt.classList && elt.classList.contains("event") && elt.closest("#week")) {
      openId = elt.dataset.sessionId;
      document.dispatchEvent(new CustomEvent("week:popover-open", { detail: { owner: OWNER } }));
    }
  });

  document.addEventListener("week:popover-open", function (evt) {
    if (evt.detail && evt.detail.owner !== OWNER) { closePopover(false); }
  });

  document.addEventListener("htmx:beforeSwap", function (evt) {
    // a move from the popover's form or its suggestions (before the swap: the form is still in
    // the popover): once the grid is refreshed, focus goes to the moved session
    var d = dialog();
    var config = evt.detail.requestConfig || {};
    if (d && evt.detail.target === d && config.verb === "post" && /\/move$/.test(config.path || "") &&
        evt.detail.xhr.status === 200) {
      pendingFocus = closeAfterMove = d.dataset.sessionId;
    }
  });

  document.addEventListener("htmx:afterSettle", function (evt) {
    var p = panel();
    var into = evt.detail.target;
    if (!p || !(into === p || p.contains(into) || (into && into.classList && into.classList.contains("session-panel")))) {
      return;
    }
    var d = dialog();
    if (!d) { return; }
    if (closeAfterMove && closeAfterMove === d.dataset.sessionId) {
      // the grid may have been refreshed already (then pendingFocus was used up): focus now too
      var done = d.querySelector(".flash-success");
      if (done) { say(done.textContent.trim(), false); }
      closePopover(false);
      if (eventOf(closeAfterMove)) { eventOf(closeAfterMove).focus(); }
      closeAfterMove = null;
      return;
    }
    if (into === p) {
      var note = document.getElementById("move-note");
      if (note) { note.textContent = ""; } // an earlier move's outcome would cover the popover
      openId = d.dataset.sessionId;
      place();
      focusHeading();
    } else if (!p.contains(document.activeElement)) {
      focusHeading();
    }
  });

  // a fresh #week (week-changed, navigation): the popover follows its session, focus comes back
  // to the session that had it (or was just moved), and a drag in progress is dropped
  var focusedBefore = null;
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var week = document.getElementById("week");
    var active = document.activeElement;
    if (week && evt.detail.target === week && active && week.contains(active) && active.dataset) {
      focusedBefore = active.dataset.sessionId || null;
    }
  });
  document.addEventListener("htmx:load", function (evt) {
    if (evt.detail.elt.id !== "week") { return; }
    state = null;
    var id = pendingFocus || focusedBefore;
    pendingFocus = null;
    focusedBefore = null;
    if (id && eventOf(id)) { eventOf(id).focus(); }
    place();
  });

  document.addEventListener("click", function (evt) {
    if (swallowClick) {
      swallowClick = false;
      evt.preventDefault();
      evt.stopPropagation();
      return;
    }
    var close = evt.target.closest && evt.target.closest("[data-popover-close]");
    if (close) {
      closePopover(true);
      return;
    }
    var key = evt.target.closest && evt.target.closest("[data-key-move]");
    if (key) { startKeyMove(key.getAttribute("data-key-move")); }
  }, true);

  document.addEventListener("keydown", function (evt) {
    if (state && state.keyboard) {
      keyMove(evt);
      return;
    }
    var p = panel();
    var d = dialog();
    if (!d) { return; }
    var inside = p.contains(evt.target);
    var onOpener = evt.target === eventOf(openId);
    if (evt.key === "Escape" && (inside || onOpener)) {
      evt.preventDefault();
      closePopover(true);
    } else if (evt.key === "Tab" && inside) {
      var list = focusables(d);
      var first = list[0];
      var last = list[list.length - 1];
      var opener = eventOf(openId);
      if (!opener) { return; }
      if ((!evt.shiftKey && evt.target === last) || (evt.shiftKey && (evt.target === first || evt.target.tagName === "H2"))) {
        evt.preventDefault();
        opener.focus();
      }
    }
  });

  ["scroll", "resize"].forEach(function (name) {
    window.addEventListener(name, function () {
      if (openId) { window.requestAnimationFrame(place); }
    }, true);
  });

  // ---- moving a session: the ghost, the geometry, the request -------------------------------
  function begin(el, keyboard) {
    var grid = el.closest(".week-grid");
    var hour = grid.querySelector(".hour");
    var parts = hour.textContent.trim().split(":");
    var hours = grid.querySelectorAll(".hour").length;
    var s = {
      el: el, id: el.dataset.sessionId, url: el.dataset.moveUrl, date0: el.dataset.date,
      grid: grid, keyboard: keyboard, ghost: null,
      col0: number(el, "gc"), row0: number(el, "gr"), span: Math.max(1, number(el, "gs")),
      first: Number(parts[0]) * 60 + Number(parts[1] || 0),
      lastRow: FIRST_ROW + hours * 4 - 1
    };
    s.col = s.col0;
    s.row = s.row0;
    return s;
  }

  function show(s) {
    if (!s.ghost) {
      s.ghost = document.createElement("div");
      s.ghost.setAttribute("aria-hidden", "true");
      s.grid.appendChild(s.ghost);
      s.el.classList.add("dragging");
    }
    s.ghost.className = "event move-ghost gc-" + s.col + " gr-" + s.row + " gs-" + s.span;
    s.ghost.textContent = where(s);
  }

  function target(s) {
    return { date: addDays(s.date0, s.col - s.col0), time: hhmm(s.first + (s.row - FIRST_ROW) * STEP) };
  }
  function where(s) {
    var t = target(s);
    return dayLabel(t.date) + " " + t.time;
  }

  function clampRow(s, row) {
    return Math.max(FIRST_ROW, Math.min(row, s.lastRow - s.span + 1));
  }

  function putBack(s) {
    if (s.ghost && s.ghost.parentNode) { s.ghost.parentNode.removeChild(s.ghost); }
    s.el.classList.remove("dragging");
    if (state === s) { state = null; }
  }

  function triggers(header) {
    var names = {};
    try { names = JSON.parse(header || "{}"); } catch (e) { names = {}; }
    Object.keys(names).forEach(function (name) { window.htmx.trigger(document.body, name); });
  }

  function drop(s) {
    if (s.col === s.col0 && s.row === s.row0) {
      putBack(s);
      return;
    }
    var t = target(s);
    var body = new URLSearchParams({ date: t.date, time: t.time, origin: "week", csrf_token: csrf() });
    s.ghost.classList.add("pending");
    state = null;
    fetch(s.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": csrf() }
    }).then(function (response) {
      return response.text().then(function (text) {
        if (response.ok) {
          pendingFocus = s.id;
          sayAnswer(text, false);
          triggers(response.headers.get("HX-Trigger"));
          return;
        }
        putBack(s);
        var known = response.status === 409 || response.status === 422;
        if (known) {
          sayAnswer(text, true);
        } else {
          say("The session could not be moved (error " + response.status + ").", true);
        }
        if (s.keyboard) { s.el.focus(); }
      });
    }, function () {
      putBack(s);
      say("No answer from the server: the session was not moved.", true);
    });
  }

  // the pointer: press on a movable session, drag past a few pixels, drop on a quarter hour
  document.addEventListener("pointerdown", function (evt) {
    var p = panel();
    if (p && openId && !p.contains(evt.target) && !evt.target.closest(".event")) { closePopover(false); }
    if (state && state.keyboard) { putBack(state); }
    var el = evt.target.closest && evt.target.closest("#week .event[data-move-url]");
    if (!el || evt.button !== 0 || evt.pointerType === "touch" || !movable(el)) { return; }
    var s = begin(el, false);
    var box = el.getBoundingClientRect();
    var hour = s.grid.querySelector(".hour").getBoundingClientRect();
    s.rowHeight = hour.height / 4;
    s.grab = Math.floor((evt.clientY - box.top) / s.rowHeight);
    s.x0 = evt.clientX;
    s.y0 = evt.clientY;
    s.pointer = evt.pointerId;
    s.dragging = false;
    state = s;
  });

  document.addEventListener("pointermove", function (evt) {
    var s = state;
    if (!s || s.keyboard || evt.pointerId !== s.pointer) { return; }
    if (!s.dragging) {
      if (Math.abs(evt.clientX - s.x0) + Math.abs(evt.clientY - s.y0) < 6) { return; }
      s.dragging = true;
      closePopover(false);
      document.documentElement.classList.add("moving-session");
      try { s.el.setPointerCapture(evt.pointerId); } catch (e) { /* not captured: still works */ }
    }
    var top = s.grid.querySelector(".hour").getBoundingClientRect().top;
    s.row = clampRow(s, FIRST_ROW + Math.floor((evt.clientY - top) / s.rowHeight) - s.grab);
    var col = s.col;
    Array.prototype.forEach.call(s.grid.querySelectorAll(".day-head"), function (head) {
      var r = head.getBoundingClientRect();
      if (evt.clientX >= r.left && evt.clientX < r.right) { col = number(head, "gc"); }
    });
    s.col = Math.max(FIRST_COL, Math.min(LAST_COL, col));
    show(s);
    evt.preventDefault();
  });

  function endPointer(evt, cancelled) {
    var s = state;
    if (!s || s.keyboard || evt.pointerId !== s.pointer) { return; }
    document.documentElement.classList.remove("moving-session");
    if (!s.dragging) {
      state = null;
      return;
    }
    swallowClick = !cancelled;
    window.setTimeout(function () { swallowClick = false; }, 400);
    if (cancelled) {
      putBack(s);
    } else {
      drop(s);
    }
  }
  document.addEventListener("pointerup", function (evt) { endPointer(evt, false); });
  document.addEventListener("pointercancel", function (evt) { endPointer(evt, true); });
  document.addEventListener("dragstart", function (evt) {
    if (evt.target.closest && evt.target.closest("#week .event[data-move-url]")) { evt.preventDefault(); }
  });

  // the keyboard: from the popover's button, arrows move a ghost, Enter moves, Escape cancels
  function startKeyMove(id) {
    var el = eventOf(id);
    if (!movable(el)) { return; }
    closePopover(false);
    if (state) { putBack(state); }
    state = begin(el, true);
    show(state);
    el.focus();
    say("Moving the session from " + where(state) + ": arrow keys move it (Up and Down by a quarter " +
        "hour, Left and Right by a day), Enter moves it there, Escape cancels.", false);
  }

  function keyMove(evt) {
    var s = state;
    var moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    if (moves[evt.key]) {
      evt.preventDefault();
      s.col = Math.max(FIRST_COL, Math.min(LAST_COL, s.col + moves[evt.key][0]));
      s.row = clampRow(s, s.row + moves[evt.key][1]);
      show(s);
      say("To " + where(s) + ". Enter moves it there, Escape cancels.", false);
    } else if (evt.key === "Enter") {
      evt.preventDefault();
      drop(s);
    } else if (evt.key === "Escape" || evt.key === "Tab") {
      if (evt.key === "Escape") { evt.preventDefault(); }
      putBack(s);
      say("Move cancelled.", false);
    }
  }
})();
