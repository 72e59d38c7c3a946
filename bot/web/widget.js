/*
 * Portal chat widget of the administrative-procedure assistant (Trợ lý thủ tục hành chính).
 *
 * A province embeds it with one tag:
 *   <script src="https://BOT-HOST/webhooks/webchat/widget.js" defer
 *           data-title="Trợ lý thủ tục hành chính" data-color="#b71c1c"></script>
 * Optional attributes: data-title, data-greeting, data-color (#rgb or #rrggbb), data-server
 * (the bot's address when it differs from the script's).
 *
 * It talks to Rasa over socket.io (path /socket.io, channel "socketio" with session persistence),
 * loading socket.io's client from the bot's own server, never from a CDN. The session id and the
 * messages shown are kept in sessionStorage: they survive reloads and navigation in the tab and
 * are gone when the tab is closed (portals are used on shared computers). Everything the bot or
 * the citizen sends is shown as text nodes; only http(s) addresses become links.
 *
 * A bot message (bot/channels/widget.py) has a text, where "[label](https://...)" is a link
 * (a form to download) and a bare address is shown shortened; "links", shown as link buttons
 * opening a new tab; "quick_replies", shown as choices; and "feedback" (👍 / 👎), shown as two
 * small controls under the answer: a click sends the payload and marks the choice.
 */
