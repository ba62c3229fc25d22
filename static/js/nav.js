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

  document.addEventListener("htmx:load", function (event) { twentyFourHour(event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { twentyFourHour(document); });
  } else {
    twentyFourHour(document);
  }
})();
