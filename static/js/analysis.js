/* MRR movements (stacked bars and the net line) and the funnel (bars). */
(function () {
  "use strict";
  var K = window.Kennzahl;
  if (!window.Chart) return;
  var money = function (v) { return K.numberFormat.format(v); };
  K.draw(function () {
    var palette = { mrr_new: "#1f5fbf", mrr_expansion: "#4f8ae0", mrr_reactivation: "#8fb6ee", mrr_contraction: "#e8a33d", mrr_churn: "#b42318", mrr_fx_impact: "#8a8f98" };
    var movements = K.readData("movements-data");
    var canvas = document.getElementById("movements-chart");
    if (movements && canvas) {
      var datasets = movements.series.map(function (s) {
        return { type: "bar", label: s.name, data: s.values, links: s.links, backgroundColor: palette[s.key], stack: "moves" };
      });
      datasets.push({ type: "line", label: movements.net_name, data: movements.net, borderColor: "#1b2330", backgroundColor: "#1b2330", borderWidth: 2, pointRadius: 2 });
      new Chart(canvas, {
        data: { labels: movements.labels, datasets: datasets },
        options: {
          plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + money(c.parsed.y); } } } },
          // A bar opens the customers behind that movement in that period (customers.html).
          onClick: function (event, elements, chart) {
            if (!elements.length) return;
            var set = chart.data.datasets[elements[0].datasetIndex];
            if (set.links && set.links[elements[0].index]) window.location.href = set.links[elements[0].index];
          },
          onHover: function (event, elements) {
            var bar = elements.length && movements.series[elements[0].datasetIndex];
            event.native.target.style.cursor = bar ? "pointer" : "default";
          },
          scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, grid: { color: K.colors.grid }, ticks: { callback: money } } },
        },
      });
      K.markDrawn();
    }
    var funnel = K.readData("funnel-data");
    var bars = document.getElementById("funnel-chart");
    if (funnel && bars) {
      var labels = Array.prototype.map.call(document.querySelectorAll(".chart-card tbody th"), function (th) { return th.textContent.trim(); });
      new Chart(bars, {
        type: "bar",
        data: { labels: labels.length === funnel.values.length ? labels : funnel.labels, datasets: [{ data: funnel.values, backgroundColor: K.colors.primary }] },
        options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { type: "logarithmic", grid: { color: K.colors.grid }, ticks: { callback: money } }, y: { grid: { display: false } } } },
      });
      K.markDrawn();
    }
  });
})();
