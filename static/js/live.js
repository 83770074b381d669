/* Pages that update themselves (kpiapp/views/live.py). A page with a live status polls its
   workspace's state once a second while it is visible: the status reads "As of 3 s ago" (or
   "updating …" while a recompute is pending), and when the workspace's page version moves,
   the page fetches itself again (the page cache answers) and swaps its data-live parts and
   its chart data, then redraws its charts. A part that holds the focus is left as it is, so
   nobody loses what they are typing. */
(function () {
  "use strict";
  var status = document.querySelector("[data-live-url]");
  if (!status || !window.fetch || !window.DOMParser) return;
  var EVERY_MS = 1000;
  var lang = document.documentElement.lang || "en";
  var relative = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { style: "short", numeric: "always" }) : null;
  var state = {
    version: status.dataset.version,
    computedAt: status.dataset.computedAt ? new Date(status.dataset.computedAt) : null,
    pending: status.dataset.pending === "1",
    refreshing: false,
  };

  function ago(date) {
    var seconds = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000));
    if (!relative) return date.toLocaleString(lang);
    if (seconds < 60) return relative.format(-seconds, "second");
    if (seconds < 3600) return relative.format(-Math.floor(seconds / 60), "minute");
    if (seconds < 86400) return relative.format(-Math.floor(seconds / 3600), "hour");
    return relative.format(-Math.floor(seconds / 86400), "day");
  }

  function render() {
    var text = status.querySelector(".live-text");
    status.dataset.pending = state.pending ? "1" : "0";
    if (state.pending) {
      text.textContent = status.dataset.updating;
    } else if (state.computedAt) {
      text.textContent = status.dataset.asOf + " " + ago(state.computedAt);
      text.title = state.computedAt.toLocaleString(lang);
    } else {
      text.textContent = status.dataset.never;
    }
  }

  function holdsFocus(node) {
    var active = document.activeElement;
    return active && active !== document.body && node.contains(active);
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var freshStatus = fresh.querySelector("[data-live-url]");
    if (!freshStatus) return false;
    var parts = document.querySelectorAll("[data-live]");
    for (var i = 0; i < parts.length; i++) {
      var name = parts[i].getAttribute("data-live");
      var next = fresh.querySelector('[data-live="' + name + '"]');
      if (next && !holdsFocus(parts[i])) parts[i].replaceWith(document.importNode(next, true));
    }
    var data = fresh.querySelectorAll('script[type="application/json"][id]');
    for (var j = 0; j < data.length; j++) {
      var old = document.getElementById(data[j].id);
      if (old) old.textContent = data[j].textContent;
    }
    state.version = freshStatus.dataset.version;
    if (window.Kennzahl && window.Kennzahl.redraw) window.Kennzahl.redraw();
    document.dispatchEvent(new Event("kennzahl:swapped"));  // app.js: wide tables' hints
    document.body.dataset.liveVersion = state.version;
    return true;
  }

  function refresh() {
    state.refreshing = true;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html) swap(html); })
      .catch(function () {})
      .then(function () { state.refreshing = false; });
  }

  function poll() {
    if (document.hidden || state.refreshing) return;
    fetch(status.dataset.liveUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        var json = response.ok && (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        return json ? response.json() : null;
      })
      .then(function (answer) {
        if (!answer) return;
        state.pending = answer.pending;
        state.computedAt = answer.computed_at ? new Date(answer.computed_at) : null;
        render();
        if (answer.version !== state.version && !state.refreshing) refresh();
      })
      .catch(function () {});  // offline for a moment: the next tick tries again
  }

  render();
  poll();
  window.setInterval(function () { render(); poll(); }, EVERY_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
})();
