"""What needs re-checking: ``python -m knowledge.freshness [--max-age-days 180]``.

Lists
- procedures whose facts were checked longer ago than the given age;
- official records that changed since they were imported (each source file is read again and
  every record's hash compared with the one stored at import), or that are gone;
- curated procedures whose official record changed, at an import, after they were checked;
- dated facts (a temporary fee rate, a council fee) that end soon or ended recently, so that they
  are re-checked before the answers stop quoting them.
Exits 1 when anything is listed, so a scheduled job can alert.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

from sqlalchemy import select

from knowledge.fees import FeeGroup, read_groups
from knowledge.importers import formats
from knowledge.importers.common import SourceItem, today
from knowledge.models import Procedure, SourceRecord
from knowledge.profile import ProvinceProfile, load_profile
from knowledge.sources import answer_date
from knowledge.store import KnowledgeBase, database_url, make_engine

DEFAULT_MAX_AGE_DAYS = 180
DEFAULT_ENDING_WITHIN_DAYS = 60
ENDED_WITHIN_DAYS = 180  # as long as the answers mention that a rate has ended


@dataclass(frozen=True)
class StaleRecord:
    code: str
    name: str
    origin: str
    checked: dt.date


@dataclass(frozen=True)
class ChangedSource:
    code: str
    kind: str
    path: str
    reason: str


@dataclass(frozen=True)
class CuratedBehind:
    code: str
    name: str
    checked: dt.date
    changed: dt.date
    path: str


@dataclass(frozen=True)
class DatedFact:
    where: str  # a procedure code, or "province <slug>"
    label: str
    valid_until: dt.date


def ending(
    knowledge: KnowledgeBase,
    profile: ProvinceProfile,
    on: dt.date,
    within_days: int = DEFAULT_ENDING_WITHIN_DAYS,
) -> List[DatedFact]:
    """Dated facts ending within ``within_days`` after ``on``, or ended in the last
    ``ENDED_WITHIN_DAYS``, soonest first."""
    with knowledge.session() as session:
        rows = session.execute(select(Procedure.code, Procedure.fee_schedule)).all()
    groups: List[Tuple[str, FeeGroup]] = [
        (code, group) for code, schedule in rows for group in read_groups(schedule)
    ]
    groups += [(f"province {profile.slug}", group) for group in profile.council_fees.values()]
    facts = [
        DatedFact(where, item.label, item.valid_until)
        for where, group in groups
        for item in group.dated_items()
        if item.valid_until is not None
        and -ENDED_WITHIN_DAYS <= (item.valid_until - on).days <= within_days
    ]
    return sorted(facts, key=lambda fact: (fact.valid_until, fact.where, fact.label))


def stale(knowledge: KnowledgeBase, max_age_days: int, on: dt.date) -> List[StaleRecord]:
    """Procedures checked more than ``max_age_days`` before ``on``, oldest first."""
    limit = on - dt.timedelta(days=max_age_days)
    with knowledge.session() as session:
        rows = session.execute(
            select(Procedure.code, Procedure.name, Procedure.origin, Procedure.checked)
            .where(Procedure.checked < limit)
            .order_by(Procedure.checked, Procedure.code)
        ).all()
    return [StaleRecord(*row) for row in rows]


def changed_sources(knowledge: KnowledgeBase) -> List[ChangedSource]:
    """Official records whose file now holds different content, or no longer holds them."""
    with knowledge.session() as session:
        stored = session.execute(
            select(
                SourceRecord.path,
                SourceRecord.procedure_code,
                SourceRecord.kind,
                SourceRecord.content_hash,
            )
        ).all()
    by_path: Dict[str, List[Tuple[str, str, str]]] = defaultdict(list)
    for path, code, kind, content_hash in stored:
        by_path[path].append((code, kind, content_hash))
    changed: List[ChangedSource] = []
    for path, records in sorted(by_path.items()):
        current = _hashes(Path(path))
        for code, kind, content_hash in sorted(records):
            if current is None:
                changed.append(ChangedSource(code, kind, path, "file missing"))
            elif (code, kind) not in current:
                changed.append(ChangedSource(code, kind, path, "no longer in the file"))
            elif content_hash not in current[(code, kind)]:
                changed.append(ChangedSource(code, kind, path, "content changed"))
    return changed


def _hashes(path: Path) -> Optional[Dict[Tuple[str, str], Set[str]]]:
    if not path.is_file():
        return None
    found: Dict[Tuple[str, str], Set[str]] = defaultdict(set)
    for item in formats.read(path, today()):
        if isinstance(item, SourceItem):
            found[(item.code, item.kind)].add(item.content_hash)
    return found


def curated_behind(knowledge: KnowledgeBase) -> List[CuratedBehind]:
    """Curated procedures whose official record changed at an import after their check date."""
    with knowledge.session() as session:
        rows = session.execute(
            select(
                Procedure.code,
                Procedure.name,
                Procedure.checked,
                SourceRecord.changed_at,
                SourceRecord.path,
            )
            .join(SourceRecord, SourceRecord.procedure_code == Procedure.code)
            .where(Procedure.origin == "curated", SourceRecord.changed_at.is_not(None))
            .order_by(Procedure.code)
        ).all()
    return [
        CuratedBehind(code, name, checked, changed_at.date(), path)
        for code, name, checked, changed_at, path in rows
        if changed_at.date() > checked
    ]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge.freshness", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--max-age-days", type=int, default=DEFAULT_MAX_AGE_DAYS)
    parser.add_argument("--ending-within-days", type=int, default=DEFAULT_ENDING_WITHIN_DAYS)
    parser.add_argument("--today", type=dt.date.fromisoformat, help="judge dates as of this day")
    parser.add_argument("--province", help="province profile (default: PROVINCE_PROFILE)")
    parser.add_argument("--db", help="database URL (default: KNOWLEDGE_DB_URL or var/knowledge.db)")
    args = parser.parse_args(argv)
    knowledge = KnowledgeBase(make_engine(args.db or database_url()))
    on = answer_date(args.today)
    old = stale(knowledge, args.max_age_days, on)
    print(f"Checked more than {args.max_age_days} days ago: {len(old)}")
    from_snapshot = [r for r in old if r.origin == "snapshot"]
    for record in old:
        if record.origin != "snapshot":
            print(f"  {record.checked}  {record.origin:<8}  {record.code}  {record.name}")
    if from_snapshot:  # one line: the snapshot is refreshed as a whole
        print(
            f"  {len(from_snapshot)} from the catalogue snapshot, crawled "
            f"{from_snapshot[0].checked} to {from_snapshot[-1].checked}: refresh with make snapshot"
        )
    changed = changed_sources(knowledge)
    print(f"Official records changed since the last import: {len(changed)}")
    for source in changed:
        print(f"  {source.code}  {source.kind}  {source.path}: {source.reason}")
    behind = curated_behind(knowledge)
    print(f"Curated procedures whose official record changed after their check: {len(behind)}")
    for item in behind:
        print(
            f"  {item.code}  checked {item.checked}, official record changed {item.changed}"
            f" ({item.path})  {item.name}"
        )
    dated = ending(knowledge, load_profile(args.province), on, args.ending_within_days)
    print(
        f"Dated facts ending within {args.ending_within_days} days or ended in the last"
        f" {ENDED_WITHIN_DAYS}: {len(dated)}"
    )
    for fact in dated:
        days = (fact.valid_until - on).days
        when = f"ends in {days} days" if days >= 0 else f"ended {-days} days ago"
        print(f"  {fact.valid_until}  {fact.where}  {fact.label} ({when})")
    return 1 if old or changed or behind or dated else 0


if __name__ == "__main__":
    raise SystemExit(main())
