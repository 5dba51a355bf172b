// A background job's page: every [data-job-every] seconds the job's JSON is fetched and the
// bar and the step's label updated; once the job is done or failed the page is loaded again to
// show the result (or the error) and the file. Without this script the page refreshes itself
// (a <noscript> meta refresh).
(function () {
  "use strict";
  var box = document.querySelector("[data-job-src]");
  if (!box || !window.fetch) { return; }
  var src = box.getAttribute("data-job-src");
  var seconds = Math.max(1, parseInt(box.getAttribute("data-job-every"), 10) || 2);
  var bar = document.getElementById("job-bar");
  var label = document.getElementById("job-label");
  var busy = false;

  function show(job) {
    if (job.state === "done" || job.state === "failed") { window.location.reload(); return; }
    if (bar) { bar.value = job.percent; bar.textContent = job.percent + "%"; }
    if (label) { label.textContent = job.label + (job.total ? " (" + job.done + "/" + job.total + ")" : ""); }
  }

  function poll() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(src, {credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (response) {
        if (!response.ok || response.redirected) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(show)
      .catch(function () {
        if (label) { label.textContent = "Chưa cập nhật được (mất kết nối hoặc máy chủ bận); sẽ thử lại."; }
      })
      .then(function () { busy = false; });
  }

  window.setInterval(poll, seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { poll(); } });
})();
