// Nothing typed is lost: forms marked data-autosave="key" keep their fields in this browser's storage while the
// client types, and get them back after a failed request or an expired session. A page that confirms the data
// was saved on the server carries data-clear-drafts="key" and the copy is dropped.
// Drafts belong to one user (the key holds the user's id) and are dropped when anyone logs out on this browser.
// A double click sends a portal form once: buttons marked data-once are disabled after the first submit.
(function () {
  "use strict";
  var ROOT = "certbody.draft.";
  var script = document.querySelector("script[data-draft-owner]");
  var PREFIX = ROOT + ((script && script.dataset.draftOwner) || "anon") + ".";
  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "file" && el.type !== "password" &&
        el.type !== "hidden" && el.type !== "submit";
    });
  }
  function save(form) {
    var store = storage();
    if (!store) return;
    var data = {};
    fields(form).forEach(function (el) {
      data[el.name] = (el.type === "checkbox" || el.type === "radio") ? el.checked : el.value;
    });
    store.setItem(PREFIX + form.dataset.autosave, JSON.stringify(data));
  }
  function restore(form) {
    var store = storage();
    if (!store) return;
    var raw = store.getItem(PREFIX + form.dataset.autosave);
    if (!raw) return;
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    var restored = false;
    fields(form).forEach(function (el) {
      if (!(el.name in data)) return;
      if (el.type === "checkbox" || el.type === "radio") return;  // the server's answer wins for choices
      if (!el.value && data[el.name]) { el.value = data[el.name]; restored = true; }
    });
    if (restored) form.classList.add("is-restored");
  }
  function clearAll() {
    var store = storage();
    if (!store) return;
    var keys = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(ROOT) === 0) keys.push(key);
    }
    keys.forEach(function (key) { store.removeItem(key); });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.classList.contains("logout")) { clearAll(); return; }
    var button = form.querySelector("button[data-once]");
    if (!button) return;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    window.setTimeout(function () { button.disabled = true; }, 0);
  });
  // Back to a page kept in the browser's cache: its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[data-once]").forEach(function (b) { b.disabled = false; });
    });
  });
  document.addEventListener("DOMContentLoaded", function () {
    var store = storage();
    document.querySelectorAll("[data-clear-drafts]").forEach(function (el) {
      el.dataset.clearDrafts.split(" ").forEach(function (key) { if (store && key) store.removeItem(PREFIX + key); });
    });
    document.querySelectorAll("form[data-autosave]").forEach(function (form) {
      restore(form);
      form.addEventListener("input", function () { save(form); });
      form.addEventListener("change", function () { save(form); });
    });
  });
})();
