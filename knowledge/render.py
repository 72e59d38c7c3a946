"""Vietnamese answer texts built from knowledge-base records. Plain text, every channel shows it,
with one mark-up: an inline link ``[label](address)`` (``inline_link``), which the web widget
draws as a link and the messaging channels turn into a link button under the text, keeping the
label in it (``inline_links``, ``link_labels``); ``plain_links`` writes the address out for
staff pages. No address is ever written raw into an answer."""

from __future__ import annotations

import datetime as dt
import re
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from knowledge.fees import FeeGroup, FeeItem, method_groups, read_groups
from knowledge.models import METHODS, Case, Channel, Procedure
from knowledge.profile import ProvinceProfile, current_profile
from knowledge.retired import RetiredDocument
from knowledge.sources import answer_date
from knowledge.text.capitals import in_capitals, sentence_case

METHOD_NAMES = {
    "online": "Trực tuyến",
    "direct": "Trực tiếp",
    "postal": "Qua bưu chính",
}
UNIT_NAMES = {
    "working_day": "ngày làm việc",
    "day": "ngày",
    "hour": "giờ",
    "month": "tháng",
}
ONLINE_MEANING = {
    "toan_trinh": (
        "là dịch vụ công trực tuyến toàn trình: anh/chị có thể nộp hồ sơ, nộp phí (nếu có), "
        "theo dõi và nhận kết quả trực tuyến hoặc qua bưu chính, không phải đến cơ quan "
        "(cách gọi cũ: mức độ 4)."
    ),
    "mot_phan": (
        "là dịch vụ công trực tuyến một phần: anh/chị nộp hồ sơ trực tuyến được, nhưng có bước "
        "phải làm trực tiếp tại cơ quan, ví dụ xuất trình bản chính hoặc nhận kết quả "
        "(cách gọi cũ: mức độ 3)."
    ),
    "khong": (
        "chưa có dịch vụ công trực tuyến: anh/chị nộp hồ sơ trực tiếp"
        " hoặc qua bưu chính nếu thủ tục cho phép."
    ),
    "chua_ro": (
        "có hình thức nộp hồ sơ trực tuyến trên Cổng Dịch vụ công, nhưng dữ liệu chính thức "
        "chưa ghi rõ là toàn trình hay một phần."
    ),
}
NO_ONLINE_DATA = (
    "chưa có thông tin về hình thức nộp trực tuyến trong dữ liệu chính thức; anh/chị xem chi tiết "
    "trên Cổng Dịch vụ công."
)
NATIONAL_PORTAL = "Cổng Dịch vụ công quốc gia"
INLINE_LINK = re.compile(r"\[([^\[\]\n]+)\]\((https?://[^\s()]+)\)")
LONG_NAME_CHARS = 80  # a longer official name is shortened in headings
ELLIPSIS = "…"
FULL_NAME_LEAD = "Tên đầy đủ của thủ tục: "
VNEID_LOGIN = (
    "Để nộp trực tuyến, anh/chị đăng nhập Cổng Dịch vụ công bằng tài khoản định danh điện tử "
    "VNeID mức độ 2."
)


def called(procedure: Procedure, capital: bool = True) -> str:
    """The procedure's official name, quoted, after "Thủ tục" unless the name starts with it."""
    name = written(procedure.name)
    if name.lower().startswith("thủ tục"):
        return f"«{name}»"
    return f"{'Thủ tục' if capital else 'thủ tục'} «{name}»"


def written(name: str) -> str:
    """An official name as a sentence quotes it: without a final dot, and in sentence case when
    the record writes it in capitals ("HƯỞNG BẢO HIỂM XÃ HỘI MỘT LẦN.")."""
    name = name.strip().rstrip(".").rstrip()
    return sentence_case(name) if in_capitals(name) else name


def titled(procedure: Procedure, capital: bool = True) -> str:
    """The procedure as an answer names it: ``called``, with its short name, cut at a phrase
    boundary, when the official name is long (``full_name_line`` gives that one once)."""
    if len(procedure.name) <= LONG_NAME_CHARS:
        return called(procedure, capital)
    short = shortened_name(procedure.short_name or procedure.name)
    if short.lower().startswith("thủ tục"):
        return f"«{short}»"
    return f"{'Thủ tục' if capital else 'thủ tục'} «{short}»"


def shortened_name(name: str, limit: int = LONG_NAME_CHARS) -> str:
    """``name`` within about ``limit`` characters: cut after a clause, else a word, with "…"."""
    if len(name) <= limit:
        return name
    for separator in ("; ", ", ", " ("):
        position = name.rfind(separator, 0, limit)
        if position > limit // 2:
            return name[:position] + ELLIPSIS
    position = name.rfind(" ", 0, limit)
    return name[: position if position > 0 else limit] + ELLIPSIS


