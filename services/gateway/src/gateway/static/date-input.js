/* Date fields typed and shown as dd/mm/yyyy in every browser language: a text field that puts the slashes in while
   the person types, and a calendar (flatpickr, vendored) opened by the button beside it, which writes the chosen day
   into the field. The calendar never rewrites what was typed (an impossible date stays for the server to refuse
   beside the field); the gateway converts dd/mm/yyyy to the ISO date the services take. */
(function () {
  function mask(input) {
    var digits = input.value.replace(/\D/g, "").slice(0, 8);
    var typed = [digits.slice(0, 2), digits.slice(2, 4), digits.slice(4, 8)].filter(Boolean).join("/");
    if (input.value !== typed && !/\/$/.test(input.value)) input.value = typed;
  }
  function typedDate(text) {
    var m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text.trim());
    if (!m) return null;
    var day = new Date(+m[3], +m[2] - 1, +m[1]);
    return day.getDate() === +m[1] && day.getMonth() === +m[2] - 1 ? day : null;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function setUp(input) {
    input.addEventListener("input", function () { mask(input); });
    var button = document.querySelector('[data-date-for="' + input.id + '"]');
    if (!button || typeof window.flatpickr !== "function") return;
    var anchor = document.createElement("input");
    anchor.type = "text";
    anchor.tabIndex = -1;
    anchor.className = "date-anchor";
    anchor.setAttribute("aria-hidden", "true");
    button.parentNode.appendChild(anchor);
    var picker = window.flatpickr(anchor, {
      clickOpens: false, disableMobile: true, positionElement: button,
      locale: (window.flatpickr.l10ns && window.flatpickr.l10ns.vn) || "default",
      onChange: function (dates) {
        if (!dates.length) return;
        var d = dates[0];
        input.value = pad(d.getDate()) + "/" + pad(d.getMonth() + 1) + "/" + d.getFullYear();
        input.dispatchEvent(new Event("change", { bubbles: true }));
        picker.close();
        input.focus();
      }
    });
    button.hidden = false;
    button.addEventListener("click", function () {
      if (picker.isOpen) { picker.close(); return; }
      var day = typedDate(input.value);
      if (day) picker.setDate(day, false); else picker.clear(false);
      picker.open();
    });
  }
  function init() { document.querySelectorAll("input[data-date]").forEach(setUp); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
