"""Writes imported records into the knowledge base: idempotent, curated facts first.

Rules, per record (each in its own savepoint, committed in batches):
- a curated procedure is never overwritten: the official record is only noted ("kept curated");
- a record read before with the same content changes nothing ("unchanged");
- a fuller format is not replaced by a thinner one (details > national crawl > catalogue line >
  XLSX list row): "kept fuller record";
- anything else replaces the procedure's facts ("imported").
Every official record read is kept as a ``SourceRecord`` (file, location, content hash, dates).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Dict, FrozenSet, List, Optional, Tuple, Type

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from knowledge.curated import to_model
from knowledge.importers import national_crawl, portal_api, xlsx_list
from knowledge.importers.common import Parsed, Problem, SourceItem
from knowledge.models import Procedure, SourceRecord
from knowledge.store import KnowledgeBase

RANKS = {xlsx_list.KIND: 1, portal_api.CATALOGUE: 2, national_crawl.KIND: 3, portal_api.DETAIL: 4}
IMPORTED = "imported"
UNCHANGED = "unchanged"
KEPT_CURATED = "kept curated"
KEPT_FULLER = "kept fuller record"
OTHER_PROVINCE = "other province's own procedure"
SKIPPED = "skipped"
OUTCOMES = (IMPORTED, UNCHANGED, KEPT_CURATED, KEPT_FULLER, OTHER_PROVINCE, SKIPPED)


@dataclass
class ImportSummary:
    """What an import did."""

    files: int = 0
    read: int = 0
    outcomes: Counter = field(default_factory=Counter)
    problems: List[Problem] = field(default_factory=list)

    def lines(self) -> List[str]:
        """The summary for a terminal."""
        lines = [f"Read {self.read} records from {self.files} files."]
        shown = [o for o in OUTCOMES if self.outcomes[o] or o != OTHER_PROVINCE]
        lines += [f"  {outcome}: {self.outcomes[outcome]}" for outcome in shown]
        lines += [f"    {problem}" for problem in self.problems]
        return lines


class Importer:
    """Imports items into a knowledge base; use as a context manager, then read ``summary``.

    ``own_procedures``: when given, a province-specific (SPECIFIC) procedure is imported only
    if its code is listed, so another province's own procedures stay out.
    """

    def __init__(
        self,
        knowledge: KnowledgeBase,
        own_procedures: Optional[FrozenSet[str]] = None,
        batch_size: int = 500,
    ) -> None:
        self.knowledge = knowledge
        self.own_procedures = own_procedures
        self.batch_size = batch_size
        self.summary = ImportSummary()
        self._session: Optional[Session] = None
        self._pending = 0
        self._origins: Dict[str, str] = {}
        self._ranks: Dict[str, int] = {}
        self._sources: Dict[Tuple[str, str], SourceRecord] = {}
        self._sources_path: Optional[str] = None
        self._paths: Dict[Path, str] = {}
        self._seen: Dict[Tuple[str, str, Path], Optional[str]] = {}
        self._now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)

    def __enter__(self) -> Importer:
        self._session = self.knowledge.session()
        self._session.begin()
        self._origins = dict(self._session.execute(select(Procedure.code, Procedure.origin)).all())
        applied = select(SourceRecord.procedure_code, SourceRecord.kind).where(SourceRecord.applied)
        for code, kind in self._session.execute(applied):
            self._ranks[code] = max(self._ranks.get(code, 0), RANKS.get(kind, 0))
        return self

    def __exit__(
        self,
        kind: Optional[Type[BaseException]],
        error: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        session = self._require_session()
        try:
            session.commit()  # every record applied so far is complete: keep it
        finally:
            session.close()
            self._session = None
        self.knowledge.reindex()

    def add(self, item: Parsed) -> str:
        """Import one item; returns its outcome."""
        session = self._require_session()
        self.summary.read += 1
        outcome = self._outcome(session, item)
        self.summary.outcomes[outcome] += 1
        self._pending += 1
        if self._pending >= self.batch_size:
            session.commit()
            session.begin()
            self._pending = 0
            self._sources_path = None
        return outcome

    def _outcome(self, session: Session, item: Parsed) -> str:
        if isinstance(item, Problem):
            self.summary.problems.append(item)
            return SKIPPED
        key = (item.code, item.kind, item.path)
        if key in self._seen:
            earlier = self._seen[key] or "an earlier place"
            reason = f"code {item.code} already read at {earlier} of this file"
            self.summary.problems.append(Problem(item.path, item.location, reason))
            return SKIPPED
        self._seen[key] = item.location
        own = self.own_procedures
        if item.specific_to and own is not None and item.code not in own:
            return OTHER_PROVINCE
        path = self._resolved(item.path)
        source = self._file_sources(session, path).get((item.code, item.kind))
        origin = self._origins.get(item.code)
        if source is not None and source.content_hash == item.content_hash and origin:
            return KEPT_CURATED if origin == "curated" else UNCHANGED  # nothing to write
        try:
            with session.begin_nested():
                outcome = self._apply(session, item, path, source)
        except SQLAlchemyError as error:
            reason = f"not saved ({type(error).__name__}: {getattr(error, 'orig', error)})"
            self.summary.problems.append(Problem(item.path, item.location, reason))
            return SKIPPED
        if outcome == IMPORTED:
            self._origins[item.code] = "imported"
            self._ranks[item.code] = RANKS[item.kind]
        return outcome

    def _apply(
        self, session: Session, item: SourceItem, path: str, source: Optional[SourceRecord]
    ) -> str:
        same = source is not None and source.content_hash == item.content_hash
        if source is None:
            source = SourceRecord(
                procedure_code=item.code,
                kind=item.kind,
                path=path,
                location=item.location,
                content_hash=item.content_hash,
                applied=False,
                imported_at=self._now,
            )
            session.add(source)
            self._sources[(item.code, item.kind)] = source
        elif not same:
            source.content_hash = item.content_hash
            source.location = item.location
            source.changed_at = self._now
        origin = self._origins.get(item.code)
        if origin == "curated":
            return KEPT_CURATED
        if origin is not None and self._ranks.get(item.code, 0) > RANKS[item.kind]:
            return KEPT_FULLER
        if origin is not None:
            self._delete_procedure(session, item.code)
        session.execute(
            update(SourceRecord)
            .where(
                SourceRecord.procedure_code == item.code,
                SourceRecord.applied,
                or_(SourceRecord.kind != item.kind, SourceRecord.path != path),
            )
            .values(applied=False)
            .execution_options(synchronize_session=False)
        )
        source.applied = True
        session.add(to_model(item.record, origin="imported"))
        session.flush()
        return IMPORTED

    def _resolved(self, path: Path) -> str:
        if path not in self._paths:
            self._paths[path] = str(path.resolve())
        return self._paths[path]

    def _file_sources(self, session: Session, path: str) -> Dict[Tuple[str, str], SourceRecord]:
        """The source records of a file, read once per file and batch."""
        if self._sources_path != path:
            rows = session.execute(select(SourceRecord).where(SourceRecord.path == path))
            self._sources = {(r.procedure_code, r.kind): r for r in rows.scalars()}
            self._sources_path = path
        return self._sources

    @staticmethod
    def _delete_procedure(session: Session, code: str) -> None:
        """Delete a procedure and (by foreign-key cascade) its cases, documents and channels."""
        loaded = session.identity_map.get(identity_key(Procedure, code))
        if loaded is not None:  # added earlier in this batch
            session.delete(loaded)
            session.flush()
        else:
            session.execute(delete(Procedure).where(Procedure.code == code))

    def _require_session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the Importer as a context manager")
        return self._session
