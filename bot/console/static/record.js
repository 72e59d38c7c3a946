"use strict";
// A procedure's full record as staff read it (the lookup page and the ticket page). Needs el()
// from console.js. All data is shown with textContent; links only to https addresses.

function link(url, text) {
  if (typeof url !== "string" || !url.startsWith("https://")) return el("span", text || url || "");
  const anchor = el("a", text || url);
  anchor.href = url;
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer";
  return anchor;
}

function vnDate(iso) {
  const [year, month, day] = String(iso).slice(0, 10).split("-");
  return `${day}/${month}/${year}`;
}

function badges(item) {
  const row = el("div");
  const level = item.online_level || (item.online && item.online.level) || "chua_ro";
  row.append(el("span", item.online_label || (item.online && item.online.label), `badge level-${level}`));
  if (item.own_procedure) row.append(el("span", "Thủ tục riêng của tỉnh", "badge own"));
  if (!item.details) row.append(el("span", "Chỉ có tên và mã", "badge thin"));
  return row;
}

function section(title, ...children) {
  const part = el("section");
  part.append(el("h3", title), ...children);
  return part;
}

function bulletList(items) {
  const list = el("ul");
  for (const item of items) list.append(el("li", item));
  return list;
}

function documentLine(doc) {
  const details = [];
  if (doc.originals) details.push(`${doc.originals} bản chính`);
  if (doc.copies) details.push(`${doc.copies} bản sao`);
  if (doc.form && !doc.form_url) details.push(`mẫu: ${doc.form}`);
  const item = el("li", doc.name + (details.length ? ` (${details.join("; ")})` : ""));
  if (doc.form_url) {
    // The form to download, where the record has its address.
    const form = el("div", "Mẫu: ", "note");
    form.append(link(doc.form_url, doc.form || "tải mẫu"));
    item.append(form);
  }
  if (doc.note) item.append(el("div", doc.note, "note"));
  return item;
}

// Show a procedure's full record (GET /api/procedures/{code}) in the element `view`.
function renderRecord(view, record) {
  view.replaceChildren();
  view.append(el("h2", record.name));
  const meta = [`Mã ${record.code}`, record.field, record.levels.join(", ")].filter(Boolean);
  view.append(el("p", meta.join(" · "), "meta"), badges(record));
  if (!record.details) {
    const notice = el("p", "Hiện chỉ có tên và mã của thủ tục này. Giấy tờ, cách nộp, thời hạn, phí và lệ phí: xem trên Cổng Dịch vụ công quốc gia ", "notice");
    notice.append(link(record.source.url));
    view.append(notice);
  }
  const facts = el("dl");
  for (const [label, value] of [
    ["Cơ quan thực hiện", record.agency],
    ["Nơi nộp", record.where_to_submit],
    ["Trực tuyến", `${record.online.label}${record.online.basis ? ` (${record.online.basis})` : ""}`],
  ]) {
    if (value) facts.append(el("dt", label), el("dd", value));
  }
  if (record.online.portal_url) {
    const page = el("dd");
    page.append(link(record.online.portal_url));
    facts.append(el("dt", "Trang nộp hồ sơ"), page);
  }
  view.append(facts);

  if (record.channels.length) {
    const table = el("table");
    const head = el("tr");
    for (const name of ["Hình thức", "Thời hạn", "Phí, lệ phí", "Ghi chú"]) head.append(el("th", name));
    table.append(head);
    for (const channel of record.channels) {
      const row = el("tr");
      row.append(
        el("td", channel.method_label),
        el("td", channel.time || "Chưa ghi"),
        el("td", channel.fee || "Chưa ghi"),
        el("td", channel.note || ""),
      );
      table.append(row);
    }
    view.append(section("Cách nộp, thời hạn, phí và lệ phí", table));
  }
  if (record.cases.length) {
    const cases = [];
    for (const item of record.cases) {
      const list = el("ol");
      for (const doc of item.documents) list.append(documentLine(doc));
      cases.push(el("h4", item.name), list);
    }
    view.append(section("Hồ sơ", ...cases));
  }
  if (record.conditions) view.append(section("Yêu cầu, điều kiện", el("p", record.conditions)));
  if (record.results.length) view.append(section("Kết quả", bulletList(record.results)));
  if (record.legal_basis.length) view.append(section("Căn cứ pháp lý", bulletList(record.legal_basis)));
  if (record.missing.length) view.append(section("Dữ liệu còn thiếu", bulletList(record.missing)));
  if (record.curation_notes.length) view.append(section("Ghi chú biên tập", bulletList(record.curation_notes)));

  const source = el("p");
  source.append("Nguồn: ", link(record.source.url), ` · kiểm tra ngày ${vnDate(record.source.checked)} · ${record.source.origin_label}`);
  const sources = [source];
  if (record.source.dataset) sources.push(el("p", `Dữ liệu: ${record.source.dataset}`, "meta"));
  for (const official of record.official_records) {
    const where = [official.file, official.location].filter(Boolean).join(", ");
    const changed = official.changed_at ? `, thay đổi ${vnDate(official.changed_at)}` : "";
    const used = official.applied ? " · đang dùng" : "";
    sources.push(el("p", `Bản ghi chính thức: ${official.kind_label} (${where}; nhập ${vnDate(official.imported_at)}${changed})${used}`, "meta"));
  }
  view.append(section("Nguồn", ...sources));
  view.hidden = false;
}
