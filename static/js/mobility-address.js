// The pick-up and delivery address is asked for only when a mobility that sends a driver is
// chosen. Without this script the field is always shown, and the server requires it for those
// kinds only. Hidden, it is also disabled, so the form does not send an address nobody needs.
(function () {
  function sync() {
    document.querySelectorAll("[data-address-for]").forEach((wrapper) => {
      const form = wrapper.closest("form");
      const kinds = wrapper.dataset.addressFor.split(" ");
      const chosen = form && form.querySelector('input[name="mobility"]:checked');
      const wanted = Boolean(chosen && kinds.includes(chosen.value));
      wrapper.hidden = !wanted;
      wrapper.querySelectorAll("input").forEach((input) => {
        input.disabled = !wanted;
      });
    });
  }
  document.addEventListener("change", (event) => {
    if (event.target.name === "mobility") sync();
  });
  document.addEventListener("htmx:afterSettle", sync);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", sync);
  else sync();
})();
