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

  // The workspace navigation is a menu on a phone (issue 19: "Daten" and "Einstellungen" were
  // cut off): the button shows and hides every section; Escape closes it. Without script the
  // sections wrap onto more lines instead. Links added to the nav need nothing here.
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.querySelector(".mainnav");
  if (toggle && nav) {
    nav.id = nav.id || "mainnav";
    toggle.setAttribute("aria-controls", nav.id);
    toggle.hidden = false;
    nav.classList.add("nav-collapsible");
    var setOpen = function (open) {
      toggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
    };
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("open")) {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  // A wide table's hint ("scroll sideways") shows only while the table is wider than its card.
  var hints = function () {
    document.querySelectorAll(".table-wide").forEach(function (wrap) {
      var hint = wrap.nextElementSibling;
      if (hint && hint.classList.contains("scroll-hint")) {
        hint.hidden = wrap.scrollWidth <= wrap.clientWidth + 1;
      }
    });
  };
  hints();
  window.addEventListener("resize", hints);
  document.addEventListener("kennzahl:swapped", hints);
})();
