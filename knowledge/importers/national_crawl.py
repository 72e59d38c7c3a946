"""The national crawl: ``national-crawl/<ministry>/<code>.json``, one procedure a file.

Flat string fields whose tables were run together without separators, e.g. ``cach_thuc_thuc_hien``
= "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến7 Ngày làm việc10,000 Việt Nam Đồng…".
They are split on the patterns the portal renders: a channel name followed by its time, "N bản
chính", "Mã: KQ…", and legal document numbers such as "69/2024/NĐ-CP".
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from knowledge.importers.common import (
    PORTAL_RECORD_URL,
    Parsed,
    Problem,
    checked_item,
    dataset_label,
    finish_cases,
    money,
    one_line,
    short_name,
    subject_names,
    text_or_none,
    unique,
    without_bullet,
)
from knowledge.text.normalize import fold

KIND = "national_crawl"
NO_INFORMATION = "Không có thông tin"
CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
DOCUMENTS_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
METHODS = {"Trực tuyến": "online", "Trực tiếp": "direct", "Dịch vụ bưu chính": "postal"}
UNITS = {"Ngày làm việc": "working_day", "Ngày": "day", "Giờ": "hour", "Tháng": "month"}

_METHOD = re.compile(rf"({'|'.join(METHODS)})(?=\d|{NO_INFORMATION})")
_TIME = re.compile(rf"{NO_INFORMATION}|(\d+(?:[.,]\d+)?)\s*(Ngày làm việc|Ngày|Giờ|Tháng|Năm)?")
_FEE = re.compile(rf"Miễn phí|{NO_INFORMATION}|\d[\d.,]*\s*(?:Việt Nam Đồng|VNĐ|Đồng)|VNĐ")
_QUANTITY = re.compile(r"(\d+) bản chính(?:,\s*(\d+) bản sao)?|(\d+) bản sao")
_FORM_FILE = re.compile(r"[^().;:]*?\.(?:docx?|pdf|xlsx?|rtf|odt)$", re.IGNORECASE)
_RESULT_CODE = re.compile(r"Mã:\s*[A-Z0-9][A-Z0-9.\-]*\d")
# "69/2024/NĐ-CP", "38/2019/QH14", "05/2023/QĐ-TTg"; digits end a part only if no "/" follows,
# so "...NĐ-CP126/2020/NĐ-CP" (a number glued to its repeat) splits in two.
_LAW_PART = r"(?:TTg|[A-ZĐ]+(?:\d{1,2}(?!\d*/))?)"
_LAW_NUMBER = re.compile(rf"\d+/\d{{4}}/{_LAW_PART}(?:-{_LAW_PART})*")
_GLUED_YEAR = re.compile(r"(?:19|20)\d\d\d+/")
_DOUBLED_NUMBER = re.compile(r"(\d+/\d{4}/[\w\-]+)\1$")
_WORD_ONSETS = ("Ch", "Gh", "Gi", "Kh", "Ng", "Nh", "Ph", "Qu", "Th", "Tr")
_VOWELS = set("aeiouy")  # accent-folded


def is_record(payload: Any) -> bool:
    """Whether a JSON document is a national-crawl procedure."""
    return isinstance(payload, dict) and "ma_thu_tuc" in payload and "ten_thu_tuc" in payload


def item(payload: Dict[str, Any], path: Path, imported: dt.date) -> Parsed:
    """The item of one crawled procedure file."""
    url = str(payload.get("detail_url") or "")
    if not url.startswith(PORTAL_RECORD_URL.format(id="")):
        return Problem(path, None, f"detail_url is not an official record page: {url!r}")
    try:
        record = crawl_record(payload, url, dataset_label(path, None, imported), imported)
    except (TypeError, AttributeError) as error:
        return Problem(path, None, f"unexpected content ({type(error).__name__}: {error})")
    return checked_item(KIND, path, None, record, payload)


def crawl_record(raw: Dict[str, Any], url: str, dataset: str, imported: dt.date) -> Dict[str, Any]:
    """A crawled procedure in the curated schema."""
    name = one_line(raw["ten_thu_tuc"])
    channels = parse_channels(raw.get("cach_thuc_thuc_hien") or "")
    cases = parse_cases(raw.get("thanh_phan_ho_so") or "")
    if not channels:
        level, basis = "chua_ro", "national crawl: no channel could be read"
    elif any(c["method"] == "online" for c in channels):
        level, basis = "chua_ro", "national crawl: online channel listed; no isFullProcess"
    else:
        level, basis = "khong", "national crawl: no online channel listed"
    missing = []
    if not any(c["documents"] for c in cases):
        missing.append("Thành phần hồ sơ (danh sách giấy tờ)")
    if not channels:
        missing.append("Cách thức nộp, thời hạn giải quyết, phí và lệ phí")
    return {
        "code": one_line(raw["ma_thu_tuc"]),
        "name": name,
        "short_name": short_name(name),
        "field": _value(raw.get("linh_vuc")),
        "levels": unique([one_line(v) for v in str(raw.get("cap_thuc_hien") or "").split(",")]),
        "agency": _value(raw.get("co_quan_thuc_hien")),
        "subjects": subject_names(_value(raw.get("doi_tuong_thuc_hien"))),
        "where_to_submit": _value(raw.get("dia_chi_tiep_nhan")),
        "online": {"level": level, "basis": basis, "legacy_level": None, "portal_url": url},
        "channels": channels,
        "cases": cases,
        "legal_basis": parse_legal_basis(raw.get("can_cu_phap_ly") or ""),
        "results": parse_results(raw.get("ket_qua_xu_ly") or ""),
        "conditions": _value(raw.get("yeu_cau_dieu_kien")),
        "missing": missing,
        "source": {"url": url, "dataset": dataset, "checked": imported.isoformat()},
    }


def _value(text: Any) -> Optional[str]:
    value = text_or_none(text)
    return None if value == NO_INFORMATION else value


def parse_channels(text: str) -> List[Dict[str, Any]]:
    """Channels from "Hình thức nộpThời gianPhí, lệ phíMô tả" and the rows run together."""
    body = text.removeprefix(CHANNEL_HEADER)
    starts = list(_METHOD.finditer(body))
    channels = []
    for index, start in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(body)
        channels.append(_channel(start.group(1), body[start.end() : end]))
    return channels


def _channel(method: str, row: str) -> Dict[str, Any]:
    time = _TIME.match(row)
    value: Optional[float] = None
    unit: Optional[str] = None
    time_text: Optional[str] = None
    position = 0
    if time:
        position = time.end()
        if time.group(1):
            value = float(time.group(1).replace(",", "."))
            unit = UNITS.get(time.group(2) or "", "other")
            if time.group(2) == "Năm":
                time_text = f"{time.group(1)} năm"
    fees, position = _fees(row, position)
    fee_amount, fee_text = _fee_facts(fees)
    return {
        "method": METHODS[method],
        "time_value": value,
        "time_unit": unit,
        "time_text": time_text,
        "fee_amount": fee_amount,
        "fee_text": fee_text,
        "note": text_or_none(row[position:]),
    }


def _fees(row: str, position: int) -> Tuple[List[Tuple[str, Optional[str]]], int]:
    """The fee cells at ``position``: (amount text, description in brackets or None)."""
    fees: List[Tuple[str, Optional[str]]] = []
    while match := _FEE.match(row, position):
        position = match.end()
        description = None
        if row.startswith("(", position):
            close = _closing_bracket(row, position)
            description = one_line(row[position + 1 : close]) or None
            position = close + 1
        fees.append((match.group(0).strip(), description))
    return fees, position


def _closing_bracket(text: str, opening: int) -> int:
    depth = 0
    for index in range(opening, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index
    return len(text) - 1


def _fee_facts(fees: List[Tuple[str, Optional[str]]]) -> Tuple[Optional[int], Optional[str]]:
    """The amount when the row states one plain amount ("/hồ sơ" allowed), and the fee text."""
    plain: List[Optional[int]] = []
    parts: List[str] = []
    for label, description in fees:
        digits = re.sub(r"\D", "", label)
        amount = 0 if label == "Miễn phí" else int(digits) if digits else None
        per_unit = bool(description and description.startswith("/"))
        plain.append(amount if description is None or per_unit else None)
        text = "Miễn phí" if amount == 0 else money(amount) if amount else ""
        if per_unit:
            text += description or ""  # "500.000 đồng/hồ sơ"
        elif description:
            text = f"{text} ({description})" if text else description
        if text:
            parts.append(text)
    if len(fees) == 1 and plain[0] is not None:
        return plain[0], None if plain[0] == 0 or parts[0] == money(plain[0]) else parts[0]
    return None, "; ".join(unique(parts)) or None


def parse_cases(text: str) -> List[Dict[str, Any]]:
    """Cases and documents: a case name, the table header, then "name[form file]N bản chính"."""
    parts = text.split(DOCUMENTS_HEADER)
    if len(parts) < 2:
        return []
    cases = []
    name = parts[0]
    for part in parts[1:]:
        documents = []
        start = 0
        for quantity in _QUANTITY.finditer(part):
            document = _document(part[start : quantity.start()], quantity)
            start = quantity.end()
            if document:
                documents.append(document)
        cases.append({"name": name, "documents": documents})
        name = part[start:]  # what follows the last document names the next case
    return finish_cases(cases)


def _document(cell: str, quantity: re.Match) -> Optional[Dict[str, Any]]:
    text = without_bullet(one_line(cell))
    form = _FORM_FILE.search(text)
    name = text[: form.start()].strip() if form else text
    if not name:
        name, form = text, None
    originals = int(quantity.group(1) or 0)
    copies = int(quantity.group(2) or quantity.group(3) or 0)
    if not name or (name.endswith(":") and not originals and not copies):
        return None  # a heading such as "- Giấy tờ phải xuất trình:"
    return {
        "name": name,
        "originals": originals,
        "copies": copies,
        "form": form.group(0).strip() if form else None,
        "required": True,
        "note": None,
    }


def parse_results(text: str) -> List[str]:
    """Results from "Giấy chứng nhậnMã: KQ.G04.000501…Từ khóa…"."""
    body = text.split("Từ khóa")[0]
    if not _RESULT_CODE.search(body):
        return unique([_value(body) or ""])
    return unique([one_line(name) for name in _RESULT_CODE.split(body)])


def parse_legal_basis(text: str) -> List[str]:
    """Legal documents from "Tên văn bản pháp lýMã văn bản" then "name" + "number" pairs."""
    body = one_line(text.removeprefix(LEGAL_HEADER))
    entries = []
    start = 0
    for end, number in _entry_ends(body):
        entries.append(_legal_entry(body[start:end], number))
        start = end
    if body[start:].strip():
        entries.append(body[start:].strip())
    return unique(entries)


def _entry_ends(body: str) -> Iterator[Tuple[int, str]]:
    """Where each entry ends: a document number glued to the next entry's first word or the end."""
    for match in _LAW_NUMBER.finditer(body):
        end = match.end()
        if end < len(body) and body[end].islower() and _starts_word(body[end - 1 : end + 1]):
            end -= 1  # "...NĐ-CPNghị định": the "N" begins the next entry
        if end == len(body) or body[end].isalpha():
            start = match.start()
            if _GLUED_YEAR.match(body, start):
                start += 4  # "Luật Công chứng năm 202446/2024/QH15": the year, then "46/..."
            yield end, body[start:end]


def _starts_word(pair: str) -> bool:
    """Whether an uppercase letter and the next letter can begin a Vietnamese word."""
    return pair[0].isupper() and (pair in _WORD_ONSETS or fold(pair[1]) in _VOWELS)


def _legal_entry(entry: str, number: str) -> str:
    doubled = _DOUBLED_NUMBER.search(entry)
    if doubled:  # "Luật 54/2014/QH1354/2014/QH13": the number was repeated
        return entry[: doubled.end(1)].strip()
    name = entry[: len(entry) - len(number)].strip()
    if not name or number in name:
        return name or number
    return f"{name} ({number})"
