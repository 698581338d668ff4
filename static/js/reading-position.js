// Resume where you left off: on load, scroll back to the saved reading position of
// the lesson (percent of the page, unless the address names an anchor); while
// reading, report how far down the learner is, at most every 10 s, and once more
// when the page is hidden (sendBeacon).
// Needs static/js/send-report.js loaded before it.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var url = script.dataset.url;
  var csrf = script.dataset.csrf;
  var saved = parseInt(script.dataset.position || "0", 10) || 0;
  var REPORT_EVERY_MS = 10000;
  var reported = saved;
  var timer = null;

  function scrollable() {
    return Math.max(document.documentElement.scrollHeight - window.innerHeight, 0);
  }

  function position() {
    var height = scrollable();
    if (!height) return 100;
    return Math.max(0, Math.min(100, Math.round((window.scrollY / height) * 100)));
  }

  function report(useBeacon) {
    var now = position();
    if (now === reported) return;
    reported = now;
    var form = new FormData();
    form.append("position", String(now));
    form.append("csrfmiddlewaretoken", csrf);
    window.Zhiliao.sendReport(url, csrf, form, useBeacon);
  }

  function restore() {
    if (saved > 0 && saved < 100 && !window.location.hash) {
      window.scrollTo(0, Math.round((scrollable() * saved) / 100));
    }
  }

  if (document.readyState === "complete") {
    restore();
  } else {
    window.addEventListener("load", restore);
  }
  window.addEventListener(
    "scroll",
    function () {
      if (timer) return;
      timer = window.setTimeout(function () {
        timer = null;
        report(false);
      }, REPORT_EVERY_MS);
    },
    { passive: true },
  );
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") report(true);
  });
  window.addEventListener("pagehide", function () {
    report(true);
  });
})();