def full_name_line(procedure: Procedure) -> Optional[str]:
    """The official name in full, once in an answer whose headings shorten it."""
    if len(procedure.name) <= LONG_NAME_CHARS:
        return None
    return f"{FULL_NAME_LEAD}{written(procedure.name)}."


def money(amount: int) -> str:
    """10000 -> "10.000 đồng"."""
    return f"{amount:,} đồng".replace(",", ".")


def number(value: float) -> str:
    """1.0 -> "1", 0.5 -> "0,5"."""
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def processing_time(channel: Channel) -> Optional[str]:
    """The processing time of a channel as the citizen should read it."""
    if channel.time_text:
        return channel.time_text
    if channel.time_value is not None and channel.time_unit in UNIT_NAMES:
        return f"{number(channel.time_value)} {UNIT_NAMES[channel.time_unit]}"
    return None


def fee(channel: Channel) -> Optional[str]:
    """The fee of a channel."""
    if channel.fee_text:
        return channel.fee_text
    if channel.fee_amount is not None:
        return "Không mất phí" if channel.fee_amount == 0 else money(channel.fee_amount)
    return None


def retired_notice(document: RetiredDocument) -> str:
    """What to know first about a document no longer issued, with its official sources."""
    year, month, day = document.checked.split("-")
    sources = "; ".join(f"[{urlsplit(url).hostname}]({url})" for url in document.sources)
    return f"Lưu ý: {document.note}\nNguồn: {sources} (kiểm tra ngày {day}/{month}/{year})."


def source_line(procedure: Procedure) -> str:
    """The closing line every answer carries: the official source and the check date. The
    record's address goes with the answer as a link button (``actions.replies``)."""
    host = urlsplit(procedure.source_url).hostname or ""
    name = NATIONAL_PORTAL if host.endswith("dichvucong.gov.vn") else host or NATIONAL_PORTAL
    if procedure.origin == "snapshot":
        return f"Nguồn: {name}, {_crawled(procedure)} (dữ liệu danh mục, chưa biên tập)"
    return f"Nguồn: {name}, kiểm tra {procedure.checked:%d/%m/%Y}"


def _crawled(procedure: Procedure) -> str:
    """When a snapshot record was read from the portal: the day, or the month when its crawl
    gives only the month (``source_dataset`` "... (crawled 2026-07)")."""
    if re.search(r"\(crawled \d{4}-\d{2}\)$", procedure.source_dataset or ""):
        return f"cập nhật tháng {procedure.checked:%m/%Y}"
    return f"cập nhật {procedure.checked:%d/%m/%Y}"


def inline_link(label: str, url: Optional[str]) -> str:
    """``label`` as a link to ``url`` (``[label](url)``, which each channel draws or writes
    out), or ``label`` alone when there is no web address."""
    if not url or not INLINE_LINK.fullmatch(f"[x]({url})"):
        return label
    return f"[{label.replace('[', '(').replace(']', ')')}]({url})"


def plain_links(text: str) -> str:
    """``text`` with its inline links written out (staff pages): ``label (url)``."""
    return INLINE_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)


def link_labels(text: str) -> str:
    """``text`` with its inline links' labels only (their addresses go on link buttons)."""
    return INLINE_LINK.sub(lambda m: m.group(1), text)


def inline_links(text: str) -> List[Tuple[str, str]]:
    """The ``(label, url)`` of each inline link of ``text``, in order."""
    return [(m.group(1), m.group(2)) for m in INLINE_LINK.finditer(text)]


def record_page_link(procedure: Procedure) -> str:
    """The procedure's official record page, as an inline link."""
    return inline_link("trang thủ tục trên Cổng Dịch vụ công quốc gia", procedure.source_url)


def submission_page_link(procedure: Procedure) -> str:
    """Where to submit online, as an inline link: the record page itself when it is the
    submission page, so the citizen knows the record's link is where to go."""
    if procedure.portal_url == procedure.source_url:
        return record_page_link(procedure)
    return inline_link("trang nộp hồ sơ", procedure.portal_url)


def _missing(procedure: Procedure, *topics: str) -> List[str]:
    items = [m for m in procedure.missing if any(t in m.lower() for t in topics)]
    return [f"Lưu ý: dữ liệu chính thức chưa có {m[0].lower() + m[1:]}." for m in items]


def _join(*parts: Optional[str]) -> str:
    return "\n".join(p for p in parts if p)


