/* Annotations on time charts: a chart whose canvas has data-annotations="<json_script id>"
   gets a dashed vertical line at each annotation's period, numbered as in the list under the
   chart; hovering near a line shows its date and text. A Chart.js plugin of our own (no
   dependency): it only draws, the list under the chart is the accessible version. */
(function () {
  "use strict";
  if (!window.Chart) return;
  var COLOR = "#6b3fa0";

  function notes(chart) {
    var id = chart.canvas.dataset.annotations;
    var node = id && document.getElementById(id);
    if (!node) return [];
    return JSON.parse(node.textContent).filter(function (n) { return n.index !== null; });
  }

  function xOf(chart, note) {
    return chart.scales.x.getPixelForValue(note.index);
  }

  Chart.register({
    id: "kennzahlAnnotations",
    afterDatasetsDraw: function (chart) {
      var shown = notes(chart), area = chart.chartArea, ctx = chart.ctx;
      chart.$annotations = shown;
      chart.canvas.dataset.annotationsDrawn = String(shown.length);
      if (!shown.length) return;
      ctx.save();
      ctx.strokeStyle = COLOR;
      ctx.fillStyle = COLOR;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 3]);
      ctx.font = "bold 11px " + Chart.defaults.font.family;
      ctx.textAlign = "center";
      shown.forEach(function (note) {
        var x = xOf(chart, note);
        ctx.beginPath();
        ctx.moveTo(x, area.top + 14);
        ctx.lineTo(x, area.bottom);
        ctx.stroke();
        ctx.fillText(String(note.number), x, area.top + 10);
      });
      ctx.restore();
    },
    afterEvent: function (chart, args) {
      var event = args.event, shown = chart.$annotations || [];
      var near = shown.filter(function (n) { return Math.abs(xOf(chart, n) - event.x) <= 6; });
      chart.canvas.title = near.map(function (n) { return n.number + " · " + n.date + ": " + n.text; }).join("\n");
    },
  });
})();
