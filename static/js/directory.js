// Directory: the results follow the filters as they change, without a page load.
// Progressive enhancement only: without JavaScript the form submits as a plain GET and the
// server renders the same page; the URL always carries the search (shareable, bookmarkable).
(function () {
  "use strict";
  var form = document.querySelector("[data-directory-form]");
  var results = document.querySelector("[data-directory-results]");
  var count = document.querySelector("[data-directory-count]");
  if (!form || !results || !count || !window.fetch || !window.URLSearchParams) { return; }
  var timer = null;
  var pending = null;

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (String(value).trim() !== "") { params.append(name, value); }
    });
    return params.toString();
  }

  function update() {
    if (form.checkValidity && !form.checkValidity()) { return; }
    var search = query();
    var url = form.action + (search ? "?" + search : "");
    if (pending) { pending.abort(); }
    pending = window.AbortController ? new AbortController() : null;
    fetch(url, {
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
      signal: pending ? pending.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    }).then(function (html) {
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("[data-directory-results]");
      if (!fresh) { return; }
      results.replaceWith(fresh);
      results = fresh;
      var text = fresh.querySelector("[data-directory-count-text]");
      if (text) { count.textContent = text.content.textContent.trim(); }
      window.history.replaceState(null, "", url);
    }).catch(function (error) {
      // Aborted by a newer search, or offline: the "Rechercher" button still works.
      if (error.name !== "AbortError") { count.textContent = "Mise à jour impossible : utilisez le bouton Rechercher."; }
    });
  }

  function later(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, delay);
  }

  form.addEventListener("input", function (event) {
    later(event.target.type === "search" || event.target.type === "number" ? 350 : 0);
  });
  form.addEventListener("change", function () { later(0); });
})();