def details_on_portal(procedure: Procedure) -> bool:
    """Whether only the catalogue entry is known (no channels, no documents)."""
    return not procedure.channels and not procedure.cases


def portal_details(procedure: Procedure) -> str:
    """The answer for a procedure known by name and code only: what is known, and the link."""
    field = f", lĩnh vực {procedure.field}" if procedure.field else ""
    lines = [f"{called(procedure)} (mã {procedure.code}{field})."]
    if procedure.agency:
        lines.append(f"- Cơ quan thực hiện: {procedure.agency}")
    if procedure.levels:
        lines.append(f"- Cấp thực hiện: {', '.join(procedure.levels)}")
    if procedure.subjects:
        lines.append(f"- Đối tượng thực hiện: {', '.join(procedure.subjects)}")
    record_page = procedure.source_url.rstrip("/") != "https://dichvucong.gov.vn"
    where = "" if record_page else f" (tra cứu theo mã {procedure.code})"
    portal = inline_link(NATIONAL_PORTAL, procedure.source_url)
    lines.append(
        "Hiện tôi mới có tên và mã của thủ tục này. Giấy tờ cần nộp, cách nộp, thời hạn, "
        f"phí và lệ phí có trên {portal}{where}."
    )
    return _join(*lines, source_line(procedure))


def case_needs_choice(procedure: Procedure) -> bool:
    """Whether the documents differ by case, so the citizen must say which case applies."""
    return len(procedure.cases) > 1


def documents(procedure: Procedure, case: Optional[Case] = None) -> str:
    """The documents of one case (or of the only case)."""
    if details_on_portal(procedure):
        return portal_details(procedure)
    case = case or (procedure.cases[0] if procedure.cases else None)
    if case is None or not case.documents:
        return _join(
            f"Dữ liệu chính thức chưa có danh sách giấy tờ của {titled(procedure, capital=False)}.",
            f"Anh/chị xem chi tiết tại {record_page_link(procedure)}.",
            full_name_line(procedure),
            source_line(procedure),
        )
    heading = f"Hồ sơ cần chuẩn bị cho {titled(procedure, capital=False)}"
    if len(procedure.cases) > 1:
        heading += f", trường hợp: {case.name}"
    lines = [heading + ":", *_document_lines(procedure, case.documents)]
    return _join(
        "\n".join(lines),
        forms_line(procedure, case.documents),
        full_name_line(procedure),
        *_missing(procedure, "giấy tờ", "hồ sơ"),
        source_line(procedure),
    )


# The sections of an official record's documents table, which the importer keeps as each row's
# note: rows to submit, rows to show, and the agency's notes (often a dozen long paragraphs).
SUBMIT_SECTION = "Giấy tờ phải nộp"
SHOW_SECTION = "Giấy tờ phải xuất trình"
NOTES_SECTION = "Lưu ý"
_SECTIONS = (SUBMIT_SECTION, SHOW_SECTION, NOTES_SECTION)


def _document_lines(procedure: Procedure, documents: Sequence) -> List[str]:
    """The documents numbered, under the heading of their record's section ("Giấy tờ phải
    xuất trình:") when the record has sections; the agency's notes are not listed one by one
    but pointed to on the record page."""
    sections = {d.note for d in documents if d.note in _SECTIONS}
    lines: List[str] = []
    shown: Optional[str] = None
    number_ = 0
    for document in documents:
        if document.note == NOTES_SECTION:
            continue
        if len(sections) > 1 and document.note in _SECTIONS and document.note != shown:
            shown = document.note
            lines.append(f"{shown}:")
        number_ += 1
        lines.append(f"{number_}. {_document_line(document)}")
    notes = sum(d.note == NOTES_SECTION for d in documents)
    if notes:
        lines.append(
            f"Cơ quan giải quyết còn ghi {notes} lưu ý về hồ sơ, xem tại "
            f"{record_page_link(procedure)}."
        )
    return lines


def _document_line(document) -> str:  # noqa: ANN001 - knowledge.models.Document
    """One document on one line, with the name of its form (the official records give a
    form's file name but no public address for it: ``forms_line`` says where to get it)."""
    quantities = []
    if document.originals:
        quantities.append(f"{document.originals} bản chính")
    if document.copies:
        quantities.append(f"{document.copies} bản sao")
    details = list(quantities)
    if document.form:
        details.append(f"mẫu: {document.form}")
    if not document.required:
        details.append("nếu thuộc trường hợp này")
    line = document.name + (f" ({'; '.join(details)})" if details else "")
    if document.note and document.note not in _SECTIONS:
        line += f". {document.note}"
    return " ".join(line.split())


