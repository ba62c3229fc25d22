// Member pages: the booking sheet (and the cancel / move sheets of My sessions) is a modal
// <dialog>. htmx fills it (hx-target="#sheet"); this file opens it with showModal() when content
// arrives and closes it when an empty answer (Close) arrives, puts focus on what the sheet asks
// for ([data-focus], else the first invalid field, else its heading), keeps Tab inside, closes
// it on Escape (the browser's own "cancel") and on a click on the backdrop, and gives focus back
// to the slot that opened it. Slots are links with role="button": Space opens them as Enter does.
// Without JavaScript the sheet is a page of its own (the dialog is rendered open, not modal).
(function () {
  "use strict";
  if (window.memberDialog) { return; }
  window.memberDialog = true;

  var opener = null;       // the element whose request opened the sheet
  var openerKey = null;    // its URL, to find it again once the slot list was refreshed

  function isSheet(el) {
    return el && el.matches && el.matches("dialog.sheet");
  }

  function focusables(dialog) {
    return Array.prototype.filter.call(
      dialog.querySelectorAll("a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])"),
      function (el) { return el.offsetParent !== null || el.getClientRects().length > 0; }
    );
  }

  function focusInside(dialog) {
    var target = dialog.querySelector("[data-focus]") ||
      dialog.querySelector("[aria-invalid=true]") ||
      dialog.querySelector("h2");
    if (target) { target.focus(); }
  }

  function open(dialog) {
    if (!dialog.firstElementChild) { return; }
    if (dialog.querySelector("#sheet-title")) {
      dialog.setAttribute("aria-labelledby", "sheet-title");
    }
    if (!dialog.open) {
      dialog.showModal();
    } else if (!dialog.matches(":modal")) {  // rendered open by the server (the no-JS page)
      dialog.dataset.reopening = "1";  // the "close" this fires (later) is not the member's
      dialog.close();
      dialog.showModal();
    }
    focusInside(dialog);
  }

  function giveFocusBack() {
    var back = opener && document.body.contains(opener) ? opener : null;
    if (!back && openerKey) {  // the list was refreshed: the same slot, if still free
      back = Array.prototype.find.call(document.querySelectorAll("[hx-get]"), function (el) {
        return el.getAttribute("hx-get") === openerKey && !el.closest("dialog");
      });
    }
    ["#slot-list .slot", "#session-list a", "main h1"].forEach(function (selector) {
      back = back || document.querySelector(selector);  // in this order, not the document's
    });
    opener = openerKey = null;
    if (back) {
      if (back.matches("h1")) { back.setAttribute("tabindex", "-1"); }
      back.focus();
    }
  }

  function syncFieldErrors(root) {
    // The preview's answer carries each field's error list (hx-swap-oob): a field is invalid
    // exactly while its list says something.
    Array.prototype.forEach.call(root.querySelectorAll(".field-errors"), function (list) {
      var field = list.closest(".field");
      var input = field && field.querySelector("input, select");
      var bad = list.textContent.trim() !== "";
      if (field) { field.classList.toggle("has-error", bad); }
      if (input) {
        if (bad) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      }
    });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (isSheet(target) && !target.open) {
      opener = event.detail.elt;
      openerKey = opener.getAttribute("hx-get");
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!isSheet(target)) { return; }
    if (target.firstElementChild) {
      // htmx wires the new content up only when it settles (20 ms later): wire it now, before
      // the focus lands in it, or a quick Enter on Confirm posts the form without htmx.
      htmx.process(target);
      open(target);
    } else if (target.open) {
      target.close();
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    syncFieldErrors(document);
  });

  // "close" does not bubble: listen while capturing. Escape, Close, Done and the backdrop end here.
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!isSheet(dialog)) { return; }
    if (dialog.dataset.reopening) {
      delete dialog.dataset.reopening;
      return;
    }
    dialog.replaceChildren();
    dialog.removeAttribute("aria-labelledby");
    giveFocusBack();
  }, true);

  document.addEventListener("click", function (event) {
    var dialog = event.target;
    // A click on the dialog itself (not on its content, which fills it) is on the backdrop.
    if (isSheet(dialog) && dialog.open) { dialog.close(); }
  });

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if ((event.key === " " || event.key === "Spacebar") && el.matches && el.matches("a.slot[role=button]")) {
      event.preventDefault();
      el.click();
      return;
    }
    if (event.key !== "Tab") { return; }
    var dialog = el.closest && el.closest("dialog.sheet");
    if (!dialog || !dialog.open) { return; }
    var items = focusables(dialog);
    if (!items.length) { event.preventDefault(); return; }
    var first = items[0];
    var last = items[items.length - 1];
    if (event.shiftKey && (el === first || items.indexOf(el) === -1)) {
      event.preventDefault();  // from the first control or the heading: round to the last
      last.focus();
    } else if (!event.shiftKey && el === last) {
      event.preventDefault();
      first.focus();
    }
  });

  function upgrade() {
    var dialog = document.querySelector("dialog.sheet[open]");
    if (dialog && !dialog.matches(":modal")) { open(dialog); }
  }
  document.addEventListener("htmx:load", upgrade);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", upgrade);
  } else {
    upgrade();
  }
})();
