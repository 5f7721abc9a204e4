// Loaded on every page (base.html). The pages work without it; it fixes two things markup
// alone cannot (issue 22).
(function () {
  "use strict";

  // A scrollable table is a tab stop (tabindex=0, so that a keyboard can scroll it); one that
  // fits its width is not scrollable, so it leaves the tab order, and comes back to it if the
  // window narrows.
  function tableWrapsTabStops() {
    document.querySelectorAll(".table-wrap[role=region]").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute("tabindex", "0");
      } else {
        wrap.removeAttribute("tabindex");
      }
    });
  }

  // The browser skips `autofocus` when the address ends with a fragment, as after a link of
  // the error summary was followed and the form sent again (the redirect keeps the fragment),
  // and focuses the fragment's field once the page has loaded. The element meant to be read
  // first (error summary, message) gets the focus all the same.
  function focusWhatAutofocusMissed() {
    var first = document.querySelector("[autofocus]");
    if (first && window.location.hash && document.activeElement !== first) {
      first.focus();
    }
  }

  tableWrapsTabStops();
  window.addEventListener("resize", tableWrapsTabStops);
  window.addEventListener("load", function () {
    tableWrapsTabStops();
    focusWhatAutofocusMissed();
  });
})();
