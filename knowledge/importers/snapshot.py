"""Builds a province's catalogue snapshot from the official files with the importer's readers.

``python -m knowledge.importers.snapshot --data ../shared/data --out FILE`` (``make snapshot``)
reads every procedure file (portal API details and catalogue, national crawl, XLSX lists) and
keeps, per code, the fullest record (details > national crawl > catalogue line > list row),
filling the facts it lacks (subjects, field, agency, level) from the thinner ones. It keeps the
national procedures (STANDARD, or no type given) and the province's own (SPECIFIC, issued by
the province: ``own_issuers`` or ``own_procedures`` of its profile); other provinces' own and
internal procedures between state bodies (STANDARD_INTERNAL) are left out. An agency naming
another province is dropped from a national record. Each record's ``source.checked`` is its
folder's crawl date. The output (``knowledge.catalogue``) is sorted and gzipped without a
timestamp: the same data gives the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from knowledge.catalogue import write_snapshot
from knowledge.importers import formats, national_crawl, portal_api, xlsx_list
from knowledge.importers.common import Problem, SourceItem
from knowledge.profile import CATALOGUE_DIR, ProvinceProfile, load_profile
from knowledge.text.normalize import fold

RANKS = {xlsx_list.KIND: 1, portal_api.CATALOGUE: 2, national_crawl.KIND: 3, portal_api.DETAIL: 4}
SAME_NAME_SHARE = 0.5  # of the shorter name's syllables, for one record to stand for another
FILLED_KEYS = ("subjects", "field", "agency", "levels")
INTERNAL = "STANDARD_INTERNAL"
SPECIFIC = "SPECIFIC"
METADATA = ("manifest.json", "provinces.json")  # crawl metadata beside the records
_DATED_LABEL = re.compile(r"\(imported [0-9-]+\)$")


@dataclass
class SnapshotSummary:
    """What a build read and kept."""

    read: int = 0
    kept: int = 0
    left_out: Counter = field(default_factory=Counter)
    problems: List[Problem] = field(default_factory=list)

    def lines(self) -> List[str]:
        lines = [f"Read {self.read} records; kept {self.kept} procedures."]
        lines += [f"  left out, {why}: {count}" for why, count in sorted(self.left_out.items())]
        lines.append(f"  files or records not read: {len(self.problems)}")
        lines += [f"    {problem}" for problem in self.problems]
        return lines


def crawl_dates(data: Path, given: Sequence[str]) -> Dict[str, Tuple[dt.date, str]]:
    """The crawl date of each source folder: ``FOLDER=YYYY-MM-DD`` or ``FOLDER=YYYY-MM`` as
    given (a month stands for its first day and is said as a month), and for the portal API
    the ``startedAt`` day of its ``manifest.json``."""
    dates: Dict[str, Tuple[dt.date, str]] = {}
    for manifest in sorted(data.rglob("manifest.json")):
        started = json.loads(manifest.read_text(encoding="utf-8")).get("startedAt")
        if isinstance(started, str) and len(started) >= 10:
            day = dt.date.fromisoformat(started[:10])
            dates[manifest.parent.name] = (day, day.isoformat())
    for entry in given:
        folder, _, value = entry.partition("=")
        day = dt.date.fromisoformat(value if len(value) > 7 else f"{value}-01")
        dates[folder.strip()] = (day, value)
    return dates


def _crawl_of(path: Path, dates: Dict[str, Tuple[dt.date, str]]) -> Optional[Tuple[dt.date, str]]:
    return next((dates[part] for part in reversed(path.parts) if part in dates), None)


def _is_own(issuer: Optional[str], code: str, profile: ProvinceProfile) -> bool:
    """Whether a SPECIFIC procedure is the province's own."""
    return code in profile.own_procedures or (issuer or "").strip() in profile.own_issuers


def _other_provinces(data: Path, profile: ProvinceProfile) -> List[str]:
    """The bare names of the other provinces ("Hà Nội", "Lạng Sơn"), from provinces.json."""
    names: List[str] = []
    for listing in sorted(data.rglob("provinces.json")):
        rows = (json.loads(listing.read_text(encoding="utf-8")).get("data") or {}).get("rows")
        for row in rows or []:
            name = str(row.get("name") or "")
            if name and name != profile.name:
                names.append(re.sub(r"^(Thành phố|Tỉnh)\s+", "", name, flags=re.IGNORECASE))
    return names


