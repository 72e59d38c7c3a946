"""The National Public Service Portal's JSON API: full records and catalogue lines.

- ``details/<code>.json``: ``{"code": "OK", "data": {...}}`` with documents grouped by case,
  channels (``executionMethods``) with time and fees, ``isFullProcess``, legal basis, results and
  executing agencies.
- ``catalog.jsonl``: one procedure a line, name and code only (no documents, fees or times).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from knowledge.importers.common import (
    PORTAL_RECORD_URL,
    Parsed,
    Problem,
    catalogue_record,
    checked_item,
    dataset_label,
    finish_cases,
    money,
    one_line,
    short_name,
    text_or_none,
    unique,
    without_bullet,
)

DETAIL = "portal_api_detail"
CATALOGUE = "portal_api_catalog"
METHODS = {"ONLINE": "online", "DIRECT": "direct", "POSTAL": "postal"}
UNITS = {
    "WORKING_DAY": "working_day",
    "DAY": "day",
    "HOUR": "hour",
    "MONTH": "month",
    "OTHER": "other",
}
LEVEL_FLAGS = (("isMinistry", "Cấp bộ"), ("isProvince", "Cấp tỉnh"), ("isWard", "Cấp xã"))


def is_detail(payload: Any) -> bool:
    """Whether a JSON document is a portal API procedure record."""
    data = payload.get("data") if isinstance(payload, dict) else None
    return payload.get("code") == "OK" and isinstance(data, dict) and "executionMethods" in data


def detail_item(payload: Dict[str, Any], path: Path, imported: dt.date) -> Parsed:
    """The item of a ``details/<code>.json`` document."""
    data = payload["data"]
    try:
        record = detail_record(data, dataset_label(path, None, imported), imported)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return Problem(path, None, f"unexpected content ({type(error).__name__}: {error})")
    specific = data.get("departmentPromulgateName") if data.get("type") == "SPECIFIC" else None
    return checked_item(DETAIL, path, None, record, payload, specific, data.get("type"))


def detail_record(data: Dict[str, Any], dataset: str, imported: dt.date) -> Dict[str, Any]:
    """A portal API record in the curated schema."""
    name = one_line(data["name"])
    url = record_url(data.get("id"))
    methods = [m for m in data.get("executionMethods") or [] if m.get("submissionMethod")]
    level, basis = online_level(bool(data.get("isFullProcess")), methods)
    channels = [
        _channel(m, data.get("cases") or []) for m in methods if m["submissionMethod"] in METHODS
    ]
    cases = _cases(data.get("executionCases") or [])
    agency = ", ".join(
        unique(
            [one_line(g.get("name")) for g in data.get("unitGroupsExecuting") or []]
            + [one_line(d.get("name")) for d in data.get("departmentsExecuting") or []]
        )
    ) or text_or_none(data.get("executingAgencies"))
    missing = []
    if not any(c["documents"] for c in cases):
        missing.append("Thành phần hồ sơ (danh sách giấy tờ)")
    if not channels:
        missing.append("Cách thức nộp, thời hạn giải quyết, phí và lệ phí")
    if not agency:
        missing.append("Cơ quan thực hiện")
    return {
        "code": str(data["code"]).strip(),
        "name": name,
        "short_name": short_name(name),
        "field": "; ".join(unique([one_line(c.get("name")) for c in data["categoriesDetails"]]))
        or None,
        "levels": [label for flag, label in LEVEL_FLAGS if data.get(flag)],
        "agency": agency,
        "subjects": unique(
            [one_line(s.get("name")) for s in data.get("subjectTypesDetails") or []]
            or [one_line(s) for s in data.get("formalityTargetType") or []]
        ),
        "where_to_submit": text_or_none(data.get("dossierReceivingAddresses")),
        "online": {
            "level": level,
            "basis": basis,
            "legacy_level": None,
            "portal_url": url if level != "khong" else None,
        },
        "channels": channels,
        "cases": cases,
        "legal_basis": unique([one_line(b.get("name")) for b in data["legalBasisesDetails"]]),
        "results": unique([one_line(r.get("name")) for r in data["resultsDetails"]]),
        "conditions": text_or_none(data.get("requirementsAndConditions")),
        "missing": missing,
        "source": {"url": url, "dataset": dataset, "checked": imported.isoformat()},
    }


def online_level(full_process: bool, methods: List[Dict[str, Any]]) -> Tuple[str, str]:
    """The online level under Decree 42/2022 and why: ``isFullProcess`` and the channels."""
    if full_process:
        return "toan_trinh", "isFullProcess=true"
    if any(m.get("submissionMethod") == "ONLINE" for m in methods):
        return "mot_phan", "isFullProcess=false; ONLINE listed in executionMethods"
    return "khong", "isFullProcess=false; no ONLINE executionMethod"


def record_url(record_id: Any) -> str:
    """The official record page of a portal record id."""
    if not isinstance(record_id, str) or not re.fullmatch(r"[0-9a-fA-F-]{8,64}", record_id):
        raise ValueError(f"bad record id {record_id!r}")
    return PORTAL_RECORD_URL.format(id=record_id)


def catalogue_items(path: Path, imported: dt.date) -> Iterator[Parsed]:
    """The items of a ``catalog.jsonl`` file, one per line."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield catalogue_item(line, path, f"line {number}", imported)


