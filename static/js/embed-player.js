// The embeddable replay player (/embed/live/<id>/): asks the site for a playback token
// for nobody in particular, plays the replay's HLS with it (each playlist and segment
// URL gets the newest token, as in live-room.js) and renews it before it expires.
// A refused token (the replay stopped being embeddable) stops the player and says so.
(function () {
  "use strict";
  const player = document.getElementById("embed-player");
  const state = document.getElementById("embed-state");
  const unavailable = document.currentScript.dataset.unavailable;
  let token = null;
  let timer = null;
  let hls = null;

  function stop(message) {
    clearTimeout(timer);
    if (hls) { hls.destroy(); hls = null; }
    state.textContent = message;
    state.hidden = false;
    state.dataset.state = "refused";
  }

  async function fetchToken() {
    const response = await fetch(player.dataset.tokenUrl, { credentials: "omit", cache: "no-store" });
    if (response.status === 403) { stop(unavailable); return null; }
    if (!response.ok) throw new Error(`token ${response.status}`);
    token = await response.json();
    clearTimeout(timer);
    timer = setTimeout(() => fetchToken().catch(() => {}), token.refresh_in * 1000);
    player.dataset.token = "ready";
    return token;
  }

  function signed(url) {
    if (!token || !url.startsWith(token.base)) return url;
    const rest = url.slice(token.base.length).split("/").slice(4).join("/");
    return token.base + token.token + "/" + rest;
  }

  async function start() {
    if (!(await fetchToken())) return;
    state.dataset.state = "loading";
    if (window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls({ xhrSetup: (xhr, url) => { xhr.open("GET", signed(url), true); } });
      let usedSource = false;
      hls.on(window.Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        // A replay built before the bitrate ladder has no master playlist.
        if (!usedSource && token.source_url && token.url !== token.source_url) {
          usedSource = true;
          hls.loadSource(token.source_url);
          return;
        }
        stop(unavailable);
      });
      hls.on(window.Hls.Events.MANIFEST_PARSED, () => {
        state.hidden = true;
        state.dataset.state = "playing";
      });
      hls.loadSource(token.url);
      hls.attachMedia(player);
    } else if (player.canPlayType("application/vnd.apple.mpegurl")) {
      player.src = token.url;
      state.hidden = true;
    }
  }

  start().catch(() => stop(unavailable));
})();
