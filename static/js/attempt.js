// The attempt page. Without this script the page is a plain form that submits. With it:
// answers are saved to the server as the member goes (800 ms after a change, and at least
// every 15 s while some are unsaved), unsaved ones are kept in localStorage and re-sent after
// a dropped connection, the countdown follows the server's seconds_left (measured with
// performance.now(), never the phone's clock) and submits the form at 0, and submitting asks
// for confirmation with the number of unanswered questions.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form || !window.fetch || !window.JSON) { return; }

  var DEBOUNCE_MS = 800, EVERY_MS = 15000, RETRY_MS = 3000;
  var key = "attempt:" + form.dataset.attemptId;
  var token = form.querySelector("input[name=csrf_token]").value;
  var timer = document.getElementById("timer");
  var status = document.getElementById("save-status");
  var answeredBox = document.getElementById("answered");
  var progress = document.getElementById("progress");
  var prediction = document.getElementById("prediction");
  var total = form.querySelectorAll("fieldset").length;

  // Unsaved changes: question id -> option id (null clears); the prediction when changed.
  var pending = {}, pendingPrediction, inFlight = false, failed = false, lastSend = 0, debounce = null;
  var finished = false, submitting = false;

  function store() {
    try {
      var answers = {};
      form.querySelectorAll("input[type=radio]:checked").forEach(function (r) { answers[r.name.slice(1)] = r.value; });
      localStorage.setItem(key, JSON.stringify({answers: answers, pending: pending, prediction: pendingPrediction}));
    } catch (e) { /* storage full or disabled: the server copy still counts */ }
  }

  function clearStore() { try { localStorage.removeItem(key); } catch (e) { /* nothing to do */ } }

  function hasPending() { return Object.keys(pending).length > 0 || pendingPrediction !== undefined; }

  function countAnswered() {
    var n = form.querySelectorAll("input[type=radio]:checked").length;
    answeredBox.textContent = n;
    if (progress) { progress.value = n; }
    return n;
  }

  function say(text, bad) {
    status.textContent = text;
    status.classList.toggle("bad", !!bad);
  }

  // Restore what this phone had not yet saved (what the server saved is already checked: it
  // may be newer, from another device).
  function restore() {
    var kept;
    try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
    if (!kept) { return; }
    Object.keys(kept.pending || {}).forEach(function (q) {
      var option = kept.pending[q];
      var input = option === null ? null : form.querySelector("input[name='q" + q + "'][value='" + option + "']");
      if (input) { input.checked = true; pending[q] = option; }
    });
    if (prediction && kept.prediction !== undefined && kept.prediction !== null) {
      prediction.value = kept.prediction;
      pendingPrediction = kept.prediction;
    }
  }

  function send() {
    if (inFlight || finished || !hasPending()) { return; }
    inFlight = true;
    lastSend = performance.now();
    var answers = {}, sentPrediction = pendingPrediction;
    Object.keys(pending).forEach(function (q) { answers[q] = pending[q] === null ? null : Number(pending[q]); });
    var body = {answers: answers};
    if (sentPrediction !== undefined) { body.prediction = sentPrediction === "" ? null : Number(sentPrediction); }
    fetch(form.dataset.saveUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        inFlight = false;
        if (response.ok) {
          Object.keys(answers).forEach(function (q) {
            if (String(pending[q]) === String(answers[q])) { delete pending[q]; }
          });
          if (pendingPrediction === sentPrediction) { pendingPrediction = undefined; }
          failed = false;
          store();
          say("Đã lưu lúc " + String(data.server_time || "").slice(11, 19));
          if (typeof data.seconds_left === "number") { resync(data.seconds_left); }
        } else if (response.status === 409) {
          finished = true;
          clearStore();
          say(data.error || "Lượt thi đã kết thúc.", true);
          window.setTimeout(function () { location.assign(form.dataset.resultUrl); }, 2500);
        } else if (response.status === 400 || response.status === 422) {
          pending = {}; pendingPrediction = undefined; // would never be accepted: do not resend
          store();
          say(data.error || "Dữ liệu không hợp lệ. Vui lòng tải lại trang.", true);
        } else {
          failed = true;
          say("Chưa lưu — máy chủ bận, sẽ thử lại", true);
        }
      });
    }).catch(function () {
      inFlight = false;
      failed = true;
      say("Chưa lưu — mất kết nối", true);
    });
  }

  function changed() {
    store();
    window.clearTimeout(debounce);
    debounce = window.setTimeout(send, DEBOUNCE_MS);
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type === "radio" && /^q\d+$/.test(input.name)) {
      pending[input.name.slice(1)] = input.value;
      countAnswered();
      changed();
    } else if (input === prediction) {
      pendingPrediction = prediction.value;
      changed();
    }
  });

  // The countdown: seconds left as the server said, counted with the monotonic clock.
  var secondsLeft = Number(timer.dataset.secondsLeft) || 0, origin = performance.now();

  function resync(seconds) { secondsLeft = seconds; origin = performance.now(); }

  function remaining() { return secondsLeft - (performance.now() - origin) / 1000; }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function finish() {
    if (submitting) { return; }
    submitting = true;
    clearStore();
    say("Hết giờ — đang nộp bài…");
    form.submit();
  }

  function tick() {
    var left = Math.max(0, Math.ceil(remaining()));
    timer.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60);
    timer.classList.toggle("low", left <= 60);
    if (left <= 0) { finish(); return; }
    var since = performance.now() - lastSend;
    if (hasPending() && (since >= EVERY_MS || (failed && since >= RETRY_MS))) { send(); }
  }

  window.addEventListener("online", send);

  form.addEventListener("submit", function (event) {
    if (submitting) { return; }
    var missing = total - countAnswered();
    var question = missing > 0 ? "Còn " + missing + " câu chưa trả lời. Nộp bài?" : "Bạn đã trả lời tất cả các câu. Nộp bài?";
    if (!window.confirm(question)) { event.preventDefault(); return; }
    submitting = true;
    clearStore();
  });

  restore();
  countAnswered();
  tick();
  window.setInterval(tick, 1000);
  if (hasPending()) { send(); }
})();
