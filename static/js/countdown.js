// Ticks every [data-countdown] (seconds from the server, written as "còn …" the way the
// server's `khoang` filter writes it) and reloads the page when one reaches zero, so a
// contest that opens shows its start button without the member reloading by hand.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-countdown]"));
  if (!items.length) return;
  var started = Date.now();
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  function span(s) {
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (d) return d + " ngày " + h + " giờ";
    if (h) return h + " giờ " + pad(m) + " phút";
    return pad(m) + ":" + pad(s % 60);
  }
  function tick() {
    var passed = Math.floor((Date.now() - started) / 1000);
    items.forEach(function (el) {
      var left = Math.max(0, parseInt(el.getAttribute("data-countdown"), 10) - passed);
      el.textContent = "(còn " + span(left) + ")";
      if (left === 0 && !el.reloading) { el.reloading = true; setTimeout(function () { location.reload(); }, 1500); }
    });
  }
  setInterval(tick, 1000);
})();
