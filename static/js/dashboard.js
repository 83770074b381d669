(function () {
  "use strict";
  var K = window.Kennzahl;
  K.draw(function () {
    var data = K.readData("team-chart-data");
    var canvas = document.getElementById("team-chart");
    if (!data || !canvas) return;

    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ data: data.values, backgroundColor: K.colors.primary, borderRadius: 4, maxBarThickness: 48 }],
      },
      options: {
        plugins: { legend: { display: false } },
        scales: {
          x: { grid: { display: false } },
          y: { beginAtZero: true, ticks: { precision: 0 }, grid: { color: K.colors.grid } },
        },
      },
  });
  K.markDrawn();
  });
})();
