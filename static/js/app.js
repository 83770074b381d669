/* Behaviour every page may use, without inline handlers (the Content Security Policy allows
   no inline script): a form with data-confirm asks before it posts (with
   data-confirm-when only while the named checkbox is ticked), and a field with
   data-select-on-focus selects its text when focused (a link to copy). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) {
      return;
    }
    // data-confirm-when="field": ask only when that checkbox is ticked (turning something on).
    var when = form.dataset.confirmWhen && form.elements.namedItem(form.dataset.confirmWhen);
    if (form.dataset.confirmWhen && !(when && when.checked)) {
      return;
    }
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field instanceof HTMLInputElement && field.hasAttribute("data-select-on-focus")) {
      field.select();
    }
  });
})();
