// Work in progress shown in place (issue 22 §9): a zone marked data-live-progress is fetched
// again every data-interval seconds and only its data-progress-body is replaced, so the focus
// and the reading position stay where they are. A polite live region says the new step only
// when it changes (data-summary). "Arrêter la mise à jour", placed before the zone, stops it.
// When the page no longer has the zone (the work is done), its main content is replaced and
// the focus goes to its heading. Without JavaScript the zone offers a plain "Actualiser" link.
(function () {
  "use strict";

  function watch(zone) {
    var body = zone.querySelector("[data-progress-body]");
    var announce = zone.querySelector("[data-progress-announce]");
    var stop = zone.querySelector("[data-progress-stop]");
    var manual = zone.querySelector("[data-progress-manual]");
    var seconds = Number(zone.getAttribute("data-interval")) || 5;
    var last = body.getAttribute("data-summary") || "";
    var timer = null;

    function schedule() {
      timer = window.setTimeout(tick, seconds * 1000);
    }

    function finish(fresh) {
      var main = document.querySelector("main");
      var freshMain = fresh.querySelector("main");
      if (!main || !freshMain) {
        window.location.reload();
        return;
      }
      main.innerHTML = freshMain.innerHTML;
      var heading = main.querySelector("h1");
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
    }

    function tick() {
      window.fetch(window.location.href, { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          var freshZone = fresh.getElementById(zone.id);
          if (!freshZone) {
            finish(fresh);
            return;
          }
          var freshBody = freshZone.querySelector("[data-progress-body]");
          body.innerHTML = freshBody.innerHTML;
          var summary = freshBody.getAttribute("data-summary") || "";
          if (summary && summary !== last) {
            announce.textContent = summary;
            last = summary;
          }
          schedule();
        })
        .catch(schedule);
    }

    stop.hidden = false;
    stop.addEventListener("click", function () {
      window.clearTimeout(timer);
      stop.hidden = true;
      announce.textContent = "Mise à jour arrêtée : utilisez « Actualiser ».";
    });
    if (manual) {
      manual.textContent = "Actualiser maintenant";
    }
    schedule();
  }

  document.querySelectorAll("[data-live-progress][id]").forEach(watch);
})();
