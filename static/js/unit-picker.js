// Unit search box: type a few letters, pick a unit. Works for a tree of thousands of
// units on a phone: the server searches (accent-insensitive) and returns 20 matches.
(function () {
  "use strict";
  document.querySelectorAll(".unit-picker").forEach(function (box) {
    var input = box.querySelector("input[type=text], input:not([type])");
    var hidden = box.querySelector("input[type=hidden]");
    var list = box.querySelector(".unit-results");
    var chosen = box.querySelector(".unit-chosen");
    var url = box.getAttribute("data-search-url");
    var timer = null, seq = 0;

    function choose(unit) {
      hidden.value = unit.id;
      input.value = unit.name;
      chosen.textContent = "Đã chọn: " + unit.label;
      list.hidden = true;
    }

    function show(units) {
      list.textContent = "";
      units.forEach(function (unit) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.textContent = unit.name;
        var where = document.createElement("small");
        where.textContent = unit.label.split(" › ").slice(1).join(" › ") + " · " + unit.code;
        li.appendChild(where);
        li.addEventListener("click", function () { choose(unit); });
        list.appendChild(li);
      });
      if (!units.length) {
        var none = document.createElement("li");
        none.textContent = "Không tìm thấy đơn vị phù hợp.";
        list.appendChild(none);
      }
      list.hidden = false;
    }

    input.addEventListener("input", function () {
      hidden.value = "";
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { list.hidden = true; return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(url + "?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (units) { if (mine === seq) show(units); })
          .catch(function () { /* offline: the typed code is still sent with the form */ });
      }, 250);
    });
  });
})();
