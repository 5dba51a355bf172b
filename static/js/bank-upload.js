// Question file upload with a progress bar. The form is sent with XMLHttpRequest so the
// upload percentage can be shown on a slow connection; then "Đang kiểm tra…" while the
// server reads and checks the file; then the server's answer replaces the page. Without
// JavaScript (or without XHR upload events) the plain form posts as usual.
(function () {
  "use strict";
  if (!window.FormData || !window.DOMParser) { return; }

  function showAnswer(xhr) {
    var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    document.title = page.title;
    document.body.replaceWith(page.body);
    window.scrollTo(0, 0);
    // Scripts brought in by the parser do not run; load the page's own scripts again.
    document.querySelectorAll("body script[src]").forEach(function (old) {
      var script = document.createElement("script");
      script.src = old.src;
      old.replaceWith(script);
    });
  }

  function attach(form) {
    var box = form.querySelector(".upload-progress");
    var bar = box && box.querySelector("progress");
    var status = box && box.querySelector(".status");
    var button = form.querySelector("button[type=submit]");
    if (!box || !bar || !status) { return; }

    form.addEventListener("submit", function (event) {
      var file = form.querySelector("input[type=file]");
      if (!file || !file.files || !file.files.length) { return; } // the server says what is missing
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var percent = Math.round(e.loaded * 100 / e.total);
        bar.value = percent;
        bar.textContent = percent + "%";
        status.textContent = "Đang tải lên… " + percent + "%";
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value"); // indeterminate while the server checks the file
        status.textContent = "Đang kiểm tra…";
      });
      xhr.addEventListener("load", function () {
        var target = xhr.responseURL ? new URL(xhr.responseURL) : null;
        if (target && target.pathname !== new URL(form.action, location.href).pathname) {
          location.assign(xhr.responseURL); // redirected (to the login page, say): go there
          return;
        }
        showAnswer(xhr);
      });
      xhr.addEventListener("error", function () {
        box.hidden = false;
        status.textContent = "Mất kết nối khi tải lên. Vui lòng kiểm tra mạng rồi thử lại.";
        button.disabled = false;
      });
      bar.value = 0;
      status.textContent = "Đang tải lên… 0%";
      box.hidden = false;
      button.disabled = true;
      xhr.send(new FormData(form));
    });
  }

  document.querySelectorAll("form.upload-form").forEach(attach);
})();
