"use strict";
// The supervisor's figures: indicators in green / yellow / orange / red, tickets per day,
// top procedures, ratings; then how good the answers were. Colours always come with their
// label in words. All data is shown as text.

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
    ["Lượt đánh giá cán bộ", shown(figures.ratings.count)],
  ];
  $("totals").replaceChildren(...rows.flatMap(([label, value]) => [el("dt", label), el("dd", value)]));
}

// ---- answers: "Hữu ích" / "Chưa đúng", the most disliked answers with their conversations, unanswered questions ----

function percent(value) {
  return value === null ? "—" : `${number.format(value)}%`;
}

function dataTable(table, head, rows, empty) {
  const header = el("tr");
  for (const name of head) header.append(el("th", name));
  const body = rows.length
    ? rows.map((cells) => {
        const tr = el("tr");
        for (const cell of cells) tr.append(cell instanceof Node ? cell : el("td", String(cell)));
        return tr;
      })
    : [(() => {
        const tr = el("tr");
        const td = el("td", empty, "meta");
        td.colSpan = head.length;
        tr.append(td);
        return tr;
      })()];
  table.replaceChildren(header, ...body);
}

function shareCell(value) {
  const cell = el("td", null, "share");
  const track = el("span", null, "track");
  const bar = el("span", null, "bar up");
  bar.style.width = `${value === null ? 0 : value}%`;
  track.append(bar);
  cell.append(el("span", percent(value), "value"), track);
  return cell;
}

async function showConversation(button, feedbackId, where) {
  if (where.childElementCount) {
    where.replaceChildren();
    button.setAttribute("aria-expanded", "false");
    return;
  }
  button.disabled = true;
  try {
    const response = await Console.api(`/api/supervisor/feedback/${feedbackId}/conversation`);
    const body = await response.json();
    if (!response.ok) {
      where.replaceChildren(el("li", body.error || "Chưa mở được cuộc trò chuyện.", "meta"));
    } else {
      where.replaceChildren(
        ...body.messages.map((m) => {
          const item = el("li", null, `message ${m.who}`);
          item.append(el("span", `${m.who === "user" ? "Người dân" : "Trợ lý"} · ${Console.time(m.at)}`, "meta"), richText("p", m.text));
          return item;
        }),
      );
    }
    button.setAttribute("aria-expanded", "true");
  } catch (error) {
    if (error.message !== "unauthorized") where.replaceChildren(el("li", "Chưa kết nối được với máy chủ.", "meta"));
  } finally {
    button.disabled = false;
  }
}

function dislikedItem(answer) {
  const item = el("li");
  const title = answer.name ? `${answer.name} (${answer.code}) — ${answer.label}` : answer.label;
  item.append(el("strong", title), el("span", ` · ${answer.down} lần “Chưa đúng”, ${answer.up} lần “Hữu ích”`, "meta"));
  const list = el("ul", null, "conversations");
  for (const c of answer.conversations) {
    const row = el("li");
    const said = [c.reason, c.comment && `“${c.comment}”`].filter(Boolean).join(" · ") || "Không ghi lý do";
    row.append(
      el("span", `${Console.time(c.at)} · ${c.channel} · ${c.conversation}`, "meta"),
      el("div", c.question ? `Hỏi: ${c.question}` : "Hỏi: (bấm nút)"),
      el("div", `Góp ý: ${said}`),
    );
    const open = el("button", "Xem hội thoại", "secondary");
    open.type = "button";
    open.setAttribute("aria-expanded", "false");
    const transcript = el("ol", null, "transcript");
    open.addEventListener("click", () => showConversation(open, c.feedback_id, transcript));
    row.append(open, transcript);
    list.append(row);
  }
  item.append(list);
  return item;
}

function renderAnswers(quality) {
  const t = quality.totals;
  $("answers-summary").textContent = t.up + t.down
    ? `${t.up + t.down} lượt đánh giá: ${t.up} “Hữu ích”, ${t.down} “Chưa đúng” (${percent(t.up_percent)} hữu ích).`
    : "Chưa có lượt đánh giá câu trả lời nào trong khoảng thời gian này.";
  dataTable(
    $("by-type"),
    ["Loại câu trả lời", "Hữu ích", "Chưa đúng", "Tỷ lệ hữu ích"],
    quality.answer_types.map((r) => [r.label, r.up, r.down, shareCell(r.up_percent)]),
    "Chưa có đánh giá.",
  );
  dataTable(
    $("by-procedure"),
    ["Thủ tục", "Hữu ích", "Chưa đúng", "Tỷ lệ hữu ích"],
    quality.procedures.map((r) => [`${r.name} (${r.code})`, r.up, r.down, shareCell(r.up_percent)]),
    "Chưa có đánh giá.",
  );
  $("disliked").replaceChildren(
    ...(quality.disliked.length
      ? quality.disliked.map(dislikedItem)
      : [el("li", "Chưa có câu trả lời nào bị đánh giá chưa đúng.", "meta")]),
  );
  const unanswered = quality.unanswered;
  dataTable(
    $("unanswered"),
    ["Câu hỏi", "Số lần", "Số cuộc trò chuyện", "Loại", "Lần gần nhất"],
    (unanswered || []).map((u) => [u.question, u.count, u.conversations, u.kinds.join(", "), Console.time(u.last_at)]),
    unanswered === null ? "Chưa đọc được dữ liệu hội thoại." : "Không có câu hỏi nào chưa được trả lời.",
  );
  for (const link of document.querySelectorAll("a.csv")) {
    link.href = `/api/supervisor/answers.csv?days=${$("days").value}&table=${link.dataset.table}`;
  }
}

async function loadAnswers() {
  $("answers-error").textContent = "";
  try {
    const response = await Console.api(`/api/supervisor/answers?days=${$("days").value}`);
    if (response.ok) renderAnswers(await response.json());
    else $("answers-error").textContent = await Console.errorText(response, "Chưa tải được số liệu.");
  } catch (error) {
    if (error.message !== "unauthorized") $("answers-error").textContent = "Chưa kết nối được với máy chủ.";
  }
}

async function load() {
  loadAnswers();
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
