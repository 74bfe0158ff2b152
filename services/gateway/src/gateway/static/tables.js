// List tables read as cards on a phone (app.css, table.cards): each cell carries its column's heading.
(function () {
  "use strict";
  function label(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("table.cards").forEach(function (table) {
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
