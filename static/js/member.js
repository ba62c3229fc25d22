// Member pages: let htmx swap the fragments that report a refusal in place of the part they
// replace, with their status kept for the server's sake: 409 (slot just taken, with the nearest
// free times) and 422 (invalid form, errors inline). Only inside [data-swap-errors].
(function () {
  if (window.coachappMemberSwaps) return;
  window.coachappMemberSwaps = true;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if ((status === 409 || status === 422) && elt && elt.closest && elt.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
