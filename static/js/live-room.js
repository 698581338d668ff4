/* The live room: chat, question board, tips, presence and host controls over one
 * WebSocket (protocol: docs/live-room-protocol.md).
 *
 * The page renders the room's state up to `last_seq`; the socket resumes after it.
 * Every sequenced frame is applied once, in order: frames at or below the last
 * applied seq are ignored. On a dropped connection the script reconnects by itself
 * with exponential backoff and `?after=<last seq>`, so nothing is missed.
 * All text is inserted with textContent: nothing from the room is parsed as HTML.
 */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("room-config").textContent);
  const L = JSON.parse(document.getElementById("room-labels").textContent);
  const FINAL_CLOSE_CODES = [4400, 4401, 4403, 4404, 4410, 4430];
  const canModerate = cfg.role === "host" || cfg.role === "moderator";

  const $ = (id) => document.getElementById(id);
  const chatLog = $("chat-log");
  const board = $("question-board");
  const errorLine = $("room-error");
  const questions = new Map();
  let lastSeq = cfg.last_seq;
  let socket = null;
  let attempt = 0;
  let refCounter = 0;
  let finalClose = false;

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined,
        { style: "currency", currency: currency, currencyDisplay: "narrowSymbol" }).format(amount / 100);
    } catch (e) {
      return (amount / 100).toFixed(2) + " " + currency;
    }
  }

  // --- sending ----------------------------------------------------------------

  function send(frame) {
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      showError(L.connecting);
      return null;
    }
    const ref = "r" + (++refCounter);
    socket.send(JSON.stringify(Object.assign({ ref: ref }, frame)));
    return ref;
  }

  function showError(text) {
    if (!errorLine) return;
    errorLine.textContent = text;
    errorLine.hidden = !text;
  }

  // --- rendering --------------------------------------------------------------

  function userLabel(user) {
    const name = el("strong", "chat-user role-" + user.role, user.name);
    return name;
  }

  function moderationButtons(frame) {
    const box = el("span", "chat-actions");
    if (canModerate && !frame.held && !frame.deleted) {
      const pin = el("button", "link-button chat-action", L.pin);
      pin.type = "button";
      pin.dataset.testid = "chat-pin";
      pin.addEventListener("click", () => send({ type: "pin", seq: frame.seq }));
      box.append(pin);
    }
    if (!canModerate || !frame.user || frame.user.role !== "viewer") return box;
    const actions = [
      [L.delete, { type: "delete", seq: frame.seq }],
      [L.mute, { type: "mute", user: frame.user.id, minutes: 10 }],
      [L.ban, { type: "ban", user: frame.user.id }],
    ];
    for (const [label, message] of actions) {
      const button = el("button", "link-button chat-action", label);
      button.type = "button";
      button.addEventListener("click", () => send(message));
      box.append(button);
    }
    return box;
  }

  // Chat the screening classifier held: the host and moderators alone receive it,
  // marked, and release it to viewers (or reject it) with these buttons.
  function heldControls(frame) {
    const box = el("span", "chat-held-controls");
    box.append(el("em", "chat-held-label",
      fmt(L.held, { score: frame.score, words: (frame.words || []).join(", ") })));
    for (const [label, approve] of [[L.approve, true], [L.reject, false]]) {
      const button = el("button", "link-button chat-action", label);
      button.type = "button";
      button.addEventListener("click", () => send({ type: "held.decide", seq: frame.seq, approve: approve }));
      box.append(" ", button);
    }
    return box;
  }

  function csrfToken() {
    const field = document.querySelector("[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Any viewer may report someone else's message or question; moderators see it in
  // the queue. `url` ends in /0/report/: the 0 becomes the message's or question's number.
  function reportButton(author, url, number, testid) {
    const box = el("span", "chat-report");
    if (!cfg.user || !author || author.id === cfg.user || !url) return box;
    const button = el("button", "link-button chat-action", L.report);
    button.type = "button";
    button.dataset.testid = testid;
    button.addEventListener("click", () => {
      const reason = window.prompt(L.report_prompt);
      if (!reason || !reason.trim()) return;
      const body = new FormData();
      body.append("reason", reason.trim());
      fetch(url.replace("/0/report/", "/" + number + "/report/"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() },
      })
        .then((response) => response.json().then((data) => [response.ok, data]))
        .then(([ok, data]) => {
          if (ok) {
            box.replaceChildren(el("span", "muted", L.reported));
          } else {
            const errors = (data.errors && data.errors.reason) || [];
            showError(errors.length ? errors[0].message : L.report_prompt);
          }
        })
        .catch(() => showError(L.report_prompt));
    });
    box.append(button);
    return box;
  }

  function appendChat(frame) {
    const item = el("li", "chat-line chat-" + frame.type.replace(".", "-"));
    item.dataset.seq = frame.seq;
    if (frame.type === "chat") {
      item.append(userLabel(frame.user), " ");
      const text = el("span", "chat-text", frame.deleted ? L.deleted : frame.text);
      if (frame.deleted) item.classList.add("chat-deleted");
      item.append(text, moderationButtons(frame),
        frame.deleted ? "" : reportButton(frame.user, cfg.report_url, frame.seq, "chat-report"));
      if (frame.held && !frame.deleted) {
        item.classList.add("chat-held");
        item.append(heldControls(frame));
      }
    } else if (frame.type === "tip") {
      item.classList.add("chat-tip");
      item.append(userLabel(frame.user), " ",
        el("span", "tip-amount", fmt(L.tipped, { amount: money(frame.amount, frame.currency) })));
      if (frame.message) item.append(" ", el("span", "chat-text", frame.message));
    } else if (frame.type === "system") {
      const template = L.system[frame.event] || frame.event;
      item.textContent = fmt(template, { name: frame.user ? frame.user.name : "" });
    } else {
      return;
    }
    chatLog.append(item);
    chatLog.scrollTop = chatLog.scrollHeight;
  }

  // Same order as livestream.selectors.question_board: status, pinned, paid amount
  // (while held or paid), votes, age.
  function paidAmount(q) {
    return q.priority && q.priority.state !== "refunded" ? q.priority.amount : 0;
  }

  function questionOrder(a, b) {
    const rank = { open: 0, answered: 1, dismissed: 2 };
    return (rank[a.status] - rank[b.status])
      || (Number(b.pinned) - Number(a.pinned))
      || (paidAmount(b) - paidAmount(a))
      || (b.votes - a.votes)
      || (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0)
      || (a.id - b.id);
  }

  function renderBoard() {
    if (!board) return;
    board.replaceChildren();
    const sorted = Array.from(questions.values()).filter((q) => q.status !== "dismissed");
    sorted.sort(questionOrder);
    for (const q of sorted) {
      const item = el("li", "question question-" + q.status + (q.pinned ? " question-pinned" : "")
        + (paidAmount(q) ? " question-paid" : ""));
      item.dataset.questionId = q.id;
      const votes = el("span", "question-votes", String(q.votes));
      votes.dataset.testid = "votes";
      item.append(votes, " ", el("span", "question-text", q.text), " ",
        el("span", "muted", "— " + q.user.name));
      if (q.pinned) item.append(" ", el("span", "badge", L.pinned));
      if (paidAmount(q)) {
        item.append(" ", el("span", "badge badge-paid",
          fmt(L.paid, { amount: money(q.priority.amount, q.priority.currency) })));
      } else if (q.priority) {
        item.append(" ", el("span", "badge", L.refunded));
      }
      if (q.status === "answered") item.append(" ", el("span", "badge badge-answered", L.answered));
      const actions = el("span", "question-actions");
      if (q.status === "open" && q.user.id !== cfg.user && !canModerate) {
        actions.append(button(L.upvote, { type: "upvote", question: q.id }, "upvote"));
      }
      if (canModerate) {
        if (q.status === "open") {
          actions.append(button(L.answer, { type: "question.action", question: q.id, action: "answer" }, "answer"));
          actions.append(button(q.pinned ? L.unpin : L.pin,
            { type: "question.action", question: q.id, action: q.pinned ? "unpin" : "pin" }, "pin"));
          actions.append(button(L.dismiss, { type: "question.action", question: q.id, action: "dismiss" }, "dismiss"));
        }
      }
      item.append(" ", actions,
        reportButton(q.user, cfg.question_report_url, q.id, "question-report"));
      board.append(item);
    }
  }

  function button(label, message, testid) {
    const b = el("button", "button button-small button-secondary", label);
    b.type = "button";
    b.dataset.testid = testid;
    b.addEventListener("click", () => send(message));
    return b;
  }

  // --- video (HLS with a signed token; livestream/playback.py) -----------------
  // Django hands out a short-lived token when the player starts and again every
  // `refresh_in` seconds; nginx checks it on every playlist and segment by itself.
  // Each request's URL gets the newest token (hls.js's xhrSetup), so a refresh
  // needs no reload. A refused refresh, or nginx refusing a fresh token, means the
  // viewer may no longer watch: the player stops and says so.

  const player = $("room-player");
  let hls = null;
  let videoRetry = null;
  let videoAttempts = 0;
  let videoPlayed = false; // once playing, a lost stream says "reconnecting" while it retries
  let token = null; // {base, token, url, refresh_in}
  let tokenTimer = null;
  let accessEnded = false;
  // With the ABR ladder on, the token's url is the master playlist; a replay built
  // before the ladder was switched on has none: play its source playlist instead.
  let sourceOnly = false;

  // The renditions of the ABR ladder (livestream/ladder.py): hls.js picks by measured
  // bandwidth ("auto"); the viewer may pin one.
  const quality = $("room-quality");
  function showQualities() {
    if (!quality || !hls) return;
    const auto = document.createElement("option");
    auto.value = "-1";
    auto.textContent = L.quality_auto;
    const levels = hls.levels.map((level, index) => {
      const option = document.createElement("option");
      option.value = String(index);
      option.textContent = `${level.height}p`;
      return option;
    });
    quality.replaceChildren(auto, ...levels);
    quality.value = "-1";
    quality.hidden = levels.length < 2;
  }
  if (quality) {
    quality.addEventListener("change", () => { if (hls) hls.currentLevel = Number(quality.value); });
  }

  function replayMode() { return cfg.status === "ended" && cfg.replay_ready; }

  async function fetchToken() {
    const kind = replayMode() ? "vod" : "hls";
    const response = await fetch(`/live/${cfg.session}/playback/${kind}/`,
      { credentials: "same-origin", cache: "no-store" });
    if (response.status === 403) { endAccess(); return null; }
    if (!response.ok) throw new Error(`token ${response.status}`);
    token = await response.json();
    clearTimeout(tokenTimer);
    tokenTimer = setTimeout(refreshToken, token.refresh_in * 1000);
    return token;
  }

  function refreshToken() {
    fetchToken().catch(() => { tokenTimer = setTimeout(refreshToken, 5000); });
  }

  // <base><key id>/<expires>/<viewer>/<signature>/<session>/<file> -> the newest token.
  function signed(url) {
    if (!token || !url.startsWith(token.base)) return url;
    const rest = url.slice(token.base.length).split("/").slice(4).join("/");
    return token.base + token.token + "/" + rest;
  }

  function endAccess() {
    accessEnded = true;
    clearTimeout(tokenTimer);
    clearTimeout(videoRetry);
    stopVideo();
    $("room-video-state").textContent = L.access_ended;
    $("room-video-state").dataset.state = "access-ended";
  }

  async function startVideo() {
    const replay = replayMode();
    if (!player || hls || accessEnded || (cfg.status !== "live" && !replay)) return;
    clearTimeout(videoRetry);
    // The session goes live a moment before nginx writes the first playlist
    // (about 2 s): retry soon, then back off. A refused token ends it instead.
    const retry = () => {
      stopVideo();
      videoAttempts += 1;
      videoRetry = setTimeout(startVideo, Math.min(5000, 500 * videoAttempts));
    };
    try {
      if (!(await fetchToken())) return;
    } catch (_error) { retry(); return; }
    if (hls || accessEnded) return;
    if (window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls({
        xhrSetup: (xhr, url) => { xhr.open("GET", signed(url), true); },
        liveSyncDurationCount: 3,
      });
      hls.on(window.Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        if (videoPlayed) $("room-video-state").textContent = L.video_reconnecting;
        // nginx said 403: the token expired or was revoked. Ask Django once more;
        // it either gives a new token (play on) or refuses (access ended).
        const status = data.response && data.response.code;
        if (status === 403) { fetchToken().then((t) => { if (t) retry(); }, retry); }
        else if (status === 404 && data.details === window.Hls.ErrorDetails.MANIFEST_LOAD_ERROR
                 && replay && token.source_url && token.url !== token.source_url) {
          sourceOnly = true;
          retry();
        }
        else retry();
      });
      hls.on(window.Hls.Events.LEVEL_SWITCHED, (_event, data) => {
        const level = hls && hls.levels[data.level];
        if (level) player.dataset.height = String(level.height);
      });
      hls.on(window.Hls.Events.MANIFEST_PARSED, () => {
        showQualities();
        videoAttempts = 0;
        videoPlayed = true;
        $("room-video-state").textContent = L.video[cfg.status] || "";
        player.hidden = false;
        $("room-video-state").hidden = true;
        player.play().catch(() => {});
      });
      hls.loadSource(sourceOnly && token.source_url ? token.source_url : token.url);
      hls.attachMedia(player);
    } else if (player.canPlayType("application/vnd.apple.mpegurl")) {
      player.src = token.url; // Safari plays HLS itself (the token lives TTL; reload to renew)
      player.hidden = false;
      $("room-video-state").hidden = true;
      player.play().catch(() => {});
    }
  }

  function stopVideo() {
    if (hls) { hls.destroy(); hls = null; }
    if (player) player.hidden = true;
    if (quality) quality.hidden = true;
    $("room-video-state").hidden = false;
  }

  function setStatus(status) {
    cfg.status = status;
    setHostButtons(status);
    if (status === "live" || (status === "ended" && cfg.replay_ready)) startVideo();
    else { clearTimeout(videoRetry); clearTimeout(tokenTimer); stopVideo(); }
    const reminder = document.querySelector(".reminder-form");
    if (reminder && status !== "scheduled") reminder.hidden = true;
    // Paying to put a question on top only makes sense while the host is live.
    const priority = document.querySelector(".priority-box");
    if (priority) {
      priority.hidden = status !== "live";
      if (priority.hidden) { priority.open = false; questionAmountClear(); }
    }
    const badge = $("room-status");
    badge.textContent = L.status[status] || status;
    badge.classList.toggle("badge-live", status === "live");
    if (!accessEnded) $("room-video-state").textContent = L.video[status] || "";
    if (status === "ended" || status === "cancelled") {
      for (const id of ["chat-form", "question-form", "tip-form", "room-settings"]) {
        const form = $(id);
        if (form) form.hidden = true;
      }
    }
  }

  function setSettings(settings) {
    const notes = [];
    if (settings.slow_mode_seconds) notes.push(fmt(L.slow_mode, { n: settings.slow_mode_seconds }));
    if (settings.subscribers_only) notes.push(L.subscribers_only);
    const form = $("room-settings");
    if (form) {
      form.slow_mode_seconds.value = String(settings.slow_mode_seconds);
      form.subscribers_only.checked = settings.subscribers_only;
    }
    const input = $("chat-input");
    if (input) input.title = notes.join(" ");
    const notice = $("room-notice");
    if (notice) {
      notice.textContent = notes.join(" ");
      notice.hidden = notes.length === 0;
    }
  }

  function questionAmountClear() {
    const form = $("question-form");
    if (form && form.amount) form.amount.value = "";
  }

  function setConnection(text) {
    const node = $("room-connection");
    if (node) node.textContent = text;
  }

  // --- receiving --------------------------------------------------------------

  function apply(frame) {
    if (typeof frame.seq === "number") {
      if (frame.seq <= lastSeq) return; // already applied (replay overlap)
      lastSeq = frame.seq;
    }
    switch (frame.type) {
      case "welcome":
        setStatus(frame.session.status);
        setPinned(frame.pinned);
        setSettings(frame.settings);
        setViewers(frame.viewers);
        break;
      case "chat":
        appendChat(frame);
        break;
      case "tip":
        appendChat(frame);
        tipTotals[frame.currency] = (tipTotals[frame.currency] || 0) + frame.amount;
        updateConsole();
        refreshLeaders();
        break;
      case "message.pinned":
        setPinned(frame);
        break;
      case "system":
        appendChat(frame);
        if (frame.event === "session.started") setStatus("live");
        if (frame.event === "session.ended") setStatus("ended");
        if (frame.event === "session.cancelled") setStatus("cancelled");
        break;
      case "message.released": {
        // Approved: moderators unmark the line they have; viewers see it for the first time.
        const held = chatLog.querySelector('[data-seq="' + frame.target + '"]');
        if (held) {
          held.classList.remove("chat-held");
          const controls = held.querySelector(".chat-held-controls");
          if (controls) controls.remove();
        } else {
          appendChat(Object.assign({}, frame, { type: "chat", seq: frame.target }));
        }
        break;
      }
      case "message.deleted": {
        const line = chatLog.querySelector('[data-seq="' + frame.target + '"]');
        if (frame.target === pinnedSeq) setPinned(null);
        if (line) {
          line.classList.add("chat-deleted");
          const text = line.querySelector(".chat-text");
          if (text) text.textContent = L.deleted;
          const actions = line.querySelector(".chat-actions");
          if (actions) actions.remove();
        }
        break;
      }
      case "question":
      case "question.updated":
        questions.set(frame.question.id, frame.question);
        renderBoard();
        updateConsole();
        break;
      case "room.settings":
        setSettings(frame);
        break;
      case "presence":
        setViewers(frame.viewers);
        break;
      case "error":
        showError(frame.reason);
        break;
      case "ack":
        showError(frame.held ? L.held_notice : "");
        break;
      case "closing":
        showError(frame.reason);
        break;
    }
  }

  function setViewers(n) {
    const node = $("room-viewers");
    if (!node || typeof n !== "number") return;
    node.hidden = false;
    node.textContent = fmt(L.viewers, { n: n });
    const counter = $("console-viewers");
    if (counter) counter.textContent = String(n);
  }

  // --- the host's console, the pinned message, the tip leaderboard --------------

  const tipTotals = Object.assign({}, cfg.tip_totals || {});
  let pinnedSeq = null;

  function setPinned(pin) {
    const bar = $("chat-pinned");
    if (!bar) return;
    pinnedSeq = pin && pin.target ? pin.target : null;
    if (!pinnedSeq) { bar.hidden = true; bar.replaceChildren(); return; }
    bar.replaceChildren(el("span", "badge", L.pinned), " ",
      el("strong", "", pin.user ? pin.user.name : ""), " ", el("span", "chat-text", pin.text));
    if (canModerate) {
      const unpin = el("button", "link-button chat-action", L.unpin);
      unpin.type = "button";
      unpin.dataset.testid = "chat-unpin";
      unpin.addEventListener("click", () => send({ type: "pin", seq: null }));
      bar.append(" ", unpin);
    }
    bar.hidden = false;
  }

  function updateConsole() {
    const tips = $("console-tips");
    if (tips) {
      const parts = Object.keys(tipTotals).sort().map((c) => money(tipTotals[c], c));
      tips.textContent = parts.length ? parts.join(" ") : "–";
    }
    const open = $("console-questions");
    if (open) {
      open.textContent = String(Array.from(questions.values()).filter((q) => q.status === "open").length);
    }
  }

  // Host buttons follow the session: "Go live" becomes "End" when it starts.
  function setHostButtons(status) {
    const show = { "host-go-live": status === "scheduled", "host-edit": status === "scheduled",
      "host-end": status === "live" };
    for (const id of Object.keys(show)) {
      const node = $(id);
      if (node) node.hidden = !show[id];
    }
  }

  let leadersTimer = null;
  function refreshLeaders() {
    const list = $("tip-leaders");
    if (!list || !cfg.leaderboard_url) return;
    clearTimeout(leadersTimer);
    leadersTimer = setTimeout(() => {
      fetch(cfg.leaderboard_url, { credentials: "same-origin", cache: "no-store" })
        .then((response) => response.ok ? response.json() : null)
        .then((data) => {
          if (!data) return;
          list.replaceChildren(...(data.leaders.length ? data.leaders.map((leader) => {
            const item = el("li");
            item.append(el("span", "leader-name", leader.name), " ",
              el("span", "muted", money(leader.total, leader.currency)));
            return item;
          }) : [el("li", "muted", L.no_tips)]));
        })
        .catch(() => {});
    }, 300);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(scheme + "://" + location.host + "/ws/live/" + cfg.session + "/?after=" + lastSeq);
    socket.addEventListener("open", () => {
      attempt = 0;
      setConnection(L.connected);
    });
    socket.addEventListener("message", (event) => apply(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      if (FINAL_CLOSE_CODES.includes(event.code)) {
        finalClose = true;
        setConnection("");
        return;
      }
      setConnection(L.connecting);
      // 0.5 s doubling to 15 s, with jitter so a restarted server is not stampeded.
      const delay = Math.min(15000, 500 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      attempt += 1;
      setTimeout(connect, delay);
    });
  }

  // --- forms ------------------------------------------------------------------

  function onSubmit(id, build) {
    const form = $(id);
    if (!form) return;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const frame = build(form);
      if (frame && send(frame)) form.reset();
    });
  }

  onSubmit("chat-form", (form) => ({ type: "chat", text: form.text.value }));
  // A free question is first put to the assistant: when the site's knowledge already
  // answers it, the answer shows privately and the learner may still ask the host.
  const questionForm = $("question-form");
  const privateAnswer = $("assistant-live-answer");
  if (questionForm) {
    questionForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = questionForm.text.value;
      const paid = questionForm.amount && questionForm.amount.value
        ? Math.round(parseFloat(questionForm.amount.value) * 100) : 0;
      const frame = paid
        ? { type: "question.priority", text: text, amount: paid, currency: questionForm.currency.value, key: newKey() }
        : { type: "question", text: text };
      const toBoard = () => { if (send(frame)) questionForm.reset(); };
      const assistant = window.zhiliaoAssistant;
      if (paid || !assistant || !privateAnswer || questionForm.dataset.skipAssistant) {
        delete questionForm.dataset.skipAssistant;
        toBoard();
        return;
      }
      // A new question clears the last private answer (and its "still ask" button).
      privateAnswer.hidden = true;
      privateAnswer.replaceChildren();
      assistant.ask(text, "live").then((reply) => {
        if (!reply.answered) { toBoard(); return; }
        privateAnswer.hidden = false;
        const box = document.createElement("div");
        assistant.render(box, reply);
        const still = el("button", "button button-small", assistant.labels.askHost);
        still.type = "button";
        still.dataset.testid = "assistant-ask-host";
        still.addEventListener("click", () => { privateAnswer.hidden = true; toBoard(); });
        privateAnswer.replaceChildren(el("p", "muted", assistant.labels.answeredPrivately), box, still);
      }).catch(toBoard);
    });
  }
  onSubmit("tip-form", (form) => {
    const amount = Math.round(parseFloat(form.amount.value) * 100);
    return { type: "tip", amount: amount, currency: form.currency.value,
      message: form.message.value, key: newKey() };
  });

  function newKey() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : String(Date.now()) + Math.random().toString(16).slice(2);
  }
  const settingsForm = $("room-settings");
  if (settingsForm) {
    settingsForm.addEventListener("change", () => {
      send({ type: "settings",
        slow_mode_seconds: parseInt(settingsForm.slow_mode_seconds.value, 10),
        subscribers_only: settingsForm.subscribers_only.checked });
    });
  }

  // Replay chapters: each answered question, where it was answered.
  const chapterList = $("replay-chapters");
  if (chapterList) {
    for (const chapter of cfg.chapters) {
      const item = el("li");
      const jump = el("button", "link-button chapter", chapter.title);
      jump.type = "button";
      jump.dataset.start = chapter.start;
      jump.addEventListener("click", () => {
        startVideo();
        player.currentTime = chapter.start;
        player.play().catch(() => {});
      });
      const minutes = Math.floor(chapter.start / 60);
      const seconds = String(Math.floor(chapter.start % 60)).padStart(2, "0");
      item.append(el("span", "muted", minutes + ":" + seconds + " "), jump);
      chapterList.append(item);
    }
    // A link to a moment (?t=seconds, from the assistant's chapter links) starts there.
    const at = parseFloat(new URLSearchParams(window.location.search).get("t"));
    if (at >= 0 && player) {
      startVideo();
      player.currentTime = at;
      player.play().catch(() => {});
    }
  }

  // --- start ------------------------------------------------------------------

  for (const frame of cfg.chat) appendChat(frame);
  for (const q of cfg.questions) questions.set(q.id, q);
  renderBoard();
  setSettings(cfg.settings);
  setPinned(cfg.pinned);
  connect();
  window.liveRoom = { lastSeq: () => lastSeq, closedForGood: () => finalClose };
})();
