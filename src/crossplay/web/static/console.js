// crossplay console: draws the page's Plotly figures and sorts sortable tables.
// No inline scripts (the Content-Security-Policy allows scripts from this server only).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".plot[data-figure]").forEach(function (el) {
    var src = document.getElementById(el.dataset.figure);
    if (!src || typeof Plotly === "undefined") { return; }
    var fig = JSON.parse(src.textContent);
    var layout = Object.assign({ margin: { t: 30, r: 20, b: 50, l: 60 } }, fig.layout || {});
    layout.font = Object.assign({ family: "Noto Sans CJK SC, Noto Sans SC, sans-serif" }, layout.font || {});
    Plotly.newPlot(el, fig.data || [], layout, { displaylogo: false, responsive: true })
      .then(function () { el.dataset.drawn = "1"; });
  });
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (th, col) {
      th.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          var xv = x.dataset.v !== undefined ? parseFloat(x.dataset.v) : x.textContent;
          var yv = y.dataset.v !== undefined ? parseFloat(y.dataset.v) : y.textContent;
          var c = (typeof xv === "number" && typeof yv === "number") ? xv - yv
            : String(xv).localeCompare(String(yv));
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
});
