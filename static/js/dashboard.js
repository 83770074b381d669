/* The dashboard's MRR chart: the movements of each month as stacked bars (new, expansion and
   reactivation above the axis, contraction and churn below), and MRR as a line on its own
   axis on the right. Drawn again by live.js when the numbers change. */
(function () {
  "use strict";
  var K = window.Kennzahl;
  if (!window.Chart) return;
  var money = function (v) { return K.numberFormat.format(v); };
  var palette = { mrr_new: "#1f5fbf", mrr_expansion: "#4f8ae0", mrr_reactivation: "#8fb6ee", mrr_contraction: "#e8a33d", mrr_churn: "#b42318" };
  K.draw(function () {
    var data = K.readData("mrr-chart-data");
    var canvas = document.getElementById("mrr-chart");
    if (!data || !canvas || !data.labels.length) return;
    var datasets = data.series.map(function (s) {
      return { type: "bar", label: s.name, data: s.values, backgroundColor: palette[s.key], stack: "moves", yAxisID: "y", order: 2 };
    });
    datasets.push({ type: "line", label: data.mrr_name, data: data.mrr, borderColor: "#1b2330", backgroundColor: "#1b2330", borderWidth: 2, pointRadius: 2, yAxisID: "mrr", order: 1 });
    new Chart(canvas, {
      data: { labels: data.labels, datasets: datasets },
      options: {
        interaction: { mode: "index", intersect: false },
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + money(c.parsed.y); } } } },
        scales: {
          x: { stacked: true, grid: { display: false } },
          y: { stacked: true, grid: { color: K.colors.grid }, ticks: { callback: money } },
          mrr: { position: "right", beginAtZero: true, grid: { display: false }, ticks: { callback: money } },
        },
      },
    });
    K.markDrawn();
  });
})();
