// A table too wide for the screen scrolls sideways inside its own box (reelwork.css); such a box
// must be reachable by keyboard to be scrolled, and named for screen readers (WCAG 2.1.1).
(function () {
  const label = document.documentElement.dataset.scrollLabel || "";
  function mark() {
    for (const table of document.querySelectorAll("main table")) {
      const scrolls = table.scrollWidth > table.clientWidth + 1 && getComputedStyle(table).overflowX !== "visible";
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.tabIndex = 0;
        table.setAttribute("role", "region");
        const caption = table.caption?.textContent.trim();
        table.setAttribute("aria-label", caption || table.previousElementSibling?.textContent.trim() || label);
        table.dataset.scrollBox = "1";
      } else if (!scrolls && table.dataset.scrollBox) {
        table.removeAttribute("tabindex"); table.removeAttribute("role"); table.removeAttribute("aria-label");
        delete table.dataset.scrollBox;
      }
    }
  }
  mark();
  let pending = null;
  window.addEventListener("resize", () => { clearTimeout(pending); pending = setTimeout(mark, 100); });
})();
