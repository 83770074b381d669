/* Polls a workspace export's status, moves the progress bar and shows the download link
   when the ZIP file is ready (no inline script: the page runs under a Content-Security-Policy). */
(function () {
  "use strict";
  var box = document.getElementById("export-progress");
  if (!box) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var link = box.querySelector("[data-download]");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        bar.max = data.total || 1;
        bar.value = data.done;
        text.textContent = data.text;
        if (data.status === "done") {
          link.href = data.download_url;
          link.hidden = false;
          box.dataset.state = "done";
          return;
        }
        if (data.status === "failed") {
          text.textContent = box.dataset.failedText;
          box.dataset.state = "failed";
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