def _local_agency(agency: Optional[str], others: List[str]) -> Optional[str]:
    """An agency list without the agencies that name another province."""
    if not agency:
        return agency
    kept = [a for a in agency.split(", ") if not any(o in a for o in others)]
    return ", ".join(kept) or None


def build(
    data: Path, profile: ProvinceProfile, dates: Dict[str, Tuple[dt.date, str]]
) -> Tuple[List[Dict[str, Any]], SnapshotSummary]:
    """The snapshot records of ``data`` for ``profile``'s province, sorted by code."""
    summary = SnapshotSummary()
    by_code: Dict[str, List[SourceItem]] = {}
    types: Dict[str, Tuple[Optional[str], Optional[str]]] = {}
    for path in formats.procedure_files([data]):
        crawl = _crawl_of(path, dates)
        if crawl is None:
            summary.problems.append(Problem(path, None, "no crawl date for its folder (--crawled)"))
            continue
        for item in formats.read(path, crawl[0]):
            if isinstance(item, Problem):
                if path.name not in METADATA:
                    summary.problems.append(item)
                continue
            summary.read += 1
            by_code.setdefault(item.code, []).append(item)
            if item.procedure_type:
                types[item.code] = (item.procedure_type, item.specific_to)
    others = _other_provinces(data, profile)
    records = []
    for code in sorted(by_code):
        kind, issuer = types.get(code, (None, None))
        if kind == INTERNAL:
            summary.left_out["internal procedure between state bodies"] += 1
            continue
        if kind == SPECIFIC and not _is_own(issuer, code, profile):
            summary.left_out["another province's own procedure"] += 1
            continue
        records.append(_merged(by_code[code], kind, issuer, dates, others))
    summary.kept = len(records)
    return records, summary


def _merged(
    items: List[SourceItem],
    kind: Optional[str],
    issuer: Optional[str],
    dates: Dict[str, Tuple[dt.date, str]],
    others: List[str],
) -> Dict[str, Any]:
    """The fullest record of a code, completed from the others, with its source kind."""
    ordered = sorted(items, key=lambda i: (-RANKS[i.kind], str(i.path), i.location or ""))
    portal = [i for i in ordered if i.kind in (portal_api.DETAIL, portal_api.CATALOGUE)]
    if portal:  # a crawled page of another procedure filed under this code is not its record
        ordered = [
            i for i in ordered if i.kind != national_crawl.KIND or same_procedure(i, portal[0])
        ]
    best = ordered[0]
    record = json.loads(json.dumps(best.record, ensure_ascii=False))
    for key in FILLED_KEYS:
        if not record.get(key):
            record[key] = next(
                (i.record[key] for i in ordered if i.record.get(key)), record.get(key)
            )
    if kind == SPECIFIC:
        record["issuer"] = issuer
    else:
        record["agency"] = _local_agency(record.get("agency"), others)
    crawl = _crawl_of(best.path, dates)
    label = _DATED_LABEL.sub(f"(crawled {crawl[1]})" if crawl else "", record["source"]["dataset"])
    record["source"] = {**record["source"], "dataset": label.strip(), "kind": best.kind}
    return record


def same_procedure(crawled: SourceItem, official: SourceItem) -> bool:
    """Whether a crawled record's name is the portal's name for the code: the national crawl
    filed some pages under the wrong code (e.g. 3.000272 "Mở khóa căn cước điện tử" holds the
    page of "Hỗ trợ phát triển sản xuất cộng đồng")."""
    mine = set(fold(crawled.record["short_name"]).split())
    theirs = set(fold(official.record["short_name"]).split())
    shared = len(mine & theirs) / max(1, min(len(mine), len(theirs)))
    return shared >= SAME_NAME_SHARE


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge.importers.snapshot",
        description="Build the province's catalogue snapshot from the official files.",
    )
    parser.add_argument("--data", type=Path, required=True, help="the official data folder")
    parser.add_argument("--profile", help="province profile (default: PROVINCE_PROFILE)")
    parser.add_argument("--out", type=Path, help="default: the profile's catalogue file")
    parser.add_argument(
        "--crawled",
        action="append",
        default=[],
        metavar="FOLDER=DATE",
        help="crawl date of a source folder without a manifest, e.g. national-crawl=2026-07",
    )
    args = parser.parse_args(argv)
    profile = load_profile(args.profile)
    out = args.out or CATALOGUE_DIR / (profile.catalogue or f"{profile.slug}.jsonl.gz")
    records, summary = build(args.data, profile, crawl_dates(args.data, args.crawled))
    write_snapshot(records, out)
    print("\n".join(summary.lines()))
    print(f"Wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
