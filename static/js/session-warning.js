// The warning before a signed-in session ends (issue 32, RGAA 13.1; templates/includes/
// session_warning.html). The dialog carries the session's deadlines in the server's epoch
// seconds; the gap between the server's clock and this one is measured from data-now, then
// from each answer. data-warning-seconds before the end, the script first asks the server
// (GET, which does not move the idle clock): another tab may have kept the session alive, and
// then the warning waits for the new end. Otherwise it opens as a modal alert dialog (WAI-ARIA
// APG "Alert and Message Dialogs"): the focus moves to its action, its name and text are read.
// « Rester connecté » posts the dialog's form (CSRF token) with fetch and closes the dialog on
// the new deadlines, so the page is not reloaded and what was typed stays; the focus goes back
// where it was and a status message says the new end. When the end is the absolute maximum
// there is nothing to extend: the dialog says so and offers « Fermer ». At the end it says
// that the session has expired and offers « Se reconnecter » (back to this page).
(function () {
  "use strict";

  var dialog = document.getElementById("avertissement-session");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var form = dialog.querySelector("[data-session-extend]");
  var title = dialog.querySelector("[data-session-title]");
  var error = dialog.querySelector("[data-session-error]");
  var announce = document.querySelector("[data-session-announce]");
  var url = dialog.getAttribute("data-url");
  var warnSeconds = Number(dialog.getAttribute("data-warning-seconds")) || 120;
  var clock = {
    endsAt: Number(dialog.getAttribute("data-ends-at")),
    endsText: dialog.getAttribute("data-ends-text"),
    absoluteText: dialog.getAttribute("data-absolute-text"),
    canExtend: dialog.getAttribute("data-can-extend") === "true",
  };
  // Server time minus this browser's time, in seconds.
  var offset = Number(dialog.getAttribute("data-now")) - Date.now() / 1000;
  var timer = null;
  var returnFocus = null;
  var state = "";
  var busy = false;

  function serverNow() {
    return Date.now() / 1000 + offset;
  }

  function update(answer) {
    offset = answer.now - Date.now() / 1000;
    clock = {
      endsAt: answer.ends_at,
      endsText: answer.ends_text,
      absoluteText: answer.absolute_text,
      canExtend: answer.can_extend,
    };
  }

  // A long wait is cut into steps of a minute at most: a computer put to sleep does not run
  // timers, and each step looks at the clock again.
  function wait(untilSeconds, then) {
    window.clearTimeout(timer);
    var delay = Math.max(0, (untilSeconds - serverNow()) * 1000);
    timer = window.setTimeout(function () {
      if (serverNow() < untilSeconds) {
        wait(untilSeconds, then);
      } else {
        then();
      }
    }, Math.min(delay, 60000));
  }

  function plan() {
    if (serverNow() < clock.endsAt - warnSeconds) {
      wait(clock.endsAt - warnSeconds, check);
    } else if (serverNow() < clock.endsAt) {
      wait(clock.endsAt, check);
    }
  }

  function ask(options) {
    var headers = { Accept: "application/json" };
    return window.fetch(url, Object.assign({ credentials: "same-origin", headers: headers }, options))
      .then(function (response) {
        if (response.status === 401) {
          return null; // signed out: expired, or ended elsewhere
        }
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") !== 0) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      });
  }

  function fill() {
    dialog.querySelectorAll("[data-session-ends]").forEach(function (span) {
      span.textContent = clock.endsText;
    });
    dialog.querySelectorAll("[data-session-absolute]").forEach(function (span) {
      span.textContent = clock.absoluteText;
    });
  }

  function show(newState) {
    state = newState;
    fill();
    dialog.querySelectorAll("[data-session-state]").forEach(function (part) {
      part.hidden = part.getAttribute("data-session-state").split(" ").indexOf(state) < 0;
    });
    if (state === "expired") {
      title.textContent = dialog.getAttribute("data-title-expired");
    }
    error.hidden = true;
    if (!dialog.open) {
      returnFocus = document.activeElement;
      dialog.showModal();
    }
    var target = {
      extendable: "[data-session-extend] button",
      final: "[data-session-close]",
      expired: "[data-session-login]",
    }[state];
    dialog.querySelector(target).focus();
  }

  function close() {
    if (dialog.open) {
      dialog.close();
    }
  }

  // The moment has come (the warning's, or the end's): is it still so on the server?
  function check() {
    ask({ method: "GET" })
      .then(function (answer) {
        if (answer === null) {
          show("expired");
          return;
        }
        update(answer);
        if (serverNow() < clock.endsAt - warnSeconds) {
          close(); // extended in another tab
        } else {
          show(clock.canExtend ? "extendable" : "final");
        }
        plan();
      })
      .catch(function () {
        // Unreachable server: warn from what the page knows.
        if (serverNow() < clock.endsAt) {
          show(clock.canExtend ? "extendable" : "final");
          plan();
        } else {
          show("expired");
        }
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    busy = true;
    ask({ method: "POST", body: new FormData(form) })
      .then(function (answer) {
        if (answer === null) {
          show("expired");
          return;
        }
        update(answer);
        close();
        announce.textContent = dialog.getAttribute("data-extended-text") + " " + clock.endsText + ".";
        plan();
      })
      .catch(function () {
        error.hidden = false;
      })
      .finally(function () {
        busy = false;
      });
  });

  dialog.querySelector("[data-session-close]").addEventListener("click", close);

  // Closed by a button or by Escape: the focus goes back where it was.
  dialog.addEventListener("close", function () {
    if (returnFocus && typeof returnFocus.focus === "function" && document.contains(returnFocus)) {
      returnFocus.focus();
    }
    returnFocus = null;
  });

  plan();
})();
