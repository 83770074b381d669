/* A dashboard's tiles ordered by drag and drop (issue 19), on the dashboard itself and in the
   list of its edit page. The edit page's up/down buttons stay the way by keyboard and without
   script; this only adds dragging. Native HTML5 drag and drop, no library.

   A container [data-tile-order="<edit page address>"] holds the tiles ([data-kpi]). A drop
   posts the edit page's form ("place" the tile before the one it was dropped on, or last)
   with the page's CSRF token. The edit page's list is then replaced by the one the server
   answers with (data-tile-order-refresh), so what is shown is what was saved; on the
   dashboard the live update (live.js) brings the saved tiles as for any other change.
   data-tile-order-axis="x": tiles side by side (a grid): the left half of a tile means
   before it. Events are caught on the document, since live.js replaces the tiles. */
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) return;
  var dragged = null;
  var from = null;  // where the dragged tile was: its container and next sibling
  var busy = false;

  var containerOf = function (node) { return node && node.closest ? node.closest("[data-tile-order]") : null; };
  var tileOf = function (node) {
    var tile = node && node.closest ? node.closest("[data-kpi]") : null;
    return tile && containerOf(tile) ? tile : null;
  };
  var tilesIn = function (container) {
    return Array.prototype.slice.call(container.querySelectorAll("[data-kpi]"));
  };
  var statusOf = function (container) {
    return document.getElementById(container.dataset.tileOrderStatus || "");
  };
  var say = function (container, text) {
    var status = statusOf(container);
    if (status) status.textContent = text;
  };

  var prepare = function () {
    document.querySelectorAll("[data-tile-order]").forEach(function (container) {
      var tiles = tilesIn(container);
      container.classList.add("sortable");
      tiles.forEach(function (tile) {
        tile.draggable = tiles.length > 1;
        // A link or a picture in a tile would otherwise be dragged itself (its address).
        tile.querySelectorAll("a, img").forEach(function (inner) { inner.draggable = false; });
      });
      var hint = document.getElementById(container.dataset.tileOrderHint || "");
      if (hint) hint.hidden = tiles.length < 2;
    });
  };
  var clearMarks = function () {
    document.querySelectorAll("[data-tile-order] [data-kpi]").forEach(function (tile) {
      tile.classList.remove("drop-before", "drop-after", "dragging");
    });
  };
  // Tiles side by side (a grid wider than one column, as on a phone it is not).
  var sideBySide = function (container) {
    var tiles = tilesIn(container);
    if (container.dataset.tileOrderAxis !== "x" || tiles.length < 2) return false;
    return tiles[0].getBoundingClientRect().left !== tiles[1].getBoundingClientRect().left;
  };
  // Dropped on the first half of a tile (the upper, or the left one side by side): before
  // it; else after it.
  var dropPlace = function (container, tile, event) {
    var box = tile.getBoundingClientRect();
    if (sideBySide(container)) {
      return event.clientX < box.left + box.width / 2 ? "before" : "after";
    }
    return event.clientY < box.top + box.height / 2 ? "before" : "after";
  };

  var putBack = function () {
    if (from && dragged) from.container.insertBefore(dragged, from.next);
  };

  var save = function (container, tile, before) {
    var token = document.querySelector("[name=csrfmiddlewaretoken]");
    if (!token) return;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", token.value);
    body.append("action", "place");
    body.append("kpi", tile.dataset.kpi);
    body.append("before", before);
    busy = true;
    container.setAttribute("aria-busy", "true");
    fetch(container.dataset.tileOrder, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        // Refused (say, another editor took the tile off meanwhile): the server says why.
        var refused = page.querySelector(".messages .message-error");
        if (container.hasAttribute("data-tile-order-refresh")) {
          var fresh = page.querySelector("[data-tile-order]");
          if (!fresh) throw new Error("no list in the answer");
          container.innerHTML = fresh.innerHTML;
        } else if (refused) {
          putBack();
        }
        say(container, refused ? refused.textContent.trim() : container.dataset.saved);
      })
      .catch(function () {
        putBack();
        say(container, container.dataset.failed);
      })
      .then(function () {
        busy = false;
        dragged = null;
        from = null;
        container.removeAttribute("aria-busy");
        prepare();
      });
  };

  document.addEventListener("dragstart", function (event) {
    var tile = tileOf(event.target);
    if (!tile) return;
    if (busy) { event.preventDefault(); return; }
    dragged = tile;
    from = { container: tile.parentNode, next: tile.nextElementSibling };
    tile.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", tile.dataset.kpi);
  });
  document.addEventListener("dragover", function (event) {
    var tile = tileOf(event.target);
    if (!dragged || !tile || containerOf(tile) !== containerOf(dragged)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    var container = containerOf(tile);
    var place = dropPlace(container, tile, event);
    container.classList.toggle("tile-order-across", sideBySide(container));
    tilesIn(container).forEach(function (other) {
      other.classList.toggle("drop-before", other === tile && place === "before");
      other.classList.toggle("drop-after", other === tile && place === "after");
    });
  });
  document.addEventListener("drop", function (event) {
    var tile = tileOf(event.target);
    var container = containerOf(tile);
    if (!dragged || !tile || container !== containerOf(dragged)) return;
    event.preventDefault();
    clearMarks();
    var next = dropPlace(container, tile, event) === "before" ? tile : tile.nextElementSibling;
    while (next && next === dragged) next = next.nextElementSibling;
    var before = next && next.dataset.kpi ? next.dataset.kpi : "";
    var was = dragged.nextElementSibling && dragged.nextElementSibling.dataset.kpi;
    if ((was || "") === before) { dragged = null; return; }  // where it already was
    dragged.parentNode.insertBefore(dragged, next);
    save(container, dragged, before);
  });
  document.addEventListener("dragend", function () {
    clearMarks();
    if (!busy) { dragged = null; from = null; }
  });
  document.addEventListener("kennzahl:swapped", prepare);  // live.js brought new tiles
  prepare();
})();
