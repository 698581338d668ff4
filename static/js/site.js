// Behaviour every page shares, kept out of inline handlers (the Content-Security-Policy
// allows no inline script without the page's nonce).
(function () {
  "use strict";
  // The language menu submits its form as soon as a language is picked.
  for (const select of document.querySelectorAll("select[data-submit-on-change]")) {
    select.addEventListener("change", () => select.form.submit());
  }
  // "Print" buttons (receipts) open the browser's print dialog.
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
})();
