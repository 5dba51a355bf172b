// Unit search box: type a few letters, pick a unit. Works for a tree of thousands of
// units on a phone: the server searches (accent-insensitive) and returns 20 matches.
// An ARIA combobox: the arrow keys move through the matches, Enter chooses the one
// highlighted, Escape closes the list. Without this script the form is sent with the
// typed name and the server answers with the matches as radio buttons.
(function () {
  "use strict";
  var count = 0;
  document.querySelectorAll(".unit-picker").forEach(function (box) {
    var input = box.querySelector("input[type=text], input:not([type])");
    var hidden = box.querySelector("input[type=hidden]");
    var list = box.querySelector(".unit-results");
    var chosen = box.querySelector(".unit-chosen");
    var candidates = box.querySelector(".unit-candidates");
    var url = box.getAttribute("data-search-url");
    var timer = null, seq = 0, units = [], active = -1;

    if (!list.id) list.id = "unit-results-" + (++count);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    function setOpen(yes) {
      list.hidden = !yes;
      input.setAttribute("aria-expanded", yes ? "true" : "false");
      if (!yes) highlight(-1);
    }

    function highlight(index) {
      var items = list.querySelectorAll("li[role=option]");
      active = index;
      items.forEach(function (li, i) {
        var on = i === index;
        li.setAttribute("aria-selected", on ? "true" : "false");
        li.classList.toggle("active", on);
        if (on && li.scrollIntoView) li.scrollIntoView({ block: "nearest" });
      });
      if (index >= 0 && items[index]) input.setAttribute("aria-activedescendant", items[index].id);
      else input.removeAttribute("aria-activedescendant");
    }

    function choose(unit) {
      hidden.value = unit.id;
      input.value = unit.name;
      chosen.textContent = "Đã chọn: " + unit.label;
      setOpen(false);
    }

    function show(found) {
      units = found;
      list.textContent = "";
      found.forEach(function (unit, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = unit.name;
        var where = document.createElement("small");
        where.textContent = unit.label.split(" › ").slice(1).join(" › ") + " · " + unit.code;
        li.appendChild(where);
        li.addEventListener("click", function () { choose(unit); });
        list.appendChild(li);
      });
      if (!found.length) {
        var none = document.createElement("li");
        none.textContent = "Không tìm thấy đơn vị phù hợp.";
        list.appendChild(none);
      }
      setOpen(true);
    }

    input.addEventListener("keydown", function (event) {
      var open_ = !list.hidden && units.length > 0;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!open_) return;
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight(active < 0 ? (step > 0 ? 0 : units.length - 1) : (active + step + units.length) % units.length);
      } else if (event.key === "Enter") {
        if (open_ && active >= 0) {   // choose, do not send the form
          event.preventDefault();
          choose(units[active]);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); setOpen(false); }
      }
    });

    input.addEventListener("input", function () {
      hidden.value = "";
      if (candidates) {               // the server's matches were for the text before
        candidates.hidden = true;
        candidates.querySelectorAll("input[type=radio]").forEach(function (r) { r.checked = false; });
      }
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { setOpen(false); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(url + "?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (found) { if (mine === seq) show(found); })
          .catch(function () { /* offline: the typed text is still sent with the form */ });
      }, 250);
    });
  });
})();
