/* A dashboard's tiles ordered by drag and drop (issue 19). The list's up/down buttons stay
   the way by keyboard and without script; this only adds dragging. A drop posts the page's own
   form ("place" the tile before the one it was dropped on, or last) with its CSRF token, and
   the list is then replaced by the one the server answers with, so what is shown is what was
   saved. Native HTML5 drag and drop: no library. */
(function () {
  "use strict";
  var list = document.querySelector("[data-tile-order]");
  if (!list || !window.fetch || !window.DOMParser) return;
  var status = document.querySelector(".tile-order-status");
  var hint = document.querySelector(".tile-order-hint");
  var dragged = null;
  var busy = false;

  var items = function () { return Array.prototype.slice.call(list.querySelectorAll("li[data-kpi]")); };
  var prepare = function () {
    items().forEach(function (item) { item.draggable = items().length > 1; });
  };
  var clearMarks = function () {
    items().forEach(function (item) { item.classList.remove("drop-before", "drop-after", "dragging"); });
  };
  // Dropped on the upper half of a tile: before it; on the lower half: before the next one.
  var dropPlace = function (item, event) {
    var box = item.getBoundingClientRect();
    return event.clientY < box.top + box.height / 2 ? "before" : "after";
  };
  var say = function (text) { if (status) status.textContent = text; };

  var save = function (key, before) {
    var form = list.querySelector("form");
    var token = form && form.querySelector("[name=csrfmiddlewaretoken]");
    if (!form || !token) return;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", token.value);
    body.append("action", "place");
    body.append("kpi", key);
    body.append("before", before);
    busy = true;
    list.setAttribute("aria-busy", "true");
    // Not form.action: its buttons are named "action", which shadows the property.
    fetch(form.getAttribute("action") || window.location.href, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("[data-tile-order]");
        if (!fresh) throw new Error("no list");
        list.innerHTML = fresh.innerHTML;
        var refused = page.querySelector(".messages .message-error");
        say(refused ? refused.textContent : list.dataset.saved);
      })
      .catch(function () { say(list.dataset.failed); })
      .then(function () {
        busy = false;
        list.removeAttribute("aria-busy");
        prepare();
      });
  };

  list.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest("li[data-kpi]");
    if (!item || busy) { event.preventDefault(); return; }
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.kpi);
  });
  list.addEventListener("dragover", function (event) {
    var item = event.target.closest && event.target.closest("li[data-kpi]");
    if (!dragged || !item) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    var place = dropPlace(item, event);
    items().forEach(function (other) {
      other.classList.toggle("drop-before", other === item && place === "before");
      other.classList.toggle("drop-after", other === item && place === "after");
    });
  });
  list.addEventListener("drop", function (event) {
    var item = event.target.closest && event.target.closest("li[data-kpi]");
    if (!dragged || !item) return;
    event.preventDefault();
    var key = dragged.dataset.kpi;
    var next = dropPlace(item, event) === "before" ? item : item.nextElementSibling;
    while (next && next === dragged) next = next.nextElementSibling;
    var before = next ? next.dataset.kpi : "";
    clearMarks();
    // Where it already is: nothing to save.
    if ((dragged.nextElementSibling ? dragged.nextElementSibling.dataset.kpi : "") === before) return;
    list.insertBefore(dragged, next);
    dragged = null;
    save(key, before);
  });
  list.addEventListener("dragend", function () { dragged = null; clearMarks(); });

  if (hint) hint.hidden = false;
  list.classList.add("sortable");
  prepare();
})();
