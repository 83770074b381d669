/* Burn-up charts of quarterly targets (targets page, dashboard tiles): the actual so far, the
   milestone line, the forecast band to the quarter's end and the target. Each canvas names the
   json_script that holds its data (data-burnup); the figures come from the server. */
(function () {
  "use strict";
  var K = window.Kennzahl;
  if (!K || !window.Chart) return;
  var canvases = document.querySelectorAll("canvas[data-burnup]");
  if (!canvases.length) return;
  var warn = "#8a5a00", good = "rgba(21,115,71,.9)";

  canvases.forEach(function (canvas) {
    var data = K.readData(canvas.dataset.burnup);
    if (!data) return;
    var small = canvas.hasAttribute("data-small");
    var suffix = data.percent ? " %" : "";
    var format = function (v) { return K.numberFormat.format(v) + suffix; };
    var n = data.labels.length;
    var names = data.names || {};
    var flat = function (v) { return data.labels.map(function () { return v; }); };
    var datasets = [
      { label: names.actual, data: data.actual, borderColor: K.colors.primary, backgroundColor: K.colors.primary, borderWidth: 2, pointRadius: small ? 1.5 : 3, spanGaps: true },
      { label: names.milestones, data: data.milestones, borderColor: "rgba(91,101,117,.8)", borderDash: [4, 3], borderWidth: 1.5, pointRadius: 0 },
      { label: names.target, data: flat(data.target), borderColor: warn, borderWidth: 1.5, pointRadius: 0 },
    ];
    if (data.forecast) {
      var f = data.forecast, from = f.from, start = data.actual[from];
      var line = function (end) {
        return data.labels.map(function (_, i) {
          if (i < from) return null;
          if (i === n - 1) return end;
          return start + (end - start) * (i - from) / (n - 1 - from);
        });
      };
      datasets.push({ label: names.forecast + " ↑", data: line(f.high), borderColor: "rgba(21,115,71,.35)", backgroundColor: "rgba(21,115,71,.12)", borderWidth: 1, pointRadius: 0, fill: "+1" });
      datasets.push({ label: names.forecast + " ↓", data: line(f.low), borderColor: "rgba(21,115,71,.35)", borderWidth: 1, pointRadius: 0, fill: false });
      datasets.push({ label: names.forecast, data: line(f.value), borderColor: good, borderDash: [2, 3], borderWidth: 2, pointRadius: 0 });
    }
    new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        plugins: { legend: { display: false }, tooltip: { enabled: !small, callbacks: { label: function (c) { return c.dataset.label + ": " + format(c.parsed.y); } } } },
        scales: {
          x: { display: !small, grid: { display: false } },
          y: { display: !small, grid: { color: K.colors.grid }, ticks: { callback: format, maxTicksLimit: 5 } },
        },
      },
    });
  });
  K.markDrawn();
})();
