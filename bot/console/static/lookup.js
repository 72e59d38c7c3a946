"use strict";
// Staff procedure lookup: search as you type, open a record (record.js draws it). All data is
// shown with textContent.

const $ = (id) => document.getElementById(id);
const api = Console.api;
let pending = null;
let timer = null;

function renderResults(results) {
  const list = $("results");
  list.replaceChildren();
  $("status").textContent = results.length
    ? `${results.length} kết quả`
    : "Không tìm thấy thủ tục phù hợp. Thử từ khác hoặc mã thủ tục.";
  for (const hit of results) {
    const button = el("button");
    button.type = "button";
    const title = el("div");
    title.append(el("span", hit.code, "code"), el("span", hit.short_name || hit.name, "name"));
    const where = [hit.field, hit.agency].filter(Boolean).join(" — ");
    button.append(title, el("div", where, "meta"), badges(hit));
    button.addEventListener("click", () => {
      for (const other of list.querySelectorAll("button")) other.removeAttribute("aria-current");
      button.setAttribute("aria-current", "true");
      openRecord(hit.code);
    });
    const item = el("li");
    item.append(button);
    list.append(item);
  }
}

async function search() {
  const query = $("q").value.trim();
  if (pending) pending.abort();
  if (!query) {
    $("results").replaceChildren();
    $("status").textContent = "";
    return;
  }
  pending = new AbortController();
  $("status").textContent = "Đang tìm…";
  try {
    const params = new URLSearchParams({ q: query, limit: "15" });
    const response = await api(`/api/procedures?${params}`, { signal: pending.signal });
    renderResults((await response.json()).results);
  } catch (error) {
    if (error.name !== "AbortError" && error.message !== "unauthorized") {
      $("status").textContent = "Chưa tra cứu được, vui lòng thử lại.";
    }
  }
}

async function openRecord(code) {
  try {
    const response = await api(`/api/procedures/${encodeURIComponent(code)}`);
    if (response.ok) {
      renderRecord($("record"), await response.json());
      // On a narrow screen the record is under the results: bring it into view.
      if (window.matchMedia("(max-width: 900px)").matches) $("record").scrollIntoView();
    }
  } catch (error) {
    if (error.message !== "unauthorized") $("status").textContent = "Chưa mở được hồ sơ thủ tục, vui lòng thử lại.";
  }
}

$("q").addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(search, 150);
});

$("search").addEventListener("submit", (event) => {
  event.preventDefault();
  const first = $("results").querySelector("button");
  if (first) first.click();
});

// Signed-in staff only; "?q=" (a link from a ticket) starts a search.
Console.start("/lookup").then(() => {
  const asked = new URLSearchParams(location.search).get("q");
  $("q").focus();
  if (asked) {
    $("q").value = asked;
    search();
  }
}, () => {});