def forms_line(procedure: Procedure, documents: Sequence) -> Optional[str]:
    """Where to download the forms the ``documents`` name: the procedure's official record
    page (none when only the portal's home page is known)."""
    if not any(d.form for d in documents) or not urlsplit(procedure.source_url).path.strip("/"):
        return None
    return f"Tải các mẫu đơn, tờ khai tại {record_page_link(procedure)}."


def case_question(procedure: Procedure) -> str:
    """Asks which case applies."""
    return (
        f"{titled(procedure)} có giấy tờ khác nhau theo từng trường hợp. "
        "Anh/chị thuộc trường hợp nào?"
    )


def online_meaning(procedure: Procedure) -> str:
    """What the procedure's online level means, in plain words."""
    if procedure.online_level == "chua_ro" and not procedure.channels:
        return NO_ONLINE_DATA
    return ONLINE_MEANING[procedure.online_level]


def online(procedure: Procedure, profile: ProvinceProfile) -> str:
    """Whether and how the procedure can be done online."""
    lines = [f"{titled(procedure)} {online_meaning(procedure)}"]
    if procedure.online_level != "khong":
        lines.append(VNEID_LOGIN)
        if procedure.portal_url:
            lines.append(f"Nộp trực tuyến tại: {submission_page_link(procedure)}")
        if profile.portal_url:
            lines.append(inline_link(f"Cổng dịch vụ công {profile.name}", profile.portal_url))
        if profile.one_stop_url:
            lines.append(inline_link(f"Hệ thống một cửa {profile.name}", profile.one_stop_url))
    return _join(
        *lines,
        full_name_line(procedure),
        *_missing(procedure, "trực tuyến"),
        source_line(procedure),
    )


def fees(
    procedure: Procedure,
    profile: Optional[ProvinceProfile] = None,
    today: Optional[dt.date] = None,
) -> str:
    """The fees: curated amounts in force on ``today`` where the schedule has them, else the
    fee of each submission channel as the official record gives it."""
    if details_on_portal(procedure):
        return portal_details(procedure)
    groups = read_groups(procedure.fee_schedule)
    if not groups:
        return _channel_fees(procedure)
    on = answer_date(today)
    profile = profile or current_profile()
    methods = [m for m in METHODS if any(c.method == m for c in procedure.channels)]
    lines = [f"Phí, lệ phí {titled(procedure, capital=False)}:"]
    for group in groups:
        lines += _fee_group_lines(group, methods, profile, on, procedure.source_url)
    return _join(
        *lines, full_name_line(procedure), *_missing(procedure, "phí"), source_line(procedure)
    )


def _channel_fees(procedure: Procedure) -> str:
    rows = [(METHOD_NAMES[c.method], fee(c)) for c in procedure.channels]
    known = [f"- {method}: {value}" for method, value in rows if value]
    unknown = [method for method, value in rows if not value]
    lines = [f"Phí, lệ phí {titled(procedure, capital=False)}:"] + known
    if unknown:
        lines.append(
            f"Dữ liệu chính thức chưa ghi phí, lệ phí khi nộp {', '.join(unknown).lower()}."
        )
    if not rows:
        lines = [f"Dữ liệu chính thức chưa ghi phí, lệ phí của {titled(procedure, capital=False)}."]
    return _join(
        *lines, full_name_line(procedure), *_missing(procedure, "phí"), source_line(procedure)
    )


FEE_METHOD_WORDS = {"online": "trực tuyến", "direct": "trực tiếp", "postal": "qua bưu chính"}
ENDED_NOTE_DAYS = 180  # an ended rate is mentioned (never its amount) this long after its end


def _fee_group_lines(
    group: FeeGroup, methods: List[str], profile: ProvinceProfile, on: dt.date, record: str
) -> List[str]:
    if group.set_by == "province":
        return _council_fee_lines(group, methods, profile, on, record)
    heading = f"Theo {group.basis}"
    if group.replaces:
        heading += f", thay thế {group.replaces} mà hồ sơ chính thức còn dẫn"
    lines = [heading + ":"] + _fee_item_lines(group.items, methods, on)
    return lines + _fee_notes(group, on, record)


def _council_fee_lines(
    group: FeeGroup, methods: List[str], profile: ProvinceProfile, on: dt.date, record: str
) -> List[str]:
    council = profile.council_fees.get(group.topic or "")
    if council is None:
        lines = [
            f"{group.basis}. Tôi chưa có mức thu đã kiểm chứng theo nghị quyết của Hội đồng "
            f"nhân dân {profile.name}; anh/chị vui lòng hỏi bộ phận một cửa nơi nộp hồ sơ.",
            hotline_sentence(profile),
        ]
    else:
        lines = [f"Tại {profile.name}, theo {council.basis}:"]
        lines += _fee_item_lines(council.items, methods, on) + _fee_notes(council, on, record)
    return lines + _fee_item_lines(group.items, methods, on) + _fee_notes(group, on, record)


