// Behaviour every page shares, kept out of inline handlers (the Content-Security-Policy
// allows no inline script without the page's nonce).
(function () {
  "use strict";
  // The language menu submits its form as soon as a language is picked.
  for (const select of document.querySelectorAll("select[data-submit-on-change]")) {
    select.addEventListener("change", () => select.form.submit());
  }
  // The browser's time zone, for the server to show dates in it (read by
  // accounts.middleware.TimeZoneMiddleware; a zone chosen in the profile wins).
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && !document.cookie.split("; ").includes("zl_tz=" + zone)) {
      document.cookie = "zl_tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* no Intl: the site's zone is used */ }
  // "Print" buttons (receipts) open the browser's print dialog.
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
})();
