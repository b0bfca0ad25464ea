// Public website: one enhancement. The site works without it; the server also ignores a repeated submission.
(function () {
  "use strict";
  // A double click sends a form once: the button is disabled after the first submit. The mark is on the button,
  // or on an element around forms drawn by shared templates (the staff actions panel).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var button = form.querySelector("button[data-once]");
    if (!button && form.closest("[data-once]")) { button = form.querySelector("button[type=submit]"); }
    if (!button) { return; }
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    window.setTimeout(function () { button.disabled = true; }, 0);
  });
})();
