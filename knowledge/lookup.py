"""Procedure lookup for hotline staff at a terminal (the same search as the staff web page).

python -m knowledge.lookup "dang ky khai sinh"     # ranked procedures
python -m knowledge.lookup 1.001193                # a code: its full record
python -m knowledge.lookup --record "cap lai cccd" # the full record of the best match
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any, Dict, List, Optional

from knowledge import facts
from knowledge.profile import load_profile
from knowledge.search import CODE_PATTERN
from knowledge.store import KnowledgeBase, database_url, make_engine


def format_hits(found: List[Dict[str, Any]]) -> str:
    """Ranked hits, one procedure a line (plus a note line where needed)."""
    if not found:
        return "Không tìm thấy thủ tục phù hợp."
    lines = []
    for rank, hit in enumerate(found, start=1):
        where = " — ".join(p for p in (hit["field"], hit["agency"]) if p)
        lines.append(
            f"{rank:>2}. {hit['code']}  {hit['short_name']}  [{hit['online_label']}]"
            + (f"  {where}" if where else "")
        )
        notes = []
        if hit["own_procedure"]:
            notes.append("thủ tục riêng của tỉnh")
        if not hit["details"]:
            notes.append("chỉ có tên và mã, chi tiết trên Cổng DVCQG")
        if notes:
            lines.append(f"    ({'; '.join(notes)})")
    return "\n".join(lines)


def format_record(record: Dict[str, Any]) -> str:
    """A full record as text for a terminal."""
    source = record["source"]
    checked = dt.date.fromisoformat(source["checked"]).strftime("%d/%m/%Y")
    lines = [f"{record['name']} (mã {record['code']})"]
    for label, value in (
        ("Lĩnh vực", record["field"]),
        ("Cấp thực hiện", ", ".join(record["levels"])),
        ("Cơ quan thực hiện", record["agency"]),
        ("Nơi nộp", record["where_to_submit"]),
    ):
        if value:
            lines.append(f"{label}: {value}")
    if record["own_procedure"]:
        lines.append("Thủ tục riêng của tỉnh.")
    online = record["online"]
    lines.append(f"Trực tuyến: {online['label']} ({online['basis'] or 'không rõ căn cứ'})")
    if online["portal_url"]:
        lines.append(f"Nộp trực tuyến: {online['portal_url']}")
    if record["channels"]:
        lines.append("Cách nộp, thời hạn, phí và lệ phí:")
    for channel in record["channels"]:
        lines.append(
            f"  - {channel['method_label']}: thời hạn {channel['time'] or 'chưa ghi'}; "
            f"phí, lệ phí {channel['fee'] or 'chưa ghi'}"
        )
        if channel["note"]:
            lines.append(f"    {channel['note']}")
    for case in record["cases"]:
        lines.append(f"Hồ sơ — {case['name']}:")
        lines += [f"  {n}. {_document(d)}" for n, d in enumerate(case["documents"], start=1)]
    for label, items in (
        ("Căn cứ pháp lý", record["legal_basis"]),
        ("Kết quả", record["results"]),
        ("Còn thiếu", record["missing"]),
        ("Ghi chú biên tập", record["curation_notes"]),
    ):
        if items:
            lines.append(f"{label}:")
            lines += [f"  - {item}" for item in items]
    if record["conditions"]:
        lines.append(f"Yêu cầu, điều kiện: {record['conditions']}")
    lines.append(f"Nguồn: {source['url']} (kiểm tra ngày {checked}; {source['origin_label']})")
    if source["dataset"]:
        lines.append(f"Dữ liệu: {source['dataset']}")
    for official in record["official_records"]:
        where = ", ".join(p for p in (official["file"], official["location"]) if p)
        changed = f", thay đổi {official['changed_at']}" if official["changed_at"] else ""
        lines.append(
            f"Bản ghi chính thức: {official['kind_label']} ({where}; nhập {official['imported_at']}"
            f"{changed}{'; đang dùng' if official['applied'] else ''})"
        )
    return "\n".join(lines)


def _document(document: Dict[str, Any]) -> str:
    details = []
    if document["originals"]:
        details.append(f"{document['originals']} bản chính")
    if document["copies"]:
        details.append(f"{document['copies']} bản sao")
    if document["form"]:
        details.append(f"mẫu: {document['form']}")
    text = document["name"] + (f" ({'; '.join(details)})" if details else "")
    return text + (f". {document['note']}" if document["note"] else "")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge.lookup", description="Look up procedures (staff)."
    )
    parser.add_argument("query", help="a few words (accents optional) or a procedure code")
    parser.add_argument("--record", action="store_true", help="show the best match in full")
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--db", help="database URL (default: KNOWLEDGE_DB_URL or var/knowledge.db)")
    args = parser.parse_args(argv)
    knowledge = KnowledgeBase(make_engine(args.db or database_url()))  # read as the servers left it
    profile = load_profile()
    found = facts.hits(knowledge, args.query, profile, limit=args.limit)
    if args.record or CODE_PATTERN.fullmatch(args.query.strip()):
        full = facts.record(knowledge, found[0]["code"], profile) if found else None
        print(json.dumps(full, ensure_ascii=False, indent=2) if args.json else _or_none(full))
        return 0 if full else 1
    print(json.dumps(found, ensure_ascii=False, indent=2) if args.json else format_hits(found))
    return 0 if found else 1


def _or_none(record: Optional[Dict[str, Any]]) -> str:
    return format_record(record) if record else "Không tìm thấy thủ tục phù hợp."


if __name__ == "__main__":
    sys.exit(main())
