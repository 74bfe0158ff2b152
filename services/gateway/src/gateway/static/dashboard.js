// Tổng quan charts, drawn from the numbers of the tables beside them (the tables are the text alternative).
(function () {
  if (!window.Chart) return;
  function rows(id) { var t = document.getElementById(id); return t ? Array.prototype.slice.call(t.tBodies[0].rows) : []; }
  function name(row) { return row.cells[0].textContent.trim(); }
  function pct(part, whole) { return whole ? Math.round(part * 1000 / whole) / 10 : 0; }
  var base = { animation: false, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } };

  var fields = rows("fields-table"), fieldCanvas = document.getElementById("chart-fields");
  if (fields.length && fieldCanvas) {
    new window.Chart(fieldCanvas, {
      type: "bar",
      data: { labels: fields.map(name),
              datasets: [{ label: "Số mô hình", data: fields.map(function (r) { return +r.dataset.total; }), backgroundColor: "#a5161d" }] },
      options: Object.assign({}, base, { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } })
    });
  }

  var kinds = rows("kinds-table"), kindCanvas = document.getElementById("chart-kinds");
  if (kinds.length && kindCanvas) {
    function series(label, key, color) {
      return { label: label, backgroundColor: color,
               data: kinds.map(function (r) { return pct(+r.dataset[key], +r.dataset.active); }) };
    }
    new window.Chart(kindCanvas, {
      type: "bar",
      data: { labels: kinds.map(name),
              datasets: [series("Có mô hình được tiếp nhận", "accepted", "#a5161d"),
                         series("Sơ kết 6 tháng đúng hạn", "six", "#1647a0"),
                         series("Tổng kết năm đúng hạn", "annual", "#1d6b34")] },
      options: Object.assign({}, base, { indexAxis: "y", scales: { x: { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + "%"; } } } } })
    });
  }
})();
