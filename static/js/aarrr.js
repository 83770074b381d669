/* The AARRR page: one small line per stage (its headline KPI over the last periods). */
(function () {
  "use strict";
  var K = window.Kennzahl;
  if (!window.Chart) return;
  K.draw(function () {
    var data = K.readData("aarrr-data");
    if (!data) return;
    var danger = getComputedStyle(document.documentElement).getPropertyValue("--danger").trim() || "#b42318";
    data.stages.forEach(function (stage) {
      var canvas = document.querySelector('canvas[data-aarrr="' + stage.id + '"]');
      if (!canvas) return;
      var colour = stage.highlight ? danger : K.colors.primary;
      var last = data.labels.length - 1;
      // Only the first and the last period on the narrow axis: the table has every one.
      var ends = function (value, index) { return index === 0 || index === last ? this.getLabelForValue(value) : ""; };
      var shown = function (v) { return K.numberFormat.format(v) + (stage.percent ? " %" : ""); };
      new Chart(canvas, {
        type: "line",
        data: { labels: data.labels, datasets: [{ label: stage.name, data: stage.values, borderColor: colour, backgroundColor: colour, borderWidth: 2, pointRadius: 1.5, spanGaps: true }] },
        options: {
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return stage.name + ": " + shown(c.parsed.y); } } } },
          scales: {
            x: { grid: { display: false }, ticks: { autoSkip: false, maxRotation: 0, callback: ends } },
            y: { grid: { color: K.colors.grid }, ticks: { maxTicksLimit: 4, callback: shown } },
          },
        },
      });
    });
    K.markDrawn();
  });
})();
