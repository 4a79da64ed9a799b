// Keyboard navigation for search-as-you-type results: ArrowDown/ArrowUp move between results,
// Escape goes back to the search box, Enter follows the focused link (the browser does that).
(function () {
  const input = document.getElementById("customer-query");
  const box = document.getElementById("search-results");
  if (!input || !box) return;
  const links = () => Array.from(box.querySelectorAll("a.result"));
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && links().length) {
      event.preventDefault();
      links()[0].focus();
    }
  });
  box.addEventListener("keydown", (event) => {
    const all = links();
    const index = all.indexOf(document.activeElement);
    if (index === -1) return;
    if (event.key === "ArrowDown" && index < all.length - 1) {
      event.preventDefault();
      all[index + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (index === 0 ? input : all[index - 1]).focus();
    } else if (event.key === "Escape") {
      input.focus();
    }
  });
})();
