/* Polls an import's progress and reloads the page when the check or import has finished. */
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var format = new Intl.NumberFormat(document.documentElement.lang || "en");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.status !== "checking" && data.status !== "importing") { window.location.reload(); return; }
        var p = data.progress || {};
        if (p.total) {
          bar.max = p.total; bar.value = p.done;
          text.textContent = format.format(p.done) + " / " + format.format(p.total);
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