def _fee_item_lines(items: Sequence[FeeItem], methods: List[str], on: dt.date) -> List[str]:
    if not items:
        return []
    shown = method_groups(items, methods or list(METHODS), on)
    if len(shown) == 1:
        return [_fee_item_line(item, on) for item in shown[0][1]] or [
            "- Chưa có mức thu đã kiểm chứng cho thời điểm hiện tại."
        ]
    lines: List[str] = []
    for found, visible in shown:
        lines.append(f"Nộp {', '.join(FEE_METHOD_WORDS[m] for m in found)}:")
        lines += [_fee_item_line(item, on) for item in visible] or [
            "- Chưa có mức thu đã kiểm chứng cho thời điểm hiện tại."
        ]
    return lines


def _fee_item_line(item: FeeItem, on: dt.date) -> str:
    if item.amount is None:
        value = item.text or ""
    elif item.amount == 0:
        value = "miễn"
    else:
        value = money(item.amount) + (f"/{item.per}" if item.per else "")
    until = f" (áp dụng đến hết ngày {item.valid_until:%d/%m/%Y})" if item.valid_until else ""
    return f"- {item.label}: {value}{until}"


def _page_name(url: str) -> str:
    """What a link to ``url`` opens, in a few words."""
    host = urlsplit(url).hostname or ""
    if host.endswith("dichvucong.gov.vn"):
        return f"trang trên {NATIONAL_PORTAL}"
    return "văn bản quy định mức thu"


def _recently_ended(item: FeeItem, on: dt.date) -> bool:
    return item.valid_until is not None and 0 < (on - item.valid_until).days <= ENDED_NOTE_DAYS


def _ended_note(item: FeeItem) -> str:
    """What is said of a rate that has ended: never its old amount."""
    return item.ended_note or (
        f"mức «{item.label}» chỉ áp dụng đến hết ngày {item.valid_until:%d/%m/%Y} "
        "và đã hết hiệu lực."
    )


def _fee_notes(group: FeeGroup, on: dt.date, record: str) -> List[str]:
    lines = [f"Lưu ý: {_ended_note(item)}" for item in group.items if _recently_ended(item, on)]
    if group.exemptions:
        lines.append("Được miễn: " + "; ".join(group.exemptions) + ".")
    lines += list(group.notes)
    source = group.source
    if not any(item.amount for item in group.items):
        return lines
    if not source.verified:
        lines.append(
            "Lưu ý: mức thu trên chưa được đối chiếu với bản chính thức của văn bản;"
            " anh/chị vui lòng kiểm tra lại khi nộp hồ sơ."
        )
    elif source.url and source.url != record:
        page = inline_link(_page_name(source.url), source.url)
        lines.append(f"Nguồn mức thu: {page} (kiểm tra ngày {source.checked:%d/%m/%Y}).")
    return lines


def times(
    procedure: Procedure, case: Optional[Case] = None, today: Optional[dt.date] = None
) -> str:
    """The processing time: by case where the record gives times per case (only ``case``'s
    when one is chosen), else per submission channel; with the note on the times, if any."""
    if details_on_portal(procedure):
        return portal_details(procedure)
    name = titled(procedure, capital=False)
    by_case = _case_time_rows(procedure, case)
    if by_case:
        lines = [f"Thời hạn giải quyết {name} tùy trường hợp:"] + by_case
    else:
        lines = _channel_time_lines(procedure)
    if procedure.time_note:
        lines.append(procedure.time_note)
    return _join(
        *lines,
        full_name_line(procedure),
        *_missing(procedure, "thời hạn", "thời gian"),
        source_line(procedure),
    )


def _case_time_rows(procedure: Procedure, case: Optional[Case]) -> List[str]:
    rows: Dict[str, List[str]] = {}
    for entry in procedure.case_times or []:
        if case is not None and entry["case"] != case.name:
            continue
        methods = entry.get("methods") or []
        where = f" (nộp {', '.join(FEE_METHOD_WORDS[m] for m in methods)})" if methods else ""
        rows.setdefault(entry["case"], []).append(f"{entry['time_text']}{where}")
    return [f"- {case_name}: {'; '.join(texts)}" for case_name, texts in rows.items()]


