// The coach page's month grid (templates/member/_month.html), keyboard first, as the WAI-ARIA
// date picker grid: one tab stop (roving tabindex), arrows move by day and week, Home / End to
// the start / end of the week, PageUp / PageDown to the previous / next month, Enter or Space
// chooses a day with free times (its link: htmx swaps #booking and pushes ?date=). A move past
// the month's edge goes to the next or previous month when there is one. After a swap, focus is
// back in the grid on the day (or month link) it was on. Without JavaScript the days are links.
(function () {
  "use strict";
  if (window.monthGrid) { return; }
  window.monthGrid = true;

  var pending = null;  // what to focus once #booking / #month is swapped: {date} or {month}

  function grid() { return document.querySelector("#month .month-grid"); }

  function cell(date) {
    var g = grid();
    return g && g.querySelector('[data-date="' + date + '"]');
  }

  function iso(d) {
    return d.getUTCFullYear() + "-" + String(d.getUTCMonth() + 1).padStart(2, "0") + "-" +
      String(d.getUTCDate()).padStart(2, "0");
  }

  function shift(date, days) {
    var d = new Date(date + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return iso(d);
  }

  function weekday(date) {  // Monday 0 ... Sunday 6
    return (new Date(date + "T00:00:00Z").getUTCDay() + 6) % 7;
  }

  function moveTo(el) {
    Array.prototype.forEach.call(grid().querySelectorAll("[data-date][tabindex='0']"), function (x) {
      x.setAttribute("tabindex", "-1");
    });
    el.setAttribute("tabindex", "0");
    el.focus();
  }

  function toMonth(which, date) {
    var link = document.querySelector('#month [data-month="' + which + '"]');
    if (!link) { return false; }
    pending = date ? { date: date } : { month: which };
    link.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("#month .month-grid [data-date]")) { return; }
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var date = el.getAttribute("data-date");
    var target = null;
    switch (event.key) {
      case "ArrowLeft": target = shift(date, -1); break;
      case "ArrowRight": target = shift(date, 1); break;
      case "ArrowUp": target = shift(date, -7); break;
      case "ArrowDown": target = shift(date, 7); break;
      case "Home": target = shift(date, -weekday(date)); break;
      case "End": target = shift(date, 6 - weekday(date)); break;
      case "PageUp":
      case "PageDown":
        event.preventDefault();
        toMonth(event.key === "PageUp" ? "prev" : "next", null);
        return;
      case " ":
      case "Spacebar":
        event.preventDefault();
        if (el.tagName === "A") { el.click(); }
        return;
      case "Enter":
        return;  // a link follows itself (htmx); a day without free times does nothing
      default:
        return;
    }
    event.preventDefault();
    var next = cell(target);
    if (next) {
      moveTo(next);
    } else if (target.slice(0, 7) !== date.slice(0, 7)) {
      toMonth(target > date ? "next" : "prev", target);
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (pending || !elt || !elt.closest) { return; }
    var active = document.activeElement;
    if (elt.matches("#month [data-date]")) {
      pending = { date: elt.getAttribute("data-date") };
    } else if (elt.matches("#month [data-month]")) {
      pending = { month: elt.getAttribute("data-month") };
    } else if (elt.id === "month" && active && active.closest && active.closest("#month")) {
      pending = active.hasAttribute("data-month")
        ? { month: active.getAttribute("data-month") }
        : { date: active.getAttribute("data-date") };
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var swapped = event.detail.target;  // the old element, for an outerHTML swap
    if (!pending || !grid() || !swapped || (swapped.id !== "booking" && swapped.id !== "month")) {
      return;  // another part (the slot list's own refresh) was swapped: keep waiting
    }
    var want = pending;
    pending = null;
    var el = want.date ? cell(want.date) : document.querySelector('#month [data-month="' + want.month + '"]');
    el = el || grid().querySelector("[data-date][tabindex='0']");
    if (!el) { return; }
    if (el.hasAttribute("data-date")) {
      moveTo(el);
    } else {
      el.focus();
    }
  });

  document.addEventListener("htmx:responseError", function () { pending = null; });
})();
