/* A KPI's page: the trend with the quarter's targets and the benchmark band, and the
   breakdown of the latest period. Data comes from the page (json_script). */
(function () {
  "use strict";
  var K = window.Kennzahl;
  if (!window.Chart) return;
  K.draw(function () {
    var data = K.readData("kpi-chart-data");
    if (!data) return;
    var scale = data.percent ? 100 : 1;
    function scaled(values) {
      return values.map(function (v) { return v === null ? null : v * scale; });
    }
    function format(v) {
      return K.numberFormat.format(v) + (data.suffix || "");
    }
    var axis = { grid: { color: K.colors.grid }, ticks: { callback: format } };
    var trend = document.getElementById("trend-chart");
    if (trend) {
      var datasets = [{ label: trend.getAttribute("aria-label"), data: scaled(data.values), borderColor: K.colors.primary, backgroundColor: K.colors.primary, pointRadius: 2, borderWidth: 2, spanGaps: false }];
      if (data.earlier) {
        // The same periods a year earlier: dashed, muted, named in the tooltip by their own period.
        datasets.push({ label: data.earlier.name, data: scaled(data.earlier.values), periods: data.earlier.labels, borderColor: K.colors.text, backgroundColor: K.colors.text, borderDash: [6, 4], pointRadius: 2, borderWidth: 2, spanGaps: false });
      }
      if (data.versus) {
        // A second segment: its own colour (orange against the blue, also for colour-blind eyes).
        datasets.push({ label: data.versus.name, name: data.versus.name, versus: true, data: scaled(data.versus.values), borderColor: "#d55e00", backgroundColor: "#d55e00", pointRadius: 2, borderWidth: 2, spanGaps: false });
      }
      if (data.targets.some(function (t) { return t !== null; })) {
        if (data.target_style === "points") {
          datasets.push({ label: "target", data: scaled(data.targets), borderColor: "#8a5a00", backgroundColor: "#fff", showLine: false, pointStyle: "rectRot", pointRadius: 6, pointBorderWidth: 2 });
        } else {
          datasets.push({ label: "target", data: scaled(data.targets), borderColor: "#8a5a00", borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5, stepped: "middle", spanGaps: false });
        }
      }
      if (data.band) {
        var low = data.band.low * scale, high = data.band.high * scale;
        var constant = function (v) { return data.labels.map(function () { return v; }); };
        datasets.push({ label: "benchmark", data: constant(high), borderColor: "rgba(21,115,71,.5)", backgroundColor: "rgba(21,115,71,.10)", pointRadius: 0, borderWidth: 1, fill: data.band.form === "band" ? "+1" : false });
        if (data.band.form === "band") datasets.push({ label: "benchmark low", data: constant(low), borderColor: "rgba(21,115,71,.5)", pointRadius: 0, borderWidth: 1 });
      }
      // With the year-earlier line a legend tells the two apart; it names the KPI and that line.
      // With a second segment the legend names both segments.
      var legend = { display: false };
      if (data.earlier || data.versus) {
        var heading = document.querySelector("h1");
        datasets[0].name = data.versus ? data.name : (heading ? heading.textContent.trim() : "");
        legend = { display: true, position: "bottom", labels: { boxHeight: 2, filter: function (item, chart) {
          var set = chart.datasets[item.datasetIndex];
          if (set.name) item.text = set.name;
          return item.datasetIndex === 0 || set.periods !== undefined || set.versus === true;
        } } };
      }
      new Chart(trend, {
        type: "line",
        data: { labels: data.labels, datasets: datasets },
        options: {
          plugins: { legend: legend, tooltip: { callbacks: { label: function (c) {
            var own = c.dataset.periods;  // the year-earlier line names its own period
            var who = c.dataset.versus || (data.versus && c.datasetIndex === 0) ? c.dataset.name + ": " : "";
            return who + (own ? own[c.dataIndex] + ": " : "") + format(c.parsed.y);
          } } } },
          scales: { x: { grid: { display: false }, ticks: { maxTicksLimit: 12 } }, y: axis },
        },
      });
    }
    var bars = document.getElementById("breakdown-chart");
    if (bars && data.breakdown) {
      new Chart(bars, {
        type: "bar",
        data: { labels: data.breakdown.labels, datasets: [{ data: scaled(data.breakdown.values), backgroundColor: K.colors.primary }] },
        options: {
          indexAxis: "y",
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return format(c.parsed.x); } } } },
          scales: { x: axis, y: { grid: { display: false } } },
        },
      });
    }
    K.markDrawn();
  });
})();
