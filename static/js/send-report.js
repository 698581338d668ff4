// Zhiliao.sendReport(url, csrf, form, useBeacon): POST a small progress report (reading
// position, watch time) with the session's CSRF token. When the page is being hidden,
// sendBeacon is the only request the browser reliably lets out; otherwise fetch with
// keepalive, and a failed report is dropped (the next one carries the news).
(function () {
  "use strict";
  var Zhiliao = (window.Zhiliao = window.Zhiliao || {});

  Zhiliao.sendReport = function (url, csrf, form, useBeacon) {
    if (useBeacon && navigator.sendBeacon) {
      navigator.sendBeacon(url, form);
      return;
    }
    fetch(url, {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf },
      keepalive: true,
    }).catch(function () {});
  };
})();
