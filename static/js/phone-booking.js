// The phone page follows the call: when the times arrive (swapped in place, or on a page that
// opens with them) the operator's focus goes to the first time offered; when an answer needs
// correcting, to that answer; on a fresh call for a customer, to the first question.
(function () {
  const INVALID = '#call-form [aria-invalid="true"]';
  function focusFirst(selector) {
    const element = document.querySelector(selector);
    if (element) element.focus();
    return Boolean(element);
  }
  function focusResult() {
    focusFirst(INVALID) || focusFirst("#offer [data-offer-first]");
  }
  document.addEventListener("htmx:afterSettle", (event) => {
    const source = event.detail.elt;
    if (source && (source.id === "call-form" || source.closest("#offer"))) focusResult();
  });
  document.addEventListener("DOMContentLoaded", () => {
    if (focusFirst("#offer [data-offer-first]")) return;
    focusFirst(INVALID) || focusFirst("#call-form input:not([type=hidden])");
  });
})();
