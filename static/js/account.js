(function () {
  "use strict";
  var K = window.Kennzahl;
  var data = K.readData("mrr-chart-data");
  var canvas = document.getElementById("mrr-chart");
  if (!data || !canvas) return;
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [{ data: data.values, borderColor: K.colors.primary, backgroundColor: K.colors.primary, stepped: true, pointRadius: 0, borderWidth: 2 }],
    },
    options: {
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return K.numberFormat.format(c.parsed.y); } } } },
      scales: { x: { grid: { display: false }, ticks: { maxTicksLimit: 8 } }, y: { beginAtZero: true, grid: { color: K.colors.grid }, ticks: { callback: function (v) { return K.numberFormat.format(v); } } } },
    },
  });
  K.markDrawn();
})();
