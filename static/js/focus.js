// The browser skips `autofocus` when the address ends with a fragment, as it does after a link
// of the error summary was followed and the form was sent again (the redirect keeps the
// fragment), and focuses the fragment's field instead once the page has loaded. The element
// meant to be read first (error summary, message) gets the focus all the same.
window.addEventListener("load", function () {
  "use strict";
  var first = document.querySelector("[autofocus]");
  if (first && window.location.hash && document.activeElement !== first) {
    first.focus();
  }
});