(function () {
  "use strict";

  const script = document.currentScript;
  if (!script || window.__tthcWidgetLoaded) return;
  window.__tthcWidgetLoaded = true;

  const server = (script.dataset.server || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const color = /^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/.test(script.dataset.color || "")
    ? script.dataset.color
    : "#b71c1c";
  const TEXT = {
    title: script.dataset.title || "Trợ lý thủ tục hành chính",
    greeting:
      script.dataset.greeting ||
      "Xin chào! Anh/chị cần hỏi về thủ tục hành chính nào? Ví dụ: «đăng ký khai sinh cần giấy tờ gì?»",
    open: "Mở trợ lý thủ tục hành chính",
    openUnread: "Mở trợ lý thủ tục hành chính (có tin nhắn mới)",
    close: "Đóng cửa sổ trò chuyện",
    input: "Câu hỏi của anh/chị",
    placeholder: "Nhập câu hỏi của anh/chị…", // short: a phone shows about 25 characters
    send: "Gửi",
    choices: "Các lựa chọn",
    links: "Liên kết",
    newTab: "(mở trong thẻ mới)",
    feedback: "Câu trả lời này có hữu ích không?",
    typing: "Trợ lý đang trả lời…",
    offline: "Mất kết nối, đang kết nối lại…",
    slow: "Hệ thống đang bận, anh/chị vui lòng chờ thêm hoặc thử lại sau ít phút.",
  };
  const STORAGE_KEY = "tthc-widget";
  const MAX_KEPT = 200;
  const SLOW_MS = 45000;

  // ---- conversation state, kept in sessionStorage ----
  const state = loadState();

  function loadState() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
      if (saved && typeof saved.session === "string" && Array.isArray(saved.items)) return saved;
    } catch (error) {
      /* storage unavailable or corrupt: start afresh */
    }
    return { session: newSessionId(), open: false, items: [] };
  }

  function saveState() {
    state.items = state.items.slice(-MAX_KEPT);
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (error) {
      /* storage full or blocked: the conversation still works for this page */
    }
  }

  function newSessionId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // ---- layout, in a shadow root so the portal's styles and ours never mix ----
  const host = document.createElement("div");
  host.setAttribute("data-tthc-widget", "");
  host.lang = "vi";
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = `
<style>
  :host { all: initial; }
  * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  .bubble { position: fixed; right: 20px; bottom: 20px; width: 60px; height: 60px; border: 0;
            border-radius: 50%; background: var(--tthc-color); color: #fff; cursor: pointer;
            box-shadow: 0 4px 14px rgba(0,0,0,.3); z-index: 2147483000; display: grid;
            place-items: center; }
  .bubble svg { width: 30px; height: 30px; fill: currentColor; }
  .bubble.unread::after { content: ""; position: absolute; top: 6px; right: 6px; width: 14px;
                          height: 14px; border-radius: 50%; background: #ffd54f;
                          border: 2px solid #fff; }
  .panel { position: fixed; right: 20px; bottom: 92px; width: 380px; height: min(600px, 75vh);
           display: flex; flex-direction: column; background: #f5f6f8; border-radius: 12px;
           overflow: hidden; box-shadow: 0 8px 30px rgba(0,0,0,.3); z-index: 2147483001;
           color: #1b1b1b; font-size: 15px; line-height: 1.45; }
  .panel[hidden] { display: none; }
  header { display: flex; align-items: center; gap: 8px; padding: 12px 14px;
           background: var(--tthc-color); color: #fff; }
  h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 600; }
  .close { border: 0; background: transparent; color: #fff; font-size: 26px; line-height: 1;
           width: 44px; height: 44px; cursor: pointer; border-radius: 8px; }
  .log { flex: 1; overflow-y: auto; padding: 12px; }
  .msg { margin: 6px 0; padding: 8px 12px; border-radius: 12px; max-width: 88%; width: fit-content;
         white-space: pre-wrap; overflow-wrap: anywhere; }
  .user { background: #1565c0; color: #fff; margin-left: auto; }
  .bot { background: #fff; border: 1px solid #d8dbe2; }
  .bot a { color: #0b57a4; }
  .choices { display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0 10px; }
  .choices button { border: 1px solid #1565c0; background: #fff; color: #0d47a1; border-radius: 16px;
                    padding: 8px 12px; font-size: 14px; cursor: pointer; text-align: left;
                    min-height: 36px; }
  .links { display: flex; flex-direction: column; gap: 6px; margin: 4px 0 8px; max-width: 88%; }
  .links a { display: flex; align-items: center; justify-content: space-between; gap: 10px;
             padding: 9px 12px; min-height: 40px; border-radius: 8px; background: #0b4f8a;
             color: #fff; font-size: 14px; font-weight: 600; text-decoration: none; }
  .links a:hover { background: #083b68; }
  .links a span[aria-hidden] { font-size: 16px; }
  .feedback { display: flex; align-items: center; gap: 6px; margin: -2px 0 10px; font-size: 13px; }
  .feedback button { display: inline-flex; align-items: center; gap: 5px; border: 1px solid #9aa0a6;
                     background: #fff; color: #333; border-radius: 14px; padding: 4px 10px;
                     min-height: 32px; font-size: 13px; cursor: pointer; }
  .feedback svg { width: 15px; height: 15px; fill: currentColor; }
  .feedback button[aria-pressed="true"] { background: #e8f0fe; border-color: #0b4f8a; color: #0b3a6a;
                                          font-weight: 600; }
  .feedback button:disabled { cursor: default; }
  .feedback button:disabled:not([aria-pressed="true"]) { color: #5f6368; border-color: #c4c7cc; }
  .status { margin: 0; padding: 0 12px; min-height: 1.4em; font-size: 13px; color: #555; }
  form { display: flex; gap: 8px; padding: 10px; background: #fff; border-top: 1px solid #d8dbe2; }
  input { flex: 1; min-width: 0; padding: 10px; font-size: 16px; border: 1px solid #9aa0a6;
          border-radius: 8px; }
  form button { padding: 10px 16px; font-size: 16px; border: 0; border-radius: 8px;
                background: var(--tthc-color); color: #fff; cursor: pointer; }
  button:focus-visible, input:focus-visible, a:focus-visible, .log:focus-visible {
    outline: 3px solid #ffbf47; outline-offset: 2px; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
             white-space: nowrap; }
  @media (max-width: 480px) {
    .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; }
  }
</style>
<button class="bubble" type="button" aria-controls="tthc-panel" aria-expanded="false">
  <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z"/></svg>
</button>
<section class="panel" id="tthc-panel" role="dialog" aria-labelledby="tthc-title" hidden>
  <header>
    <h2 id="tthc-title"></h2>
    <button class="close" type="button">×</button>
  </header>
  <div class="log" role="log" aria-live="polite" aria-labelledby="tthc-title" tabindex="0"></div>
  <p class="status" role="status"></p>
  <form>
    <label class="sr-only" for="tthc-input"></label>
    <input id="tthc-input" type="text" autocomplete="off" maxlength="2000">
    <button type="submit"></button>
  </form>
</section>`;
  host.style.setProperty("--tthc-color", color);

  const bubble = root.querySelector(".bubble");
  const panel = root.querySelector(".panel");
  const closeButton = root.querySelector(".close");
  const log = root.querySelector(".log");
  const status = root.querySelector(".status");
  const form = root.querySelector("form");
  const input = root.querySelector("input");
  bubble.setAttribute("aria-label", TEXT.open);
  closeButton.setAttribute("aria-label", TEXT.close);
  root.querySelector("h2").textContent = TEXT.title;
  root.querySelector("label").textContent = TEXT.input;
  input.placeholder = TEXT.placeholder;
  form.querySelector("button").textContent = TEXT.send;

  // ---- rendering (text nodes only) ----
  const INLINE_LINK = /\[([^\[\]\n]+)\]\((https?:\/\/[^\s()]+)\)/g;

  function anchor(url, text) {
    const a = document.createElement("a");
    a.href = url;
    a.textContent = text;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  // A bare address as a reader wants it: the site and the start of the path.
  function shortUrl(url) {
    if (url.length <= 40) return url;
    try {
      const parsed = new URL(url);
      const first = parsed.pathname.split("/").filter(Boolean)[0];
      return parsed.host + (first ? `/${first}/…` : "/…");
    } catch (error) {
      return url;
    }
  }

  function appendBareLinks(element, text) {
    for (const part of text.split(/(https?:\/\/[^\s<>"]+)/g)) {
      if (!/^https?:\/\//.test(part)) {
        element.appendChild(document.createTextNode(part));
        continue;
      }
      const url = part.replace(/[.,;:!?)\]]+$/, "");
      const a = anchor(url, shortUrl(url));
      a.title = url;
      element.appendChild(a);
      element.appendChild(document.createTextNode(part.slice(url.length)));
    }
  }

  function appendText(element, text) {
    let last = 0;
    for (const match of text.matchAll(INLINE_LINK)) {
      appendBareLinks(element, text.slice(last, match.index));
      element.appendChild(anchor(match[2], match[1]));
      last = match.index + match[0].length;
    }
    appendBareLinks(element, text.slice(last));
  }

  function renderLinks(item) {
    const group = document.createElement("div");
    group.className = "links";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", TEXT.links);
    for (const link of item.links) {
      const a = anchor(link.url, "");
      const title = document.createElement("span");
      title.textContent = link.title;
      const arrow = document.createElement("span");
      arrow.setAttribute("aria-hidden", "true");
      arrow.textContent = "↗";
      const hint = document.createElement("span");
      hint.className = "sr-only";
      hint.textContent = TEXT.newTab;
      a.append(title, hint, arrow);
      group.appendChild(a);
    }
    log.appendChild(group);
  }

  function renderChoices(item) {
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", TEXT.choices);
    for (const choice of item.buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = choice.title;
      button.addEventListener("click", () => send(choice.payload, choice.title));
      group.appendChild(button);
    }
    log.appendChild(group);
  }

  // Thumbs up / down (Material Icons "thumb_up" / "thumb_down", Apache License 2.0).
  const THUMB_UP = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";
  const THUMB_DOWN = "M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z";

  function thumb(down) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", down ? THUMB_DOWN : THUMB_UP);
    svg.appendChild(path);
    return svg;
  }

  function renderFeedback(item) {
    const group = document.createElement("div");
    group.className = "feedback";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", TEXT.feedback);
    const controls = item.feedback.map((choice, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.appendChild(thumb(/"feedback_rating":"down"/.test(choice.payload)));
      // The words only: an emoji font may be missing on the citizen's computer; the icon is SVG.
      button.appendChild(document.createTextNode(choice.title.replace(/^[^\p{L}\p{N}]+/u, "")));
      button.setAttribute("aria-pressed", String(item.rated === index));
      button.disabled = item.rated !== undefined;
      button.addEventListener("click", () => {
        if (item.rated !== undefined) return;
        item.rated = index;
        saveState();
        for (const [i, other] of controls.entries()) {
          other.setAttribute("aria-pressed", String(i === index));
          other.disabled = true;
        }
        send(choice.payload, null);
      });
      group.appendChild(button);
      return button;
    });
    log.appendChild(group);
  }

  function render(item) {
    if (item.text) {
      const div = document.createElement("div");
      div.className = "msg " + (item.who === "user" ? "user" : "bot");
      appendText(div, item.text);
      log.appendChild(div);
    }
    if (item.links && item.links.length) renderLinks(item);
    if (item.buttons && item.buttons.length) renderChoices(item);
    if (item.feedback && item.feedback.length) renderFeedback(item);
    log.scrollTop = log.scrollHeight;
  }

  function add(item) {
    state.items.push(item);
    saveState();
    render(item);
  }

  // ---- opening and closing ----
  function setOpen(open, focus) {
    state.open = open;
    saveState();
    panel.hidden = !open;
    bubble.setAttribute("aria-expanded", String(open));
    if (open) {
      bubble.classList.remove("unread");
      bubble.setAttribute("aria-label", TEXT.open);
      if (!state.items.length) add({ who: "bot", text: TEXT.greeting });
      connect();
      if (focus) input.focus();
      log.scrollTop = log.scrollHeight;
    } else if (focus) {
      bubble.focus();
    }
  }

  bubble.addEventListener("click", () => setOpen(panel.hidden, true));
  closeButton.addEventListener("click", () => setOpen(false, true));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setOpen(false, true);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });

  // ---- socket.io ----
  let socket = null;
  let confirmed = false;
  const waiting = [];
  let slowTimer = null;

  // Send a message; ``shown`` is what the citizen's bubble says (null: no bubble, for feedback).
  function send(message, shown) {
    if (shown !== null) add({ who: "user", text: shown || message });
    const data = { message: message, session_id: state.session };
    if (socket && confirmed) socket.emit("user_uttered", data);
    else waiting.push(data);
    status.textContent = TEXT.typing;
    clearTimeout(slowTimer);
    slowTimer = setTimeout(() => (status.textContent = TEXT.slow), SLOW_MS);
    connect();
  }

  function received(message) {
    if (!message || typeof message !== "object") return;
    const payloadButtons = (list) =>
      (Array.isArray(list) ? list : [])
        .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
        .map((b) => ({ title: b.title, payload: b.payload }));
    const links = (Array.isArray(message.links) ? message.links : [])
      .filter((l) => l && typeof l.title === "string" && /^https?:\/\//.test(l.url || ""))
      .map((l) => ({ title: l.title, url: l.url }));
    const buttons = payloadButtons(message.quick_replies || message.buttons);
    const feedback = payloadButtons(message.feedback);
    const text = typeof message.text === "string" ? message.text : "";
    if (!text && !buttons.length && !links.length) return;
    clearTimeout(slowTimer);
    status.textContent = "";
    add({ who: "bot", text: text, links: links, buttons: buttons, feedback: feedback });
    if (panel.hidden) {
      bubble.classList.add("unread");
      bubble.setAttribute("aria-label", TEXT.openUnread);
    }
  }

  function connect() {
    if (socket) return;
    socket = "loading";
    loadSocketIo()
      .then((io) => {
        socket = io(server, { path: "/socket.io", transports: ["websocket", "polling"] });
        socket.on("connect", () => {
          confirmed = false;
          socket.emit("session_request", { session_id: state.session });
        });
        socket.on("session_confirm", (sessionId) => {
          if (typeof sessionId === "string" && sessionId !== state.session) {
            state.session = sessionId;
            saveState();
          }
          confirmed = true;
          if (status.textContent === TEXT.offline) status.textContent = "";
          while (waiting.length) {
            const data = waiting.shift();
            data.session_id = state.session;
            socket.emit("user_uttered", data);
          }
        });
        socket.on("bot_uttered", received);
        socket.on("disconnect", () => {
          confirmed = false;
          status.textContent = TEXT.offline;
        });
        socket.on("connect_error", () => (status.textContent = TEXT.offline));
      })
      .catch(() => {
        socket = null;
        status.textContent = TEXT.offline;
      });
  }

  function loadSocketIo() {
    // socket.io's UMD build sets window.io; the portal's own window.io (if any) is restored.
    return new Promise((resolve, reject) => {
      const before = Object.prototype.hasOwnProperty.call(window, "io") ? window.io : undefined;
      const tag = document.createElement("script");
      tag.src = server + "/webhooks/webchat/vendor/socket.io.min.js";
      tag.async = true;
      tag.onload = () => {
        const io = window.io;
        if (before === undefined) delete window.io;
        else window.io = before;
        if (typeof io === "function") resolve(io);
        else reject(new Error("socket.io client missing"));
      };
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  // ---- start ----
  function start() {
    document.body.appendChild(host);
    for (const item of state.items) render(item);
    if (state.open) setOpen(true, false);
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