def _channel_time_lines(procedure: Procedure) -> List[str]:
    rows = [(METHOD_NAMES[c.method], processing_time(c)) for c in procedure.channels]
    known = [f"- {method}: {value}" for method, value in rows if value]
    unknown = [method for method, value in rows if not value]
    lines = [f"Thời hạn giải quyết {titled(procedure, capital=False)}:"] + known
    if unknown:
        lines.append(f"Dữ liệu chính thức chưa ghi thời hạn khi nộp {', '.join(unknown).lower()}.")
    if not rows:
        name = titled(procedure, capital=False)
        lines = [f"Dữ liệu chính thức chưa ghi thời hạn giải quyết của {name}."]
    return lines


def agency(procedure: Procedure, profile: ProvinceProfile) -> str:
    """Who handles the procedure and where to submit."""
    lines = [f"{titled(procedure)}:"]
    if procedure.levels:
        lines.append(f"- Cấp thực hiện: {', '.join(procedure.levels)}")
    lines.append(f"- Cơ quan thực hiện: {procedure.agency or 'dữ liệu chính thức chưa ghi'}")
    if procedure.where_to_submit:
        lines.append(f"- Nơi nộp: {procedure.where_to_submit}")
    if any(c.method == "online" for c in procedure.channels) and procedure.portal_url:
        lines.append(f"- Nộp trực tuyến: {submission_page_link(procedure)}")
    if "Cấp tỉnh" in procedure.levels and profile.one_stop_centres:
        centre = profile.one_stop_centres[0]
        lines.append(f"Tại {profile.name}: {centre.name}, {centre.address}.")
        lines.append(office_hours_sentence(profile))
    return _join(
        *lines,
        full_name_line(procedure),
        *_missing(procedure, "cơ quan", "nơi nộp"),
        source_line(procedure),
    )


def overview(procedure: Procedure) -> str:
    """A short summary of the procedure, with what the citizen can ask next."""
    if details_on_portal(procedure):
        return portal_details(procedure)
    level = online_meaning(procedure).split(":")[0].split(";")[0]
    lines = [f"{called(procedure)} (mã {procedure.code}, lĩnh vực {procedure.field or '—'})."]
    if procedure.agency:
        lines.append(f"- Cơ quan thực hiện: {procedure.agency}")
    lines.append(f"- Trực tuyến: thủ tục {level.rstrip('.')}.")
    times_ = [
        f"{METHOD_NAMES[c.method].lower()} {time}"
        for c in procedure.channels
        if (time := processing_time(c))
    ]
    if times_:
        lines.append(f"- Thời hạn: {'; '.join(times_)}")
    if procedure.results:
        lines.append(f"- Kết quả: {', '.join(procedure.results)}")
    if len(procedure.cases) > 1:
        lines.append(f"- Hồ sơ: khác nhau theo {len(procedure.cases)} trường hợp.")
    lines.append("Anh/chị muốn xem giấy tờ cần nộp, lệ phí, thời gian hay nơi nộp?")
    return _join(*lines, source_line(procedure))


def candidates_question(names: Sequence[str]) -> str:
    """Asks which of several close procedures the citizen means."""
    return "Anh/chị muốn hỏi thủ tục nào dưới đây?" if len(names) > 1 else "Có phải anh/chị hỏi:"


def closest_names(named: Sequence[Tuple[str, str]]) -> List[Tuple[str, str]]:
    """The closest procedures of a "not found" answer, ``(name, code)``: each name once, long
    ones shortened, as they are listed and put on buttons."""
    found: Dict[str, str] = {}
    for name, code in named:
        found.setdefault(shortened_name(name.strip().rstrip(".")), code)
    return list(found.items())


def not_found(query: str, names: Sequence[str], profile: ProvinceProfile) -> str:
    """No procedure matches: say so, list the closest ones (``closest_names``), numbered as
    their buttons, and offer the hotline."""
    lines = [f"Xin lỗi, tôi chưa tìm thấy thủ tục phù hợp với «{query[:80]}»."]
    if names:
        lines.append("Các thủ tục gần nhất:")
        lines += [f"{number}. {name}" for number, name in enumerate(names, start=1)]
    lines.append(hotline_sentence(profile))
    return _join(*lines)


def hotline_sentence(profile: ProvinceProfile) -> str:
    """Where a citizen can reach a person."""
    if not profile.hotline:
        return f"Anh/chị có thể liên hệ trực tiếp bộ phận một cửa của {profile.name}."
    hours = profile.describe_hours(profile.hotline_hours)
    sentence = f"Anh/chị có thể gọi tổng đài {profile.hotline} của {profile.name}"
    return sentence + (f" ({hours})." if hours else ".")


