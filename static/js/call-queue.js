// The operators' call queue: a refused outcome (400/409) is shown in place like a success, the
// focus goes to what changed (the field at fault, the task taken, or the next-call key), and
// single keys press the buttons that show them (N next call, 1-6 the outcomes, B book now)
// when no box has the focus.
(function () {
  const WORK = "#call-work";
  function focusResult() {
    const target =
      document.querySelector(WORK + ' [aria-invalid="true"]') ||
      document.querySelector(WORK + " [data-focus]");
    if (target) target.focus();
  }
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if ((status === 400 || status === 409) && event.detail.elt.closest(WORK)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSettle", focusResult);
  document.addEventListener("DOMContentLoaded", focusResult);
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    const typing = event.target.closest("input, textarea, select, [contenteditable]");
    if (typing) return;
    const key = event.key.toLowerCase();
    const button = document.querySelector(WORK + ' .call-key[data-key="' + CSS.escape(key) + '"]');
    if (!button) return;
    event.preventDefault();
    button.click();
  });
})();
