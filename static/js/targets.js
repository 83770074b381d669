/* The targets page's form: show the values of the chosen breakdown only, and the choice of
   what a rate is measured on only for rates, ratios and means. */
(function () {
  "use strict";
  var form = document.getElementById("target-form");
  if (!form) return;
  var kpi = form.elements.namedItem("kpi_key");
  var dimension = form.elements.namedItem("dimension");
  var value = form.elements.namedItem("dimension_value");
  var basis = form.elements.namedItem("rate_basis");
  var rates = (form.dataset.rateKpis || "").split(" ");
  var names = {};
  Array.prototype.forEach.call(dimension.options, function (o) { names[o.value] = o.text; });

  function field(element) { return element && element.closest(".field"); }

  function update() {
    var chosen = names[dimension.value];
    Array.prototype.forEach.call(value.querySelectorAll("optgroup"), function (group) {
      var show = dimension.value !== "" && group.label === chosen;
      group.hidden = !show;
      group.disabled = !show;
    });
    var selected = value.options[value.selectedIndex];
    if (selected && selected.parentElement.disabled) value.value = "";
    field(value).hidden = dimension.value === "";
    if (basis) field(basis).hidden = rates.indexOf(kpi.value) === -1;
  }
  kpi.addEventListener("change", update);
  dimension.addEventListener("change", update);
  update();
})();