def hotline(profile: ProvinceProfile) -> str:
    """The answer to "I want to talk to a person"."""
    lines = [hotline_sentence(profile)]
    if profile.hotline and profile.hotline_hours:
        lines.append(
            "Hiện đang trong giờ trực tổng đài."
            if profile.hotline_open()
            else "Hiện đã ngoài giờ trực tổng đài; anh/chị vui lòng gọi lại trong giờ trực."
        )
    for extra in profile.hotlines[1:]:
        lines.append(f"Số khác: {extra.number}.")
    if profile.one_stop_centres:
        centre = profile.one_stop_centres[0]
        lines.append(f"Hoặc đến trực tiếp: {centre.name}, {centre.address}.")
        lines.append(office_hours_sentence(profile))
    return _join(*lines)


def office_hours_sentence(profile: ProvinceProfile) -> Optional[str]:
    """When the one-stop centre receives dossiers (Vietnam time), if the profile says."""
    hours = profile.describe_hours(profile.office_hours)
    return f"Giờ tiếp nhận hồ sơ: {hours}." if hours else None


def ask_which_procedure() -> str:
    """The citizen asked about an aspect without naming any procedure."""
    return (
        "Anh/chị muốn hỏi về thủ tục nào ạ? Ví dụ: đăng ký khai sinh, đăng ký thường trú, "
        "cấp lại thẻ căn cước, đổi giấy phép lái xe."
    )


# --- Answers that combine several aspects, documents common to every case, conditions -------

ASPECT_TITLES = {
    "documents": "Giấy tờ cần nộp",
    "online": "Nộp trực tuyến",
    "fee": "Lệ phí",
    "processing_time": "Thời gian giải quyết",
    "agency": "Nơi nộp",
    "eligibility": "Điều kiện, đối tượng",
    "overview": "Tổng quan thủ tục",
}


def _document_key(document) -> str:  # noqa: ANN001 - knowledge.models.Document
    return " ".join("".join(c for c in document.name.lower() if c.isalnum() or c.isspace()).split())


def common_documents(procedure: Procedure) -> List:
    """The documents every case of the procedure asks for (by name), in the first case's order."""
    if not procedure.cases:
        return []
    keys = [{_document_key(d) for d in case.documents} for case in procedure.cases]
    shared = set.intersection(*keys)
    return [d for d in procedure.cases[0].documents if _document_key(d) in shared]


def documents_common_part(procedure: Procedure) -> str:
    """For documents that differ by case: what every case needs, then that the rest depends on
    the case (the case is asked next)."""
    common = common_documents(procedure)
    name = titled(procedure, capital=False)
    if not common:
        return f"Giấy tờ của {name} khác nhau theo từng trường hợp."
    lines = [f"Hồ sơ {name} trong mọi trường hợp đều có:", *_document_lines(procedure, common)]
    lines.append("Ngoài ra, mỗi trường hợp cần thêm giấy tờ riêng.")
    return _join(*lines, full_name_line(procedure), *_missing(procedure, "giấy tờ", "hồ sơ"))


def eligibility(procedure: Procedure, profile: ProvinceProfile) -> str:
    """Whether / who: the official record's subjects, conditions and where to submit."""
    lines = [f"Về đối tượng và điều kiện của {titled(procedure, capital=False)}:"]
    subjects = list(procedure.subjects or [])
    if subjects:
        lines.append(f"- Đối tượng thực hiện: {', '.join(subjects)}.")
    if procedure.conditions:
        lines.append(f"- Yêu cầu, điều kiện: {procedure.conditions}")
    if procedure.where_to_submit:
        lines.append(f"- Nơi nộp: {procedure.where_to_submit}")
    if not subjects and not procedure.conditions:
        lines.append(
            "Dữ liệu chính thức không ghi yêu cầu, điều kiện riêng cho thủ tục này. "
            f"Anh/chị xem chi tiết tại {record_page_link(procedure)}."
        )
        lines.append(hotline_sentence(profile))
    return _join(*lines, full_name_line(procedure), source_line(procedure))


def without_source(text: str, procedure: Procedure) -> str:
    """An aspect's answer without its closing source line (a combined answer has it once)."""
    line = source_line(procedure)
    return text[: -len(line)].rstrip("\n") if text.endswith(line) else text


def combined(procedure: Procedure, parts: Sequence[str]) -> str:
    """Several aspects' answers of one procedure in one message, the full name (when the
    headings shorten it) and the source line once."""
    name = full_name_line(procedure)
    bodies = [without_source(part, procedure) for part in parts]
    bodies = ["\n".join(ln for ln in body.split("\n") if ln != name) for body in bodies]
    return "\n\n".join(bodies) + "\n" + _join(name, source_line(procedure))


