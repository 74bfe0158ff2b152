// List tables read as cards on a phone (app.css, table.cards): each cell carries its column's heading.
(function () {
  "use strict";
  function label(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("table.cards").forEach(function (table) {
      // A table laid out as blocks loses its table semantics in browsers: the roles keep it a table to screen readers.
      table.setAttribute("role", "table");
      table.querySelectorAll("thead, tbody, tfoot").forEach(function (group) { group.setAttribute("role", "rowgroup"); });
      table.querySelectorAll("tr").forEach(function (row) { row.setAttribute("role", "row"); });
      table.querySelectorAll("th").forEach(function (th) {
        th.setAttribute("role", th.getAttribute("scope") === "row" ? "rowheader" : "columnheader");
      });
      table.querySelectorAll("td").forEach(function (td) { td.setAttribute("role", "cell"); });
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (heads[column] && !cell.hasAttribute("data-label") && cell.colSpan === 1) {
            cell.setAttribute("data-label", heads[column]);
          }
          column += cell.colSpan;
        });
      });
    });
  }
  label(document);
  document.addEventListener("htmx:afterSettle", function (event) { label(event.target.parentNode || document); });
})();
