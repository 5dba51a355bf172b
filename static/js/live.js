// The organiser's live page of a round: every [data-live-every] seconds (30 by default) the
// figures part ([data-live-src], an HTML fragment from the server) is fetched again and swapped
// in, so the page is never reloaded whole and the buttons and forms around it stay as they are.
// Nothing is fetched while the tab is hidden; coming back refreshes at once. Without this
// script the page has a "Tải lại số liệu" link.
(function () {
  "use strict";
  var box = document.querySelector("[data-live-src]");
  if (!box || !window.fetch) { return; }
  var src = box.getAttribute("data-live-src");
  var seconds = Math.max(2, parseInt(box.getAttribute("data-live-every"), 10) || 30);
  var status = document.getElementById("live-status");
  var busy = false, stopped = false;

  function say(text) { if (status) { status.textContent = text; } }

  function clock() {
    var d = new Date(), pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  function refresh() {
    if (busy || stopped || document.hidden) { return; }
    busy = true;
    fetch(src, {credentials: "same-origin", headers: {"Accept": "text/html"}, cache: "no-store"})
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403) {
          stopped = true;     // logged out (sent to the log-in page) or no longer allowed
          throw new Error("session");
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        box.innerHTML = html;
        say("Tự cập nhật mỗi " + seconds + " giây; lần gần nhất lúc " + clock() + ".");
      })
      .catch(function (error) {
        say(error.message === "session"
          ? "Đã ngừng tự cập nhật: phiên đăng nhập đã hết. Hãy tải lại trang."
          : "Chưa cập nhật được (mất kết nối hoặc máy chủ bận); sẽ thử lại.");
      })
      .then(function () { busy = false; });
  }

  say("Tự cập nhật mỗi " + seconds + " giây.");
  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
})();
