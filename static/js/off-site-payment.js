// WeChat Pay and Alipay: while the payer scans the QR code (or approves on Alipay's
// page), ask the site every two seconds whether Stripe's webhook has settled the
// payment, then move on to say how it went. Alipay's page is opened at once.
(function () {
  "use strict";
  const box = document.getElementById("off-site-payment");
  if (!box) return;
  if (box.dataset.redirectUrl) {
    window.location.assign(box.dataset.redirectUrl);
    return;
  }
  async function check() {
    try {
      const response = await fetch(box.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok && (await response.json()).done) {
        window.location.assign(box.dataset.doneUrl);
        return;
      }
    } catch (error) {
      // Offline for a moment: the next check tries again.
    }
    window.setTimeout(check, 2000);
  }
  window.setTimeout(check, 2000);
})();
