/* The plan's what-if (/w/<slug>/plan/): when a goal, share or assumed rate changes, fetch the
   same page with the form's fields (a GET computes without saving) and swap in the parts
   marked data-live. Every number is computed on the server by the code that saves the plan;
   without script, the "Calculate" button does the same with a page load. */
(function () {
  "use strict";
  var form = document.getElementById("plan-form");
  if (!form || !window.fetch || !window.DOMParser) {
    return;
  }
  var timer = null;
  var controller = null;

  function query() {
    var params = new URLSearchParams(new FormData(form));
    params.delete("csrfmiddlewaretoken");
    params.delete("action");
    return form.dataset.previewUrl + "?" + params.toString();
  }

  function swap(html, url) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    document.querySelectorAll("[data-live]").forEach(function (element) {
      var update = fresh.getElementById(element.id);
      if (update) {
        element.innerHTML = update.innerHTML;
        // The channels' area is live only until it has fields (the first goal fills it).
        if (!update.hasAttribute("data-live")) {
          element.removeAttribute("data-live");
        }
      }
    });
    window.history.replaceState(null, "", url);
    form.removeAttribute("aria-busy");
    form.dataset.updated = String(Number(form.dataset.updated || "0") + 1);
  }

  function refresh() {
    var url = query();
    if (controller) {
      controller.abort();
    }
    controller = window.AbortController ? new AbortController() : null;
    form.setAttribute("aria-busy", "true");
    window.fetch(url, {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
      signal: controller ? controller.signal : undefined,
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      swap(html, url);
    }).catch(function () {
      form.removeAttribute("aria-busy");
    });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
