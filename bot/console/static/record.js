"use strict";
// A procedure's full record as staff read it (the lookup page and the ticket page). Needs el()
// from console.js. All data is shown with textContent; links only to https addresses, named by
// what they open (the address itself is in the link, for copying), never written out.

function siteName(url) {
  const host = new URL(url).hostname;
  if (host === "dichvucong.gov.vn" || host.endsWith(".dichvucong.gov.vn")) return "Cổng Dịch vụ công quốc gia";
  return host;
}

function link(url, text) {
  if (typeof url !== "string" || !url.startsWith("https://")) return el("span", text || "");
  const anchor = el("a", `${text || siteName(url)} ↗`);
  anchor.title = url;
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

// How the data was read and curated: notes in the curators' words (English), folded away so
// that an operator reads the record itself first.
function dataNotes(record) {
  const notes = [...record.curation_notes];
  if (record.online.basis) notes.unshift(`Mức trực tuyến theo dữ liệu: ${record.online.basis}`);
  if (record.source.dataset) notes.unshift(`Tệp dữ liệu: ${record.source.dataset}`);
  if (!notes.length) return [];
  const fold = el("details", "", "data-notes");
  fold.append(el("summary", "Ghi chú dữ liệu (dành cho người biên tập)"), bulletList(notes));
  return [fold];
}

// Show a procedure's full record (GET /api/procedures/{code}) in the element `view`.
function renderRecord(view, record) {
  view.replaceChildren();
  view.append(el("h2", record.name));
  const meta = [`Mã ${record.code}`, record.field, record.levels.join(", ")].filter(Boolean);
  view.append(el("p", meta.join(" · "), "meta"), badges(record));
  if (!record.details) {
    const notice = el("p", "Hiện chỉ có tên và mã của thủ tục này. Giấy tờ, cách nộp, thời hạn, phí và lệ phí: xem trên ", "notice");
    notice.append(link(record.source.url, "Cổng Dịch vụ công quốc gia"));
    view.append(notice);
  }
  const facts = el("dl");
  for (const [label, value] of [
    ["Cơ quan thực hiện", record.agency],
    ["Nơi nộp", record.where_to_submit],
    ["Trực tuyến", record.online.label],
  ]) {
    if (value) facts.append(el("dt", label), el("dd", value));
  }
  if (record.online.portal_url) {
    const page = el("dd");
    const same = record.online.portal_url === record.source.url;
    page.append(link(record.online.portal_url, same ? "Trang thủ tục (nộp trực tuyến tại đây)" : "Trang nộp hồ sơ"));
    facts.append(el("dt", "Nộp trực tuyến"), page);
  }
  view.append(facts);

  if (record.channels.length) {
    const table = el("table");
    const head = el("tr");
    const columns = ["Hình thức", "Thời hạn", "Phí, lệ phí", "Ghi chú"];
    for (const name of columns) head.append(el("th", name));
    table.append(head);
    for (const channel of record.channels) {
      const row = el("tr");
      const cells = [channel.method_label, channel.time || "Chưa ghi", channel.fee || "Chưa ghi", channel.note || ""];
      for (const [index, value] of cells.entries()) {
        const cell = el("td", value);
        cell.dataset.label = columns[index]; // named on a phone, where the rows stack
        row.append(cell);
      }
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
  view.append(...dataNotes(record));

  const source = el("p");
  source.append("Nguồn: ", link(record.source.url, "Bản ghi trên Cổng Dịch vụ công quốc gia"), ` · kiểm tra ngày ${vnDate(record.source.checked)} · ${record.source.origin_label}`);
  const sources = [source];
  for (const official of record.official_records) {
    const where = [official.file, official.location].filter(Boolean).join(", ");
    const changed = official.changed_at ? `, thay đổi ${vnDate(official.changed_at)}` : "";
    const used = official.applied ? " · đang dùng" : "";
    sources.push(el("p", `Bản ghi chính thức: ${official.kind_label} (${where}; nhập ${vnDate(official.imported_at)}${changed})${used}`, "meta"));
  }
  view.append(section("Nguồn", ...sources));
  view.hidden = false;
}
