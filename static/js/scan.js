// "Scanner le QR code": fills the ticket number from the camera, on devices that have one.
// Progressive enhancement only: without JavaScript or a camera, the button stays hidden and
// typing the number works as always.
(function () {
  "use strict";
  var box = document.querySelector("[data-scan-target]");
  if (!box || !window.QrScanner || !navigator.mediaDevices) { return; }
  var input = document.getElementById(box.getAttribute("data-scan-target"));
  var button = box.querySelector("[data-scan-start]");
  var video = box.querySelector("[data-scan-video]");
  var status = box.querySelector("[data-scan-status]");
  var scanner = null;

  function stop() {
    if (scanner) { scanner.stop(); scanner.destroy(); scanner = null; }
    video.hidden = true;
    button.textContent = "Scanner le QR code";
  }

  function found(result) {
    var digits = String(result.data || result).replace(/\D/g, "");
    if (digits.length !== 12) { status.textContent = "QR code non reconnu : visez le QR code du ticket."; return; }
    input.value = digits.replace(/(\d{4})(?=\d)/g, "$1 ");
    status.textContent = "Numéro lu : " + input.value + ". Saisissez la date de naissance.";
    stop();
    var next = document.getElementById("id_birth_date");
    if (next) { next.focus(); }
  }

  window.QrScanner.hasCamera().then(function (hasCamera) {
    if (!hasCamera) { return; }
    box.hidden = false;
    button.addEventListener("click", function () {
      if (scanner) { stop(); return; }
      video.hidden = false;
      button.textContent = "Arrêter le scan";
      scanner = new window.QrScanner(video, found, { returnDetailedScanResult: true, preferredCamera: "environment" });
      scanner.start().catch(function () {
        status.textContent = "Caméra indisponible : tapez le numéro.";
        stop();
      });
    });
  });
})();
