/* The attribution page: attributed new customers per channel or campaign (bars). */
(function () {
  "use strict";
  var K = window.Kennzahl;
  if (!window.Chart) return;
  K.draw(function () {
    var data = K.readData("attribution-data");
    var canvas = document.getElementById("attribution-chart");
    if (!data || !canvas) return;
    var title = document.querySelector("#attribution-table thead th.num");
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: title ? title.textContent.trim() : "", data: data.customers, backgroundColor: K.colors.primary }],
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return K.numberFormat.format(c.parsed.x); } } } },
        scales: { x: { beginAtZero: true, grid: { color: K.colors.grid } }, y: { grid: { display: false } } },
      },
    });
    K.markDrawn();
  });
})();
