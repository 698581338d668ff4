// Behaviour every page shares, kept out of inline handlers (the Content-Security-Policy
// allows no inline script without the page's nonce).
(function () {
  "use strict";
  // The header's menu button (phones): opens and closes the navigation; Escape closes it.
  const toggle = document.querySelector(".nav-toggle");
  const header = document.querySelector(".site-header");
  if (toggle && header) {
    const set = (open) => {
      header.classList.toggle("nav-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    };
    toggle.addEventListener("click", () => set(!header.classList.contains("nav-open")));
    document.addEventListener("keydown", (e) => { if (e.key === "Escape") set(false); });
  }
  // The live room on a phone: the Chat and Questions tabs under the video.
  for (const tabs of document.querySelectorAll("[data-room-tabs]")) {
    const layout = tabs.closest(".room-layout");
    for (const button of tabs.querySelectorAll("[data-tab]")) {
      button.addEventListener("click", () => {
        layout.dataset.tab = button.dataset.tab;
        for (const other of tabs.querySelectorAll("[data-tab]")) {
          other.setAttribute("aria-selected", other === button ? "true" : "false");
        }
      });
    }
  }
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

// The unread-notifications badge in the header follows new notifications without a
// reload: light polling of a cached count (accounts:notifications_unread), paused
// while the tab is hidden and asked again as soon as it shows.
(function () {
  "use strict";
  const link = document.querySelector("[data-unread-url]");
  if (!link) return;
  const seconds = Math.max(2, parseInt(link.dataset.pollSeconds, 10) || 30);

  function show(count) {
    let badge = link.querySelector("[data-testid='nav-notifications-badge']");
    if (count <= 0) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      badge.dataset.testid = "nav-notifications-badge";
      link.append(" ", badge);
    }
    badge.textContent = String(count);
    badge.setAttribute(
      "aria-label",
      count === 1 ? link.dataset.badgeLabelOne : count + " " + link.dataset.badgeLabelMany,
    );
  }

  async function poll() {
    if (document.hidden) return;
    try {
      const response = await fetch(link.dataset.unreadUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.ok) show((await response.json()).unread);
    } catch (error) {
      // Offline for a moment: the next tick tries again.
    }
  }

  setInterval(poll, seconds * 1000);
  document.addEventListener("visibilitychange", poll);
})();

// Share posters write the time in the viewer's zone: links marked data-tz-link carry
// the browser's IANA zone.
(function () {
  "use strict";
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  if (!zone) return;
  for (const link of document.querySelectorAll("a[data-tz-link]")) {
    const url = new URL(link.href, window.location.href);
    url.searchParams.set("tz", zone);
    link.href = url.toString();
  }
})();
