/* The report composer: show the range fields that belong to the chosen kind of range. */
(function () {
  "use strict";
  var kind = document.getElementById("id_range_kind");
  if (!kind) return;
  function update() {
    document.querySelectorAll("[data-range-for]").forEach(function (box) {
      box.hidden = box.dataset.rangeFor !== kind.value;
    });
  }
  kind.addEventListener("change", update);
  update();
})();
