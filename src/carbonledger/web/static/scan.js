// Scanning a voucher's QR code with the phone's camera, where the browser has a
// BarcodeDetector: the code found fills the lookup form and sends it. Elsewhere staff type it.
(function () {
  "use strict";
  var box = document.getElementById("scanner");
  if (!box || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  box.hidden = false;
  var video = document.getElementById("camera");
  var form = document.getElementById("voucher-lookup");
  var input = document.getElementById("code");
  document.getElementById("scan").addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      return video.play().then(function () {
        function look() {
          detector.detect(video).then(function (found) {
            if (found.length) {
              stream.getTracks().forEach(function (track) { track.stop(); });
              input.value = found[0].rawValue;
              form.submit();
            } else {
              window.requestAnimationFrame(look);
            }
          }, function () { window.requestAnimationFrame(look); });
        }
        look();
      });
    }, function () { box.hidden = true; });
  });
})();
