// Reports seconds of the room's <video> actually played to /recommend/watch/:
// every ~30 s while playing and once more when the page is hidden (sendBeacon).
// Only real playback counts (timeupdate steps of under 2 s: no seeks, no paused time);
// the server clips again to the time since the last report and the video's length.
// Needs static/js/send-report.js loaded before it.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var url = script.dataset.url;
  var session = script.dataset.session;
  var csrf = script.dataset.csrf;
  var REPORT_EVERY_MS = 30000;
  var pending = 0;
  var last = null;

  function body() {
    var form = new FormData();
    form.append("session", session);
    form.append("seconds", pending.toFixed(1));
    form.append("csrfmiddlewaretoken", csrf);
    return form;
  }

  function report(useBeacon) {
    if (pending < 1) return;
    var data = body();
    pending = 0;
    window.Zhiliao.sendReport(url, csrf, data, useBeacon);
  }

  function attach(video) {
    video.addEventListener("timeupdate", function () {
      var now = video.currentTime;
      if (last !== null && !video.paused && !video.seeking) {
        var step = now - last;
        if (step > 0 && step < 2) pending += step / (video.playbackRate || 1);
      }
      last = now;
    });
    video.addEventListener("seeking", function () { last = null; });
    video.addEventListener("pause", function () { last = null; });
  }

  function start() {
    var video = document.getElementById("room-player") || document.querySelector("video");
    if (!video) return;
    attach(video);
    window.setInterval(function () { report(false); }, REPORT_EVERY_MS);
    window.addEventListener("pagehide", function () { report(true); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") report(true);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
