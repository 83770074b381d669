/* A customer's MRR at each month end (customer.html). */
(function () {
  "use strict";
  var K = window.Kennzahl;
  if (!window.Chart) return;
  var money = function (v) { return K.numberFormat.format(v); };
  K.draw(function () {
    var data = K.readData("customer-mrr-data");
    var canvas = document.getElementById("customer-mrr-chart");
    if (!data || !canvas) return;
    new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: [{ label: data.name, data: data.values, borderColor: K.colors.primary, backgroundColor: K.colors.primary, stepped: "after", pointRadius: 2, borderWidth: 2 }] },
      options: {
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + money(c.parsed.y); } } } },
        scales: { x: { grid: { display: false } }, y: { beginAtZero: true, grid: { color: K.colors.grid }, ticks: { callback: money } } },
      },
    });
    K.markDrawn();
  });
})();
