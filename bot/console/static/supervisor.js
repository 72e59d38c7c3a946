"use strict";
// The supervisor's figures: indicators in green / yellow / orange / red, tickets per day,
// top procedures, ratings. Colours always come with their label in words.

const $ = (id) => document.getElementById(id);
const number = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });

function vnDay(iso) {
  const [year, month, day] = iso.split("-");
  return `${day}/${month}/${year}`;
}

function indicatorCard(item) {
  const card = el("li", null, `indicator ${item.level}`);
  card.dataset.key = item.key;
  const value = item.value === null ? "—" : `${number.format(item.value)}${item.unit === "%" || item.unit === "/5" ? "" : " "}${item.unit}`;
  card.append(
    el("span", item.label, "label"),
    el("strong", value, "value"),
    el("span", item.level_label, "level"),
    el("span", item.detail, "meta"),
  );
  return card;
}

function bars(table, rows) {
  const most = Math.max(1, ...rows.map(([, count]) => count));
  table.replaceChildren(
    ...rows.map(([label, count]) => {
      const tr = el("tr");
      const bar = el("span", null, "bar");
      bar.style.width = `${(100 * count) / most}%`;
      const cell = el("td");
      cell.append(bar);
      tr.append(el("th", label), cell, el("td", String(count), "count"));
      return tr;
    }),
  );
}

function render(figures) {
  $("range").textContent = `từ ${vnDay(figures.period.from)} đến ${vnDay(figures.period.to)}`;
  $("indicators").replaceChildren(...figures.indicators.map(indicatorCard));
  bars($("per-day"), figures.tickets_per_day.map((day) => [vnDay(day.date), day.count]));
  const top = figures.top_procedures;
  $("top-procedures").replaceChildren(
    ...(top.length
      ? top.map((p) => el("li", `${p.name || p.code} (${p.code}): ${p.count} phiếu`))
      : [el("li", "Chưa có phiếu nào gắn với thủ tục.")]),
  );
  const stars = ["5", "4", "3", "2", "1"].map((score) => [`${score} điểm`, figures.ratings.distribution[score]]);
  bars($("ratings"), stars);
  const totals = figures.totals;
  const shown = (value) => (value === null ? "Chưa có dữ liệu" : number.format(value));
  const rows = [
    ["Phiếu hỗ trợ", shown(totals.tickets)],
    ["Cuộc trò chuyện", shown(totals.conversations)],
    ["Trợ lý tự giải đáp", shown(totals.bot_alone)],
    ["Yêu cầu gọi lại", shown(totals.callbacks)],
    ["Phiếu quá hạn chờ", shown(totals.timed_out)],
    ["Lượt đánh giá", shown(figures.ratings.count)],
  ];
  $("totals").replaceChildren(...rows.flatMap(([label, value]) => [el("dt", label), el("dd", value)]));
}

async function load() {
  $("figures-error").textContent = "";
  try {
    const response = await Console.api(`/api/supervisor/figures?days=${$("days").value}`);
    if (response.ok) render(await response.json());
    else $("figures-error").textContent = await Console.errorText(response, "Chưa tải được số liệu.");
  } catch (error) {
    if (error.message !== "unauthorized") $("figures-error").textContent = "Chưa kết nối được với máy chủ.";
  }
}

$("days").addEventListener("change", load);
$("period").addEventListener("submit", (event) => event.preventDefault());
Console.start("/supervisor").then(load, () => {});
