"use strict";
// The queue of handoff tickets, newest activity first, updated live.

const $ = (id) => document.getElementById(id);

function statusCell(ticket) {
  const cell = el("td");
  cell.append(el("span", ticket.status_label, `status ${ticket.status}`));
  if (ticket.timed_out && ticket.status === "waiting") {
    cell.append(el("div", "Đã báo người dân chưa có cán bộ", "meta"));
  }
  if (ticket.status === "waiting") {
    cell.append(el("div", `chờ ${Console.minutesSince(ticket.created_at)} phút`, "meta"));
  }
  return cell;
}

async function take(ticket, button) {
  button.disabled = true;
  $("queue-error").textContent = "";
  const response = await Console.api(`/api/tickets/${ticket.id}/take`, { method: "POST" });
  if (response.ok) {
    location.assign(`/tickets/${ticket.id}`);
  } else {
    $("queue-error").textContent = await Console.errorText(response, "Chưa tiếp nhận được phiếu.");
    button.disabled = false;
  }
}

function row(ticket) {
  const tr = el("tr");
  tr.dataset.ticket = ticket.id;
  const open = el("a", `#${ticket.id}`);
  open.href = `/tickets/${ticket.id}`;
  const idCell = el("td");
  idCell.append(open);
  const why = el("td");
  why.append(el("strong", ticket.reason_label), el("div", ticket.summary, "meta"));
  if (ticket.callback_phone) why.append(el("div", `Gọi lại: ${ticket.callback_phone}`, "phone"));
  const procedure = el("td", ticket.procedure_name || ticket.procedure_code || "—");
  const actions = el("td");
  if (ticket.status === "waiting" || ticket.status === "callback") {
    const button = el("button", "Tiếp nhận", "take");
    button.type = "button";
    button.addEventListener("click", () => take(ticket, button));
    actions.append(button);
  } else {
    const link = el("a", "Mở phiếu");
    link.href = `/tickets/${ticket.id}`;
    actions.append(link);
  }
  tr.append(
    idCell,
    statusCell(ticket),
    why,
    procedure,
    el("td", ticket.channel_label),
    el("td", Console.time(ticket.last_activity_at)),
    el("td", ticket.assignee ? ticket.assignee.name : "—"),
    actions,
  );
  return tr;
}

function render(snapshot) {
  const tickets = snapshot.tickets;
  $("queue").querySelector("tbody").replaceChildren(...tickets.map(row));
  $("queue").hidden = tickets.length === 0;
  $("empty").hidden = tickets.length !== 0;
  const count = (status) => tickets.filter((t) => t.status === status).length;
  $("counts").textContent =
    `${count("waiting")} phiếu đang chờ · ${count("taken")} đang hỗ trợ · ${count("callback")} chờ gọi lại`;
}

Console.start("/queue").then(() => {
  Console.live("/api/queue/events", "queue", render, (trouble) => { $("connection").hidden = !trouble; });
}, () => {});
