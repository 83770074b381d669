/* Shared Chart.js defaults for Kennzahl: our colours, locale number formats, no animation
   (deterministic screenshots), a marker that tests wait for once charts are drawn, and the
   redraw that live.js calls when a page's numbers change. */
(function () {
  "use strict";
  var styles = getComputedStyle(document.documentElement);
  var lang = document.documentElement.lang || "en";

  window.Kennzahl = {
    colors: {
      primary: styles.getPropertyValue("--primary").trim() || "#1f5fbf",
      grid: styles.getPropertyValue("--border").trim() || "#e3e7ee",
      text: styles.getPropertyValue("--text-muted").trim() || "#5b6575",
    },
    numberFormat: new Intl.NumberFormat(lang),
    readData: function (id) {
      var node = document.getElementById(id);
      return node ? JSON.parse(node.textContent) : null;
    },
    markDrawn: function () {
      document.body.dataset.chartsReady = "1";
    },
    // A page's drawing function runs now and again after live.js swapped in fresh data:
    // the old charts are destroyed first (their canvases may have been replaced).
    drawers: [],
    draw: function (drawer) {
      window.Kennzahl.drawers.push(drawer);
      drawer();
    },
    redraw: function () {
      if (window.Chart) {
        Object.keys(Chart.instances).forEach(function (id) { Chart.instances[id].destroy(); });
      }
      window.Kennzahl.drawers.forEach(function (drawer) { drawer(); });
    },
  };

  if (window.Chart) {
    Chart.defaults.animation = false;
    Chart.defaults.responsive = true;
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.color = window.Kennzahl.colors.text;
    Chart.defaults.font.family = styles.getPropertyValue("--font").trim() || "sans-serif";
    Chart.defaults.locale = lang;
  }
})();
