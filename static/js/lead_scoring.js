/* The lead scoring page: conversion rate per score band (bars, in %), the counts in the tooltip. */
(function () {
  "use strict";
  var K = window.Kennzahl;
  if (!window.Chart || !K) return;
  K.draw(function () {
    var data = K.readData("backtest-data");
    var canvas = document.getElementById("backtest-chart");
    if (!data || !canvas) return;
    var pct = function (v) { return K.numberFormat.format(v) + "\u00a0%"; };
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ data: data.rates, backgroundColor: K.colors.primary }] },
      options: {
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (c) { return pct(c.parsed.y) + " (" + K.numberFormat.format(data.leads[c.dataIndex]) + ")"; } } },
        },
        scales: { x: { grid: { display: false } }, y: { beginAtZero: true, grid: { color: K.colors.grid }, ticks: { callback: pct } } },
      },
    });
    K.markDrawn();
  });
})();
