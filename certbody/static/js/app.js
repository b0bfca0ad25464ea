// certbody console: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Ask before irreversible steps (forms marked data-confirm="...").
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    }
  }, true);

  // Send the CSRF token with htmx requests that change state.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token && event.detail.verb !== "get") {
      event.detail.headers["X-CSRFToken"] = token.value;
    }
  });

  // Choosing an organisation from the search results fills the search box with its name.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.name === "organisation" && input.dataset.label) {
      var query = document.getElementById("id_organisation_query");
      if (query) { query.value = input.dataset.label; }
    }
  });
})();
