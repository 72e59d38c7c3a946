"use strict";
// Shared by the console's pages: the signed-in staff member, requests carrying the CSRF token,
// the navigation bar, live updates and times in Vietnam time. All data is shown as text.

// A new element holding text (never HTML).
function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// A paragraph of a bot's message: its inline links "[label](https://...)" (a form to download)
// become links; everything else stays text.
function richText(tag, text, className) {
  const node = el(tag, null, className);
  const pattern = /\[([^\[\]\n]+)\]\((https:\/\/[^\s()]+)\)/g;
  let last = 0;
  for (const match of String(text).matchAll(pattern)) {
    node.append(String(text).slice(last, match.index));
    const anchor = el("a", match[1]);
    anchor.href = match[2];
    anchor.target = "_blank";
    anchor.rel = "noopener noreferrer";
    node.append(anchor);
    last = match.index + match[0].length;
  }
  node.append(String(text).slice(last));
  return node;
}

const Console = (() => {
  let csrf = "";
  let staff = null;
  const timeFormat = new Intl.DateTimeFormat("vi-VN", {
    timeZone: "Asia/Ho_Chi_Minh",
    hour: "2-digit",
    minute: "2-digit",
    day: "2-digit",
    month: "2-digit",
  });

  function toLogin() {
    const here = location.pathname + location.search;
    location.assign(`/login?next=${encodeURIComponent(here)}`);
  }

  // fetch() for the console's API: JSON bodies, the CSRF token on changes, 401 → sign in.
  async function api(path, options = {}) {
    const init = { method: options.method || "GET", credentials: "same-origin", headers: {} };
    if (options.signal) init.signal = options.signal;
    if (init.method !== "GET") init.headers["X-CSRF-Token"] = csrf;
    if (options.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    const response = await fetch(path, init);
    if (response.status === 401) {
      toLogin();
      throw new Error("unauthorized");
    }
    return response;
  }

  async function errorText(response, fallback) {
    try {
      return (await response.json()).error || fallback;
    } catch (error) {
      return fallback;
    }
  }

  function renderNav(current) {
    const nav = document.getElementById("console-nav");
    nav.replaceChildren();
    const links = [["/queue", "Hàng chờ"], ["/lookup", "Tra cứu thủ tục"]];
    if (staff.supervisor) links.push(["/supervisor", "Giám sát"]);
    const list = el("ul");
    for (const [href, label] of links) {
      const anchor = el("a", label);
      anchor.href = href;
      if (href === current) anchor.setAttribute("aria-current", "page");
      const item = el("li");
      item.append(anchor);
      list.append(item);
    }
    const role = staff.supervisor ? "Giám sát viên" : "Tổng đài viên";
    const who = el("span", `${staff.name} · ${role}`, "who");
    const out = el("button", "Đăng xuất");
    out.type = "button";
    out.id = "logout";
    out.addEventListener("click", async () => {
      await api("/api/session", { method: "DELETE" });
      location.assign("/login");
    });
    nav.append(list, who, out);
  }

  // Who is signed in (else off to the login page), and the navigation bar.
  async function start(current) {
    const response = await api("/api/session");
    const body = await response.json();
    csrf = body.csrf;
    staff = body.staff;
    renderNav(current);
    return staff;
  }

  // Server-sent events: onData(snapshot) for each change; a refused stream means signed out.
  function live(path, event, onData, onTrouble) {
    const source = new EventSource(path);
    source.addEventListener(event, (message) => onData(JSON.parse(message.data)));
    source.addEventListener("open", () => onTrouble(false));
    source.addEventListener("error", () => {
      onTrouble(true);
      if (source.readyState === EventSource.CLOSED) {
        api("/api/session").then(() => setTimeout(() => live(path, event, onData, onTrouble), 3000), () => {});
      }
    });
    return source;
  }

  // "14:05 23/11" in Vietnam time.
  function time(iso) {
    if (!iso) return "";
    const parts = Object.fromEntries(timeFormat.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
    return `${parts.hour}:${parts.minute} ${parts.day}/${parts.month}`;
  }

  function minutesSince(iso) {
    return Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 60000));
  }

  return { api, errorText, start, live, time, minutesSince, get staff() { return staff; } };
})();
