// netlab report: a click on an arrow or a table row shows that row's details in the panel.
// Without this script the page still works: arrows link to their rows, details print under them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var panel = document.getElementById("panel"), body = document.getElementById("panel-body");
  function select(n) {
    var src = document.getElementById("details-" + n);
    if (!src) return;
    body.replaceChildren(src.cloneNode(true));
    panel.hidden = false;
    panel.dataset.row = n;
    document.querySelectorAll(".selected").forEach(function (e) { e.classList.remove("selected"); });
    ["arrow-" + n, "row-" + n].forEach(function (id) {
      var e = document.getElementById(id);
      if (e) e.classList.add("selected");
    });
  }
  function rowOf(ev) {
    var t = ev.target.closest ? ev.target.closest("[data-row]") : null;
    return t ? t.getAttribute("data-row") : null;
  }
  document.addEventListener("click", function (ev) {
    if (ev.target.closest && ev.target.closest("#panel, .more a")) return;
    var n = rowOf(ev);
    if (n === null) return;
    ev.preventDefault();
    select(n);
    if (ev.target.closest("svg")) return;
    var a = document.getElementById("arrow-" + n);
    if (a && a.scrollIntoView) a.scrollIntoView({ block: "nearest" });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" && ev.key !== " ") return;
    var n = rowOf(ev);
    if (n !== null) { ev.preventDefault(); select(n); }
  });
  document.getElementById("panel-close").addEventListener("click", function () { panel.hidden = true; });
  if (location.hash.indexOf("#row-") === 0) select(location.hash.slice(5));
})();
