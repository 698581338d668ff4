/* A channel's stream overlay (OBS browser source): polls its feed every 1.5 s and
 * shows each new tip as an alert for a few seconds, the top open questions and,
 * when asked for (?chat=1), the latest chat. Text goes in with textContent only. */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("overlay-config").textContent);
  const alertBox = document.getElementById("overlay-alert");
  const questionList = document.getElementById("overlay-questions");
  const chatList = document.getElementById("overlay-chat");
  const queue = [];
  let session = null;
  let after = 0;
  let showing = false;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined,
        { style: "currency", currency: currency }).format(amount / 100);
    } catch (e) {
      return (amount / 100).toFixed(2) + " " + currency;
    }
  }

  function nextAlert() {
    if (showing || !queue.length) return;
    const tip = queue.shift();
    showing = true;
    alertBox.replaceChildren(el("span", "overlay-tip",
      cfg.labels.tipped.replace("%(name)s", tip.name).replace("%(amount)s", money(tip.amount, tip.currency))));
    if (tip.message) alertBox.append(el("span", "overlay-message", tip.message));
    alertBox.hidden = false;
    setTimeout(() => { alertBox.hidden = true; showing = false; setTimeout(nextAlert, 400); }, 6000);
  }

  function render(data) {
    questionList.replaceChildren(...data.questions.map((q) => {
      const item = el("li");
      item.append(el("span", "overlay-votes", "▲ " + q.votes), el("span", "", q.text));
      return item;
    }));
    if (chatList) {
      chatList.replaceChildren(...data.chat.map((line) => {
        const item = el("li");
        item.append(el("span", "overlay-name", line.name), el("span", "", line.text));
        return item;
      }));
    }
  }

  async function poll() {
    const params = new URLSearchParams({ after: String(after) });
    if (session !== null) params.set("session", String(session));
    if (cfg.chat) params.set("chat", "1");
    try {
      const response = await fetch(cfg.feed + "?" + params, { cache: "no-store" });
      if (response.ok) {
        const data = await response.json();
        session = data.session;
        after = data.last_seq;
        queue.push(...data.alerts);
        render(data);
        nextAlert();
      }
    } catch (_error) { /* the next poll tries again */ }
    setTimeout(poll, 1500);
  }

  poll();
})();
