// The contest set-up form, a little quicker with JavaScript (it works without): the rules
// preview follows the text, a draw row's topic list follows its bank, and the unit search
// shows matches while typing (the same search as registration). Everything is still checked
// by the server when the form is sent.
(function () {
  "use strict";
  var form = document.getElementById("setup-form");
  if (!form) { return; }

  var rules = document.getElementById("rules"), preview = document.getElementById("rules-preview");
  if (rules && preview) {
    rules.addEventListener("input", function () { preview.textContent = rules.value; });
  }

  form.querySelectorAll(".bank-picker").forEach(function (select) {
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var tag = select.closest(".row-card").querySelector(".tag-filter");
      if (tag) { tag.setAttribute("list", option ? option.getAttribute("data-tags") || "" : ""); }
    });
  });

  var box = form.querySelector(".unit-choice"), input = document.getElementById("unit_search");
  if (!box || !input) { return; }
  var found = box.querySelector(".unit-found"), url = box.getAttribute("data-search-url");
  var timer = null, seq = 0;

  function chosen() {
    var codes = {};
    box.querySelectorAll("input[name=units]:checked").forEach(function (c) { codes[c.value] = true; });
    return codes;
  }

  function show(units) {
    var list = box.querySelector(".chosen-units");
    found.querySelectorAll("input[name=units]:checked").forEach(function (c) {
      list.appendChild(c.closest("li"));  // a unit ticked in the last results stays chosen
    });
    var taken = chosen();
    found.textContent = "";
    units.filter(function (u) { return !taken[u.code]; }).forEach(function (unit) {
      var li = document.createElement("li"), label = document.createElement("label"),
          check = document.createElement("input"), where = document.createElement("small");
      label.className = "check";
      check.type = "checkbox"; check.name = "units"; check.value = unit.code;
      where.className = "muted";
      where.textContent = unit.label.split(" › ").slice(1).join(" › ") + " · " + unit.code;
      label.appendChild(check);
      label.appendChild(document.createTextNode(" " + unit.name + " "));
      label.appendChild(where);
      li.appendChild(label);
      found.appendChild(li);
    });
    if (!found.children.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = "Không tìm thấy đơn vị phù hợp.";
      found.appendChild(none);
    }
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { return; }
    timer = setTimeout(function () {
      var mine = ++seq;
      fetch(url + "?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (units) { if (mine === seq) { show(units); } })
        .catch(function () { /* offline: the "Tìm" button still searches on the server */ });
    }, 250);
  });
})();
