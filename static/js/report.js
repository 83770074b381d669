/* A report (and its shared page): one trend chart per KPI section, with the comparison and
   the quarter's targets. Data comes from the page (json_script "report-charts"); drawn again
   when the page's numbers change (live.js). */
(function () {
  "use strict";
  var K = window.Kennzahl;
  if (!window.Chart) return;
  K.draw(function () {  // again when live.js swaps in a recomputed report
    var charts = K.readData("report-charts");
    if (!charts) return;
    charts.forEach(function (data, index) {
      var canvas = document.getElementById("report-chart-" + index);
      if (!canvas) return;
      var scale = data.percent ? 100 : 1;
      var scaled = function (values) {
        return values.map(function (v) { return v === null ? null : v * scale; });
      };
      var format = function (v) {
        return K.numberFormat.format(v) + (data.suffix || "");
      };
      var datasets = [{ label: canvas.getAttribute("aria-label"), data: scaled(data.values), borderColor: K.colors.primary, backgroundColor: K.colors.primary, pointRadius: 2, borderWidth: 2 }];
      if (data.compare.some(function (v) { return v !== null; })) {
        datasets.push({ label: "comparison", data: scaled(data.compare), borderColor: "rgba(91,101,117,.6)", borderDash: [3, 3], pointRadius: 0, borderWidth: 1.5 });
      }
      if (data.targets.some(function (v) { return v !== null; })) {
        datasets.push({ label: "target", data: scaled(data.targets), borderColor: "#8a5a00", borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5, stepped: "middle" });
      }
      new Chart(canvas, {
        type: data.labels.length > 1 ? "line" : "bar",
        data: { labels: data.labels, datasets: datasets },
        options: {
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return format(c.parsed.y); } } } },
          scales: { x: { grid: { display: false }, ticks: { maxTicksLimit: 12 } }, y: { grid: { color: K.colors.grid }, ticks: { callback: format } } },
        },
      });
    });
    K.markDrawn();
  });
})();
