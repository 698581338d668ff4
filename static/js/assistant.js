/* The assistant: every .assistant-box form asks /api/v1/assistant/ask/ and shows the
   answer (quotes with links and a confidence, thumbs up/down) or the next steps. The
   live room asks here first (window.zhiliaoAssistant.ask) before a question goes to
   the board. No framework; text is always set with textContent. */
(function () {
  "use strict";
  // The CSRF cookie, not a token rendered into every page (pages stay cacheable);
  // signed-in users have it since they logged in, anonymous asks need none.
  const csrfMatch = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  const csrf = csrfMatch ? decodeURIComponent(csrfMatch[1]) : "";
  const cfgNode = document.getElementById("assistant-config");
  if (!cfgNode) return;
  const cfg = JSON.parse(cfgNode.textContent);
  const L = cfg.labels;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return { ok: response.ok, status: response.status, data: data };
  }

  function errorText(data) {
    if (data.detail) return data.detail;
    const messages = [];
    for (const value of Object.values(data)) messages.push(...[].concat(value));
    return messages.join(" ") || L.error;
  }

  function vote(reply, passage, value, row) {
    post(cfg.vote, { question: reply.question_id, item: passage.item_id, value: value })
      .then((r) => { row.replaceChildren(el("span", "muted", r.ok ? L.thanks : errorText(r.data))); });
  }

  function render(target, reply) {
    target.replaceChildren();
    if (reply.keywords && reply.keywords.length) {
      target.append(el("p", "muted assistant-understood", L.understood + " " + reply.keywords.join(", ")));
    }
    if (reply.message) target.append(el("p", "assistant-message", reply.message));
    for (const passage of reply.passages) {
      const card = el("div", "assistant-passage");
      card.dataset.testid = "assistant-passage";
      card.dataset.kind = passage.kind;
      const link = el("a", "", passage.title);
      link.href = passage.url;
      link.dataset.testid = "assistant-link";
      card.append(link);
      if (passage.course_title) card.append(el("span", "muted", " · " + L.inCourse + " " + passage.course_title));
      card.append(el("p", passage.locked ? "muted" : "assistant-quote", passage.locked ? L.locked : passage.quote));
      card.append(el("span", "muted", L.confidence + " " + Math.round(passage.score * 100) + "%"));
      if (cfg.signedIn && reply.question_id) {
        const row = el("span", "assistant-votes");
        const up = el("button", "link-button", "👍");
        up.type = "button"; up.title = L.helpful; up.dataset.testid = "assistant-vote-up";
        up.addEventListener("click", () => vote(reply, passage, 1, row));
        const down = el("button", "link-button", "👎");
        down.type = "button"; down.title = L.notHelpful; down.dataset.testid = "assistant-vote-down";
        down.addEventListener("click", () => vote(reply, passage, -1, row));
        row.append(" ", up, " ", down);
        card.append(row);
      }
      target.append(card);
    }
    if (reply.next_steps && reply.next_steps.length) {
      const steps = el("ul", "assistant-next");
      for (const step of reply.next_steps) {
        const item = el("li");
        const link = el("a", "button button-small", step.label + (step.price ? " · " + step.price : ""));
        link.href = step.url;
        link.dataset.testid = "assistant-next-" + step.kind;
        item.append(link);
        steps.append(item);
      }
      target.append(steps);
    }
  }

  async function ask(text, place) {
    const r = await post(cfg.api, { text: text, place: place });
    if (!r.ok) throw new Error(errorText(r.data));
    return r.data;
  }

  function wire(form) {
    const target = form.querySelector(".assistant-reply");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      target.replaceChildren(el("p", "muted", "…"));
      ask(form.text.value, form.dataset.assistantPlace)
        .then((reply) => render(target, reply))
        .catch((error) => target.replaceChildren(el("p", "error", error.message || L.error)));
    });
    if (form.hasAttribute("data-assistant-autoask") && form.text.value.trim()) {
      form.requestSubmit();
    }
  }

  document.querySelectorAll("form.assistant-box").forEach(wire);
  window.zhiliaoAssistant = { ask: ask, render: render, labels: L };
})();
