"""Procedures as plain data for hotline staff: ranked hits and full records.

The staff web API, its page and the terminal lookup all show these, so an operator reads the
same times and fees as citizens do (the texts come from ``knowledge.render``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import select

from knowledge.models import Case, Channel, Procedure, SourceRecord
from knowledge.profile import ProvinceProfile
from knowledge.render import METHOD_NAMES, details_on_portal, fee, processing_time
from knowledge.search import SearchHit
from knowledge.store import KnowledgeBase

ONLINE_LABELS = {
    "toan_trinh": "Toàn trình",
    "mot_phan": "Một phần",
    "khong": "Không trực tuyến",
    "chua_ro": "Chưa rõ",
}
ORIGIN_LABELS = {
    "curated": "Dữ liệu đã biên tập (ưu tiên hơn dữ liệu nhập)",
    "imported": "Nhập tự động từ dữ liệu chính thức",
    "snapshot": "Bản chụp danh mục chính thức đi kèm phần mềm (chưa biên tập)",
}
SOURCE_KINDS = {
    "portal_api_detail": "Cổng DVCQG, bản ghi chi tiết",
    "portal_api_catalog": "Cổng DVCQG, danh mục thủ tục",
    "national_crawl": "CSDL quốc gia về TTHC, bản thu thập",
    "xlsx_list": "Danh sách thủ tục hành chính (XLSX)",
}


def hits(
    knowledge: KnowledgeBase, query: str, profile: ProvinceProfile, limit: int = 10
) -> List[Dict[str, Any]]:
    """Ranked procedures for a query, each with what an operator needs to pick one."""
    found = knowledge.search(query, limit=limit)
    return _describe(knowledge, found, profile) if found else []


def _describe(
    knowledge: KnowledgeBase, found: Sequence[SearchHit], profile: ProvinceProfile
) -> List[Dict[str, Any]]:
    codes = [h.code for h in found]
    with_channels = select(Channel.id).where(Channel.procedure_code == Procedure.code).exists()
    with_cases = select(Case.id).where(Case.procedure_code == Procedure.code).exists()
    with knowledge.session() as session:
        rows = {
            row.code: row
            for row in session.execute(
                select(
                    Procedure.code,
                    Procedure.field,
                    Procedure.agency,
                    Procedure.levels,
                    Procedure.online_level,
                    Procedure.origin,
                    Procedure.source_url,
                    (with_channels | with_cases).label("details"),
                ).where(Procedure.code.in_(codes))
            )
        }
    own = set(profile.own_procedures)
    return [
        {
            "code": hit.code,
            "name": hit.name,
            "short_name": hit.short_name,
            "score": hit.score,
            "field": row.field,
            "agency": row.agency,
            "levels": row.levels,
            "online_level": row.online_level,
            "online_label": ONLINE_LABELS[row.online_level],
            "origin": row.origin,
            "details": bool(row.details),
            "own_procedure": hit.code in own,
            "source_url": row.source_url,
        }
        for hit in found
        if (row := rows.get(hit.code)) is not None
    ]


def record(
    knowledge: KnowledgeBase, code: str, profile: ProvinceProfile
) -> Optional[Dict[str, Any]]:
    """The full record of a procedure, or None when the code is unknown."""
    procedure = knowledge.procedure(code)
    if procedure is None:
        return None
    with knowledge.session() as session:
        sources = session.scalars(
            select(SourceRecord)
            .where(SourceRecord.procedure_code == code)
            .order_by(SourceRecord.applied.desc(), SourceRecord.kind)
        ).all()
    return procedure_facts(procedure, sources, code in profile.own_procedures)


def procedure_facts(
    procedure: Procedure, sources: Sequence[SourceRecord], own_procedure: bool
) -> Dict[str, Any]:
    """Everything known about a procedure, with where each part comes from."""
    return {
        "code": procedure.code,
        "name": procedure.name,
        "short_name": procedure.short_name,
        "field": procedure.field,
        "levels": procedure.levels,
        "agency": procedure.agency,
        "subjects": procedure.subjects,
        "where_to_submit": procedure.where_to_submit,
        "own_procedure": own_procedure,
        "details": not details_on_portal(procedure),
        "online": {
            "level": procedure.online_level,
            "label": ONLINE_LABELS[procedure.online_level],
            "basis": procedure.online_basis,
            "portal_url": procedure.portal_url,
        },
        "cases": [
            {
                "name": case.name,
                "documents": [
                    {
                        "name": d.name,
                        "originals": d.originals,
                        "copies": d.copies,
                        "form": d.form,
                        "required": d.required,
                        "note": d.note,
                    }
                    for d in case.documents
                ],
            }
            for case in procedure.cases
        ],
        "channels": [
            {
                "method": c.method,
                "method_label": METHOD_NAMES[c.method],
                "time": processing_time(c),
                "fee": fee(c),
                "note": c.note,
            }
            for c in procedure.channels
        ],
        "legal_basis": procedure.legal_basis,
        "results": procedure.results,
        "conditions": procedure.conditions,
        "missing": procedure.missing,
        "curation_notes": procedure.curation_notes,
        "source": {
            "url": procedure.source_url,
            "dataset": procedure.source_dataset,
            "checked": procedure.checked.isoformat(),
            "origin": procedure.origin,
            "origin_label": ORIGIN_LABELS.get(procedure.origin, procedure.origin),
        },
        "official_records": [
            {
                "kind": s.kind,
                "kind_label": SOURCE_KINDS.get(s.kind, s.kind),
                "file": s.path.rsplit("/", 1)[-1],
                "location": s.location,
                "applied": s.applied,
                "imported_at": s.imported_at.isoformat(timespec="seconds"),
                "changed_at": s.changed_at.isoformat(timespec="seconds") if s.changed_at else None,
            }
            for s in sources
        ],
    }
