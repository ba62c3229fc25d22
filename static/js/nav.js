// Page chrome shared by every page (loaded from base.html; no inline script under the CSP).
//
// 1. The phone menu: the main nav's "Menu" button is a WAI-ARIA disclosure. Its aria-expanded
//    shows or hides the links (the CSS does the hiding, only under 600 px and only once this script
//    marks <html class="js">: without JavaScript the button is never shown and the links wrap).
//    Escape closes it and gives focus back to the button; a click elsewhere closes it. Listeners
//    sit on the document, so the nav that hx-boost swaps in with every page needs no set-up.
// 2. 24-hour times: Chromium, Safari and Firefox draw <input type=time> in the browser's locale
//    (the page's lang does not change it), so an en-US browser showed "09:00 AM", cut off. Each
//    time field becomes a text field for HH:MM (the same value the time field sends), with a
//    pattern the browser checks and a numeric keyboard on phones; the server checks it as before.
// 3. One date format: <input type=date> and <input type=month> are drawn in the browser's locale
//    too ("11/30/2026", "mm/dd/yyyy" under en-US), while the app writes "Mon 30 Nov". Each becomes
//    a text field that takes and sends the ISO value the server already parses (YYYY-MM-DD,
//    YYYY-MM), with a readout beside it in the app's words ("Mon 30 Nov 2026", "November 2026")
//    named by aria-describedby, updated as one types, and an inline message when the text is no
//    date. Eight digits ("20261130") are written out as 2026-11-30 when the field is left or its
//    form sent. min/max stay on the field and become its title's hint. Without JavaScript the
//    native field stays (docs/architecture.md, "Dates in forms").
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function menuButtons() {
    return document.querySelectorAll(".menu-button[aria-controls]");
  }

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".menu-button[aria-controls]");
    if (button) {
      setOpen(button, button.getAttribute("aria-expanded") !== "true");
      return;
    }
    menuButtons().forEach(function (other) {
      var menu = document.getElementById(other.getAttribute("aria-controls"));
      if (!menu || !menu.contains(event.target)) setOpen(other, false);
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menuButtons().forEach(function (button) {
      if (button.getAttribute("aria-expanded") !== "true") return;
      var menu = document.getElementById(button.getAttribute("aria-controls"));
      var inside = menu && menu.contains(document.activeElement);
      setOpen(button, false);
      if (inside || document.activeElement === button) button.focus();
    });
  });

  var TIME = "([01][0-9]|2[0-3]):[0-5][0-9]";

  function twentyFourHour(root) {
    if (!root || !root.querySelectorAll) return;
    var fields = root.matches && root.matches("input[type=time]") ? [root] : [];
    root.querySelectorAll("input[type=time]").forEach(function (field) { fields.push(field); });
    fields.forEach(function (field) {
      var value = field.value;
      field.type = "text";
      field.value = value ? value.slice(0, 5) : "";
      field.inputMode = "numeric";
      field.pattern = TIME;
      field.maxLength = 5;
      field.autocomplete = "off";
      field.classList.add("time24");
      if (!field.placeholder) field.placeholder = "HH:MM";
      if (!field.title) field.title = "24-hour time, HH:MM";
    });
  }

  var DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var FIRST_YEAR = 1900, LAST_YEAR = 9000;  // inputs.parse_date's years (services.coaches)
  var KINDS = {
    date: {
      shape: "YYYY-MM-DD",
      pattern: "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])",
      partial: /^[0-9]{0,4}(-([0-9]{0,2}(-[0-9]{0,2})?)?)?$/,
      digits: /^([0-9]{4})([0-9]{2})([0-9]{2})$/,
      parse: function (text) {
        var m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(text);
        if (!m) return null;
        var y = +m[1], mo = +m[2], d = +m[3];
        var day = new Date(Date.UTC(y, mo - 1, d));
        day.setUTCFullYear(y);
        if (day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return null;
        if (y < FIRST_YEAR || y > LAST_YEAR) return null;
        return DAYS[day.getUTCDay()] + " " + d + " " + MONTHS[mo - 1].slice(0, 3) + " " + y;
      },
      wrong: "Not a date: type it as YYYY-MM-DD, for example 2026-11-30."
    },
    month: {
      shape: "YYYY-MM",
      pattern: "[0-9]{4}-(0[1-9]|1[0-2])",
      partial: /^[0-9]{0,4}(-[0-9]{0,2})?$/,
      digits: /^([0-9]{4})([0-9]{2})$/,
      parse: function (text) {
        var m = /^([0-9]{4})-([0-9]{2})$/.exec(text);
        if (!m || +m[2] < 1 || +m[2] > 12 || +m[1] < FIRST_YEAR || +m[1] > LAST_YEAR) return null;
        return MONTHS[+m[2] - 1] + " " + m[1];
      },
      wrong: "Not a month: type it as YYYY-MM, for example 2026-11."
    }
  };

  function written(kind, text) {
    // "20261130" as "2026-11-30"; anything else as typed (trimmed)
    var m = kind.digits.exec(text.trim());
    return m ? m.slice(1).join("-") : text.trim();
  }

  function readOut(field, finished) {
    var kind = KINDS[field.dataset.isoField];
    var readout = document.getElementById(field.dataset.readout);
    if (!kind || !readout) return;
    var text = field.value.trim();
    var words = text ? kind.parse(finished ? written(kind, text) : text) : null;
    // while typing, a beginning of the shape is not wrong yet; a finished text is judged whole
    var bad = !!text && !words && (finished || !kind.partial.test(text) ||
      text.length >= kind.shape.length);
    readout.textContent = words || (bad ? kind.wrong : "");
    readout.classList.toggle("error", bad);
    if (bad) {
      field.setAttribute("aria-invalid", "true");
      field.dataset.isoInvalid = "1";
    } else if (field.dataset.isoInvalid) {  // only what this script marked
      field.removeAttribute("aria-invalid");
      delete field.dataset.isoInvalid;
    }
  }

  function finish(field) {
    var kind = KINDS[field.dataset.isoField];
    if (!kind) return;
    var text = written(kind, field.value);
    if (text !== field.value) field.value = text;
    readOut(field, true);
  }

  var readouts = 0;

  function isoFields(root) {
    if (!root || !root.querySelectorAll) return;
    var selector = "input[type=date], input[type=month]";
    var fields = root.matches && root.matches(selector) ? [root] : [];
    root.querySelectorAll(selector).forEach(function (field) { fields.push(field); });
    fields.forEach(function (field) {
      var name = field.type;
      var kind = KINDS[name];
      var value = field.getAttribute("value") !== null && !field.value ? field.getAttribute("value") : field.value;
      var hint = [];
      if (field.min) hint.push("from " + field.min);
      if (field.max) hint.push("up to " + field.max);
      field.type = "text";
      field.value = value || "";
      field.dataset.isoField = name;
      field.inputMode = "numeric";
      field.pattern = kind.pattern;
      field.maxLength = kind.shape.length;
      field.autocomplete = "off";
      field.spellcheck = false;
      field.classList.add("iso-" + name);
      field.placeholder = kind.shape;
      if (!field.title) {
        field.title = (name === "date" ? "Date" : "Month") + " as " + kind.shape +
          (hint.length ? ", " + hint.join(" ") : "");
      }
      if (!field.id) field.id = "iso-field-" + (++readouts);
      var readout = document.createElement("span");
      readout.className = "iso-readout";
      readout.id = field.id + "-readout";
      field.dataset.readout = readout.id;
      field.insertAdjacentElement("afterend", readout);
      var described = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      described.push(readout.id);
      field.setAttribute("aria-describedby", described.join(" "));
      readOut(field, false);
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target.dataset && event.target.dataset.isoField) readOut(event.target, false);
  });
  // "change" comes when the field is left, and before a form is sent with Enter
  document.addEventListener("change", function (event) {
    if (event.target.dataset && event.target.dataset.isoField) finish(event.target);
  }, true);
  // capturing, so it runs before htmx reads the form
  document.addEventListener("submit", function (event) {
    event.target.querySelectorAll("[data-iso-field]").forEach(finish);
  }, true);

  function enhance(root) {
    twentyFourHour(root);
    isoFields(root);
  }

  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
  // htmx:load comes when a swap settles (20 ms on): new content is turned as soon as it is in
  // the page instead, before it is drawn, so a native field never flashes up
  new MutationObserver(function (changes) {
    changes.forEach(function (change) { change.addedNodes.forEach(enhance); });
  }).observe(document.documentElement, { childList: true, subtree: true });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();
