// Tổng quan charts: data comes from JSON blocks rendered by the server.
(function () {
  var fields = document.getElementById("data-fields");
  var canvas = document.getElementById("chart-fields");
  if (!fields || !canvas || !window.Chart) return;
  var labels = {
    kinh_te_do_thi: "Kinh tế - đô thị", van_hoa_xa_hoi: "Văn hóa - xã hội", quoc_phong_an_ninh: "Quốc phòng - an ninh",
    xay_dung_dang: "Xây dựng Đảng", chinh_quyen: "Chính quyền"
  };
  var data = JSON.parse(fields.textContent || "{}");
  var keys = Object.keys(labels);
  new window.Chart(canvas, {
    type: "bar",
    data: { labels: keys.map(function (k) { return labels[k]; }),
            datasets: [{ label: "Số mô hình", data: keys.map(function (k) { var v = data[k]; return (v && typeof v === 'object') ? (v.total || 0) : (v || 0); }), backgroundColor: "#a5161d" }] },
    options: { animation: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
})();