def catalogue_item(line: str, path: Path, location: str, imported: dt.date) -> Parsed:
    """The item of one catalogue line."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as error:
        return Problem(path, location, f"not valid JSON ({error.msg})")
    if not isinstance(raw, dict):
        return Problem(path, location, "expected a JSON object")
    try:
        record = catalogue_record(
            code=str(raw["code"]).strip(),
            name=one_line(raw["name"]),
            url=record_url(raw.get("id")),
            field="; ".join(unique([one_line(c) for c in raw.get("categories") or []])) or None,
            agency=", ".join(unique([one_line(d) for d in raw.get("departments") or []])) or None,
            subjects=unique([one_line(s) for s in raw.get("formalityTargetType") or []]),
            dataset=dataset_label(path, location, imported),
            imported=imported,
        )
    except KeyError as error:
        return Problem(path, location, f"missing key {error}")
    except ValueError as error:
        return Problem(path, location, str(error))
    specific = raw.get("departmentPromulgate") if raw.get("type") == "SPECIFIC" else None
    return checked_item(CATALOGUE, path, location, record, raw, specific, raw.get("type"))


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _channel(method: Dict[str, Any], cases: List[Dict[str, Any]]) -> Dict[str, Any]:
    value = method.get("processingTime")
    unit = UNITS.get(method.get("processingTimeUnit") or "")
    if unit in (None, "other"):
        value, unit = _case_time(cases) or (value, unit)
    fee_amount, fee_text = _fee(method.get("fees") or [])
    return {
        "method": METHODS[method["submissionMethod"]],
        "time_value": value if isinstance(value, (int, float)) else None,
        "time_unit": unit,
        "time_text": None,
        "fee_amount": fee_amount,
        "fee_text": fee_text,
        "note": text_or_none(method.get("description")),
    }


def _case_time(cases: List[Dict[str, Any]]) -> Optional[Tuple[float, str]]:
    """The processing time every sub-case (``cases[].processingDay``) agrees on, if any."""
    times = {
        (c["processingDay"].get("qty"), UNITS.get(c["processingDay"].get("type") or ""))
        for c in cases
        if isinstance(c.get("processingDay"), dict)
    }
    if len(times) != 1:
        return None
    value, unit = times.pop()
    known = isinstance(value, (int, float)) and unit not in (None, "other")
    return (value, unit) if known else None


def _fee(fees: List[Dict[str, Any]]) -> Tuple[Optional[int], Optional[str]]:
    """The fee amount when the source states exactly one plain amount, and the fee text."""
    parts: List[str] = []
    amounts = set()
    for fee in fees:
        value = fee.get("value")
        description = one_line(fee.get("description"))
        if isinstance(value, (int, float)) and (value > 0 or not description):
            amounts.add(int(value))
            parts.append(money(value) + (f" ({description})" if description else ""))
        elif description:
            parts.append(description)
    parts = unique(parts)
    if len(amounts) == 1 and len(parts) == 1:
        amount = amounts.pop()
        return amount, None if amount == 0 else parts[0]
    return None, "; ".join(parts) or None


def _cases(execution_cases: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return finish_cases(
        [
            {
                "name": c.get("name") or "",
                "documents": [
                    _document(p)
                    for p in c.get("profileComponents") or []
                    if one_line(p.get("name"))
                ],
            }
            for c in execution_cases
        ]
    )


def _document(component: Dict[str, Any]) -> Dict[str, Any]:
    forms = [one_line(a.get("fileName")) for a in component.get("attachments") or []]
    return {
        "name": without_bullet(one_line(component["name"])),
        "originals": component.get("originalQty"),
        "copies": component.get("copyQty"),
        "form": ", ".join(unique(forms)) or None,
        # The API marks every component "required": false (all 3,504 in the July 2026 crawl),
        # so the flag says nothing: the list is the dossier, shown as such.
        "required": True,
        "note": None,
    }
