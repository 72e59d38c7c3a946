"""The catalogue snapshot: the province's whole official catalogue, shipped in the repository.

A gzipped JSON-lines file (``knowledge/data/catalogue/<slug>.jsonl.gz``), one procedure a line
in the curated schema (knowledge/SCHEMA.md) plus ``source.kind`` (the official format it was
read from) and, for the province's own procedures, ``issuer``. ``make snapshot`` writes it
(``knowledge.importers.snapshot``); the knowledge base loads it at start, after the curated
files, which win for the same code.

Which file: ``KNOWLEDGE_SNAPSHOT`` (a path; ``none`` for no snapshot), else the profile's
``catalogue`` (a file name in knowledge/data/catalogue/ or a path).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from knowledge.curated import case_rows, channel_rows, check_record, procedure_row
from knowledge.models import Case, CatalogueLoad, Channel, Document, Procedure
from knowledge.profile import CATALOGUE_DIR, load_profile

SNAPSHOT = "snapshot"  # the origin of a procedure loaded from the snapshot
NO_SNAPSHOT = ("", "none", "off")


def configured_snapshot() -> Optional[Path]:
    """The snapshot this deployment loads, or None (``KNOWLEDGE_SNAPSHOT=none``, no file)."""
    chosen = os.environ.get("KNOWLEDGE_SNAPSHOT")
    if chosen is not None:
        return None if chosen.strip().lower() in NO_SNAPSHOT else Path(chosen)
    name = load_profile().catalogue
    if not name:
        return None
    path = Path(name) if "/" in name else CATALOGUE_DIR / name
    return path if path.is_file() else None


def write_snapshot(records: Iterable[Dict[str, Any]], path: Path) -> None:
    """Write records sorted by code, with keys sorted and no timestamp in the gzip header, so
    the same records always give the same bytes."""
    lines = sorted(
        json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")) for r in records
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as out:
        out.write(("\n".join(lines) + "\n").encode("utf-8"))
    path.write_bytes(buffer.getvalue())


def read_snapshot(path: Path) -> List[Dict[str, Any]]:
    """The records of a snapshot file, each checked against the curated schema (read once per
    process and file content; treat them as read-only)."""
    return _records(path, digest(path))


@lru_cache(maxsize=2)
def _records(path: Path, sha: str) -> List[Dict[str, Any]]:
    records = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                record = json.loads(line)
                check_record(record, f"{path.name} line {number}")
                records.append(record)
    return records


def digest(path: Path) -> str:
    """The sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(session: Session, path: Path) -> int:
    """Put the snapshot's procedures into the database unless this very file is loaded already;
    returns how many were written. Procedures that are curated or imported by the deployment
    are kept as they are; the snapshot's earlier procedures are replaced."""
    key = str(path)
    sha = digest(path)
    loaded = session.get(CatalogueLoad, key)
    if loaded is not None and loaded.digest == sha:
        return 0
    records = _records(path, sha)
    session.execute(delete(Procedure).where(Procedure.origin == SNAPSHOT))
    kept = set(session.scalars(select(Procedure.code)))
    rows = _Rows(session)
    for record in records:
        if str(record["code"]) not in kept:
            rows.add(record)
    rows.write(session)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    if loaded is None:
        session.add(CatalogueLoad(path=key, digest=sha, records=len(records), loaded_at=now))
    else:
        loaded.digest, loaded.records, loaded.loaded_at = sha, len(records), now
    return rows.procedures


class _Rows:
    """Table rows of checked records, written with one bulk insert a table (ORM objects and
    the unit of work would take seconds for the whole catalogue)."""

    def __init__(self, session: Session) -> None:
        self.tables: Dict[Any, List[Dict[str, Any]]] = {
            Procedure: [],
            Case: [],
            Document: [],
            Channel: [],
        }
        self._next_id = {
            model: (session.scalar(select(func.max(model.id))) or 0) + 1
            for model in (Case, Document, Channel)
        }
        self.procedures = 0

    def add(self, record: Dict[str, Any]) -> None:
        self.procedures += 1
        row = procedure_row(record, SNAPSHOT)
        self.tables[Procedure].append(row)
        for case, documents in case_rows(record):
            case_id = self._add(Case, case, procedure_code=row["code"])
            for document in documents:
                self._add(Document, document, case_id=case_id)
        for channel in channel_rows(record):
            self._add(Channel, channel, procedure_code=row["code"])

    def _add(self, model: Any, row: Dict[str, Any], **keys: Any) -> int:
        identifier = self._next_id[model]
        self._next_id[model] += 1
        self.tables[model].append({**row, **keys, "id": identifier})
        return identifier

    def write(self, session: Session) -> None:
        for model, rows in self.tables.items():
            if rows:
                session.execute(insert(model), rows)
