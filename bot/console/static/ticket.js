"use strict";
// One handoff ticket: the conversation (live), the procedure's facts, reply, take, transfer, close.

const $ = (id) => document.getElementById(id);
const ticketId = Number(location.pathname.split("/").pop());
let recordShown = null;

function message(entry) {
  const item = el("li", null, `message ${entry.who}`);
  item.append(el("span", `${entry.who_label} · ${Console.time(entry.at)}`, "meta"), richText("p", entry.text));
  return item;
}

function renderOverview(ticket) {
  document.title = `Phiếu #${ticket.id} — bàn làm việc của cán bộ`;
  $("title").textContent = `Phiếu hỗ trợ #${ticket.id}`;
  $("status").textContent = ticket.status_label;
  $("status").className = `status ${ticket.status}`;
  $("reason").textContent = ticket.reason_label;
  const facts = $("facts");
  facts.replaceChildren();
  const rows = [
    ["Kênh", ticket.channel_label],
    ["Mở lúc", Console.time(ticket.created_at)],
    ["Cán bộ phụ trách", ticket.assignee ? ticket.assignee.name : "Chưa có"],
    ["Thủ tục", ticket.procedure_name ? `${ticket.procedure_name} (${ticket.procedure_code})` : ticket.procedure_code],
  ];
  for (const [label, value] of rows) if (value) facts.append(el("dt", label), el("dd", value));
  if (ticket.callback_phone) {
    const phone = el("a", ticket.callback_phone);
    phone.href = `tel:${ticket.callback_phone}`;
    const dd = el("dd");
    dd.append(phone);
    facts.append(el("dt", "Số gọi lại"), dd);
  }
  if (ticket.timed_out && ticket.status !== "closed") {
    facts.append(el("dt", "Lưu ý"), el("dd", "Trợ lý đã báo người dân chưa có cán bộ và đề nghị gọi lại."));
  }
  $("summary").textContent = ticket.summary;
}

function renderActions(can, ticket) {
  $("take").hidden = !can.take;
  $("close").hidden = !can.close;
  $("transfer-box").hidden = !can.transfer;
  $("reply-form").hidden = !can.reply;
  let hint = "";
  if (can.take) hint = "Tiếp nhận phiếu để trả lời người dân.";
  else if (ticket.status === "taken" && !can.reply) hint = `Phiếu do ${ticket.assignee.name} phụ trách.`;
  else if (ticket.status === "closed") hint = "Phiếu đã kết thúc; trợ lý ảo tiếp tục trò chuyện với người dân.";
  $("reply-hint").textContent = hint;
}

function renderTranscripts(view) {
  $("before").replaceChildren(...view.before.map(message));
  const missing = view.conversation === null;
  $("conversation-missing").hidden = !missing;
  if (!missing) $("conversation").replaceChildren(...view.conversation.map(message));
  $("history").replaceChildren(
    ...view.history.map((event) => el("li", `${Console.time(event.at)} · ${event.text}`, event.kind)),
  );
}

async function showProcedure(code) {
  if (!code || code === recordShown) return;
  recordShown = code;
  const links = $("procedure-links");
  const lookup = el("a", "Tra cứu thủ tục khác");
  lookup.href = `/lookup?q=${encodeURIComponent(code)}`;
  lookup.target = "_blank";
  links.replaceChildren(lookup);
  const response = await Console.api(`/api/procedures/${encodeURIComponent(code)}`);
  if (response.ok) renderRecord($("record"), await response.json());
}

function render(view) {
  renderOverview(view.ticket);
  renderActions(view.can, view.ticket);
  renderTranscripts(view);
  if (view.ticket.procedure_code) {
    showProcedure(view.ticket.procedure_code).catch(() => {});
  } else if (!$("procedure-links").hasChildNodes()) {
    const lookup = el("a", "Tra cứu thủ tục");
    lookup.href = "/lookup";
    lookup.target = "_blank";
    $("procedure-links").replaceChildren("Người dân chưa hỏi thủ tục cụ thể. ", lookup);
  }
}

async function act(path, body, button) {
  $("action-error").textContent = "";
  button.disabled = true;
  try {
    const response = await Console.api(`/api/tickets/${ticketId}/${path}`, { method: "POST", body });
    if (response.ok) {
      render(await response.json());
      return true;
    }
    $("action-error").textContent = await Console.errorText(response, "Chưa thực hiện được, vui lòng thử lại.");
  } catch (error) {
    if (error.message !== "unauthorized") $("action-error").textContent = "Chưa kết nối được với máy chủ, vui lòng thử lại.";
  } finally {
    button.disabled = false;
  }
  return false;
}

async function fillTransferTargets() {
  const response = await Console.api("/api/staff");
  const { staff } = await response.json();
  const options = staff
    .filter((member) => member.id !== Console.staff.id)
    .map((member) => {
      const option = el("option", member.name);
      option.value = member.id;
      return option;
    });
  $("transfer-to").replaceChildren(...options);
}

$("take").addEventListener("click", () => act("take", undefined, $("take")));
$("close").addEventListener("click", () => act("close", undefined, $("close")));
$("transfer").addEventListener("click", () => {
  if ($("transfer-to").value) act("transfer", { staff_id: Number($("transfer-to").value) }, $("transfer"));
});
$("reply-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("reply").value.trim();
  if (!text) return;
  if (await act("reply", { text }, $("reply-form").querySelector("button"))) $("reply").value = "";
});
$("reply").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("reply-form").requestSubmit();
});

async function openTicket() {
  await Console.start("/queue");
  const response = await Console.api(`/api/tickets/${ticketId}`);
  if (!response.ok) {
    $("action-error").textContent = await Console.errorText(response, "Không mở được phiếu này.");
    return;
  }
  render(await response.json());
  fillTransferTargets().catch(() => {});
  Console.live(`/api/tickets/${ticketId}/events`, "ticket", render, (trouble) => {
    $("connection").hidden = !trouble;
  });
}

openTicket().catch(() => {});