def choice_question(kind: str, subject: str, titles: Sequence[str], aspects: Sequence[str]) -> str:
    """Asks which option applies; the options are numbered so that "số 2" can be typed."""
    asked = [ASPECT_TITLES[a].lower() for a in aspects if a in ASPECT_TITLES and a != "overview"]
    about = f" ({', '.join(asked)})" if asked else ""
    if kind == "case":
        head = f"Anh/chị thuộc trường hợp nào của {subject}{about}?"
    elif len(titles) == 1:
        # one reading only: asked as a yes/no question, not as a list of one
        return _join(
            f"Có phải anh/chị hỏi{about} về thủ tục «{titles[0]}»?",
            'Anh/chị bấm nút hoặc nhắn "đúng"; nếu không phải, xin nhắn tên thủ tục cần hỏi.',
        )
    else:
        head = f"Anh/chị muốn hỏi{about} thủ tục nào dưới đây?"
    numbered = [f"{i}. {title}" for i, title in enumerate(titles, start=1)]
    hint = 'Anh/chị bấm chọn, nhắn số thứ tự hoặc vài chữ trong tên; nhắn "thôi" để bỏ qua.'
    return _join(head, *numbered, hint)


def alternatives_note() -> str:
    """Offered after an answer chosen from close readings, so the citizen can correct it."""
    return "Nếu anh/chị hỏi thủ tục khác, vui lòng chọn bên dưới:"


def choice_not_understood(titles: Sequence[str], offer_stop: bool) -> str:
    """A typed answer that names no option: what to type; after repeated tries, how to stop."""
    lines = [
        'Xin lỗi, tôi chưa rõ anh/chị chọn mục nào. Anh/chị nhắn số thứ tự (ví dụ "số 1") '
        "hoặc vài chữ trong tên mục."
    ]
    if offer_stop:
        lines.append(
            'Nếu không mục nào phù hợp, anh/chị nhắn "thôi" để hỏi việc khác, '
            'hoặc "gặp cán bộ" để được hỗ trợ.'
        )
    return _join(*lines)


def dossier_status(profile: ProvinceProfile, has_code: bool) -> str:
    """How a citizen follows a dossier already submitted (the bot cannot see dossiers)."""
    code = (
        "Anh/chị dùng mã hồ sơ vừa nhắn"
        if has_code
        else "Anh/chị dùng mã hồ sơ (in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, hoặc trong "
        "tin nhắn, thư điện tử xác nhận khi nộp trực tuyến)"
    )
    lines = [
        "Tôi chưa tra cứu được hồ sơ của từng người. " f"{code} để tra cứu tình trạng hồ sơ:",
        f"- {inline_link(NATIONAL_PORTAL, profile.national_portal_url)} (mục «Tra cứu hồ sơ»);",
    ]
    if profile.portal_url:
        lines.append(f"- {inline_link(f'Cổng dịch vụ công {profile.name}', profile.portal_url)}.")
    lines.append(
        "Nếu đã quá ngày hẹn trả mà chưa có kết quả, anh/chị liên hệ bộ phận một cửa nơi đã nộp "
        'hồ sơ (số điện thoại có trên giấy hẹn) hoặc nhắn "gặp cán bộ" để được hỗ trợ.'
    )
    lines.append(hotline_sentence(profile))
    return _join(*lines)


def processing_delay(profile: ProvinceProfile, procedure: Optional[Procedure]) -> str:
    """A citizen whose dossier is taking long: the time limit, how to follow up, staff."""
    lines = ["Tôi rất tiếc vì anh/chị phải chờ lâu."]
    if procedure is not None:
        limits = [
            f"{METHOD_NAMES[c.method].lower()}: {t}"
            for c in procedure.channels
            if (t := processing_time(c))
        ]
        if limits:
            lines.append(
                f"Thời hạn giải quyết {titled(procedure, capital=False)}: {'; '.join(limits)}."
            )
    lines.append(
        "Anh/chị xem ngày hẹn trả trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, và tra cứu "
        "tình trạng hồ sơ bằng mã hồ sơ trên "
        f"{inline_link(NATIONAL_PORTAL, profile.national_portal_url)} (mục «Tra cứu hồ sơ»). "
        "Quá ngày hẹn mà chưa có kết "
        "quả, anh/chị liên hệ bộ phận một cửa nơi đã nộp hồ sơ, hoặc gặp cán bộ hỗ trợ."
    )
    lines.append(hotline_sentence(profile))
    return _join(*lines)
