"""What every importer shares: the item it yields, problem reports and text helpers."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from knowledge.curated import CuratedDataError, check_record
from knowledge.profile import VIETNAM_TIME
from knowledge.text.capitals import in_capitals, sentence_case

PORTAL_RECORD_URL = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/{id}"
PORTAL_HOME = "https://dichvucong.gov.vn"
DETAILS_ON_PORTAL = (
    "Giấy tờ, cách nộp, thời hạn, phí và lệ phí: chỉ có trên Cổng Dịch vụ công quốc gia"
)
GENERAL_CASE = "Trường hợp chung"
_SPACES = re.compile(r"\s+")
_LEADING_PROCEDURE = re.compile(r"^thủ tục\s+", re.IGNORECASE)
_BULLET = re.compile(r"^[\s*•+\-]+")
_CASE_DECORATION = re.compile(r"^[\s*•+\-]+|[\s:]+$")
# Headings the official data files as "cases" although every one of them applies.
_SECTION = re.compile(r"^(giấy tờ phải|lưu ý)", re.IGNORECASE)


@dataclass(frozen=True)
class SourceItem:
    """One official record, converted to the curated schema."""

    kind: str  # the format, e.g. "portal_api_detail"
    path: Path
    location: Optional[str]  # "line 12", "row 7"; None for a one-record file
    record: Dict[str, Any]
    content_hash: str  # of the record as read, before conversion
    specific_to: Optional[str] = None  # the issuer of a province's own (SPECIFIC) procedure
    # The catalogue's kind: STANDARD (national), SPECIFIC (a province's own) or
    # STANDARD_INTERNAL (between state bodies); None when the format does not say.
    procedure_type: Optional[str] = None

    @property
    def code(self) -> str:
        return str(self.record["code"])


@dataclass(frozen=True)
class Problem:
    """A file or record that could not be imported, and why."""

    path: Path
    location: Optional[str]
    reason: str

    def __str__(self) -> str:
        where = f"{self.path.name}, {self.location}" if self.location else self.path.name
        return f"{where}: {self.reason}"


Parsed = Union[SourceItem, Problem]


def content_hash(raw: Any) -> str:
    """A stable hash of a source record (a JSON value or a spreadsheet row)."""
    text = json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def today() -> dt.date:
    """The date in Vietnam."""
    return dt.datetime.now(VIETNAM_TIME).date()


def one_line(value: Any) -> str:
    """Text with runs of whitespace (newlines included) collapsed to single spaces."""
    return _SPACES.sub(" ", str(value or "")).strip()


def text_or_none(value: Any) -> Optional[str]:
    """Stripped text, or None when empty."""
    text = str(value or "").strip()
    return text or None


def short_name(name: str) -> str:
    """What the bot calls a procedure in a sentence: the name without "Thủ tục" or a final dot,
    in sentence case when the official name is written in capitals."""
    short = _LEADING_PROCEDURE.sub("", name).rstrip(". ") or name
    short = sentence_case(short) if in_capitals(short) else short
    return short[0].upper() + short[1:]


def dataset_label(path: Path, location: Optional[str], imported: dt.date) -> str:
    """The ``source.dataset`` text of an imported record."""
    where = "/".join(path.parts[-3:]) + (f" {location}" if location else "")
    return f"{where} (imported {imported.isoformat()})"


def without_bullet(text: str) -> str:
    """A list item without its leading "-", "+", "*" or "•"."""
    return _BULLET.sub("", text)


def finish_cases(cases: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Cases with clean names; sections that all apply ("Giấy tờ phải nộp", "... phải xuất
    trình", "Lưu ý") become one general case whose documents note their section."""
    for case in cases:
        case["name"] = _CASE_DECORATION.sub("", one_line(case["name"]))
    if len(cases) > 1 and all(not c["name"] or _SECTION.match(c["name"]) for c in cases):
        documents = []
        for case in cases:
            for document in case["documents"]:
                document["note"] = document.get("note") or case["name"] or None
                documents.append(document)
        return [{"name": GENERAL_CASE, "documents": documents}]
    for number, case in enumerate(cases, start=1):
        case["name"] = case["name"] or (GENERAL_CASE if len(cases) == 1 else f"Trường hợp {number}")
    return cases


def money(amount: float) -> str:
    """10000 -> "10.000 đồng"."""
    return f"{int(amount):,} đồng".replace(",", ".")


def subject_names(text: Any) -> List[str]:
    """The subjects (đối tượng thực hiện) of a comma-separated cell: "Công dân Việt Nam, Tổ
    chức (không bao gồm doanh nghiệp, HTX), Cán bộ, công chức, viên chức" -> three names (a
    comma inside brackets or before a lowercase word does not separate two subjects)."""
    names: List[str] = []
    depth = 0
    current = ""
    for char in one_line(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            names.append(current.strip())
            current = ""
        else:
            current += char
    names.append(current.strip())
    merged: List[str] = []
    for name in names:
        if merged and name and not name[0].isupper():
            merged[-1] = f"{merged[-1]}, {name}"
        elif name:
            merged.append(name)
    return unique(merged)


def unique(items: List[str]) -> List[str]:
    """Items without blanks and repeats, in order."""
    return list(dict.fromkeys(i for i in items if i))


def checked_item(
    kind: str,
    path: Path,
    location: Optional[str],
    record: Dict[str, Any],
    raw: Any,
    specific_to: Optional[str] = None,
    procedure_type: Optional[str] = None,
) -> Parsed:
    """A SourceItem when ``record`` passes the schema check, else the Problem."""
    where = f"{path.name} {location}" if location else path.name
    try:
        check_record(record, where)
    except CuratedDataError as error:
        return Problem(path, location, str(error).removeprefix(f"{where}: "))
    return SourceItem(kind, path, location, record, content_hash(raw), specific_to, procedure_type)


def catalogue_record(
    *,
    code: str,
    name: str,
    url: str,
    field: Optional[str],
    agency: Optional[str],
    dataset: str,
    imported: dt.date,
    levels: Optional[List[str]] = None,
    subjects: Optional[List[str]] = None,
) -> Dict[str, Any]:
    """The record of a procedure known only by its catalogue entry; details are on the portal."""
    return {
        "code": code,
        "name": name,
        "short_name": short_name(name),
        "field": field,
        "levels": levels or [],
        "agency": agency,
        "subjects": subjects or [],
        "online": {
            "level": "chua_ro",
            "basis": "catalogue entry only: no details imported",
            "portal_url": url if url != PORTAL_HOME else None,
        },
        "channels": [],
        "cases": [],
        "missing": [DETAILS_ON_PORTAL],
        "source": {"url": url, "dataset": dataset, "checked": imported.isoformat()},
    }
