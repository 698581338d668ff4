// Sponsored cards count an impression once at least half the card has been visible
// for one second (the usual viewable-impression rule). The server deduplicates per
// viewer and day and ignores staff and bots; this only decides when to ask.
(function () {
  "use strict";
  if (window.zhiliaoSponsored) return; // the script may be included by two cards
  window.zhiliaoSponsored = true;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function send(card) {
    if (card.dataset.counted) return;
    card.dataset.counted = "1";
    fetch(card.dataset.beacon, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: "p=" + encodeURIComponent(card.dataset.placement || ""),
    }).then(function (response) {
      card.dataset.beaconStatus = String(response.status);
    });
  }

  function watch(card) {
    var timer = null;
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          if (entry.intersectionRatio >= 0.5) {
            if (!timer) timer = setTimeout(function () { send(card); observer.disconnect(); }, 1000);
          } else if (timer) {
            clearTimeout(timer);
            timer = null;
          }
        });
      },
      { threshold: [0, 0.5, 1] }
    );
    observer.observe(card);
  }

  function start() {
    document.querySelectorAll("[data-testid=sponsored][data-beacon]").forEach(watch);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
