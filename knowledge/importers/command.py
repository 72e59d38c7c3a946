"""``python -m knowledge.importers PATH...``: import files or folders, with progress bars."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import FrozenSet, List, Optional, Sequence

from tqdm import tqdm

from knowledge.importers import formats
from knowledge.importers.common import today
from knowledge.importers.loader import Importer, ImportSummary
from knowledge.profile import load_profile
from knowledge.store import KnowledgeBase


def import_paths(
    knowledge: KnowledgeBase,
    paths: Sequence[Path],
    own_procedures: Optional[FrozenSet[str]] = None,
    progress: bool = False,
) -> ImportSummary:
    """Import every procedure file found under ``paths``; the index is rebuilt at the end."""
    files = formats.procedure_files(paths)
    imported = today()
    with Importer(knowledge, own_procedures) as importer:
        importer.summary.files = len(files)
        for path in tqdm(files, desc="files", unit="file", disable=not progress):
            total = formats.record_count(path) if progress else None
            with tqdm(
                total=total,
                desc=path.name,
                unit="record",
                leave=False,
                disable=not progress or (total or 0) < 2,
            ) as bar:
                for item in formats.read(path, imported):
                    importer.add(item)
                    bar.update()
    return importer.summary


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge.importers",
        description="Import official procedure files (portal API details/*.json, catalog.jsonl, "
        "national-crawl/*/*.json, 'Danh sách thủ tục hành chính' .xlsx) into the knowledge base.",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="files or folders")
    parser.add_argument("--db", help="database URL (default: KNOWLEDGE_DB_URL or var/knowledge.db)")
    parser.add_argument(
        "--province-only",
        action="store_true",
        help="leave out other provinces' own (SPECIFIC) procedures; keeps those the province "
        "profile (PROVINCE_PROFILE) lists under own_procedures",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    own = frozenset(load_profile().own_procedures) if args.province_only else None
    knowledge = KnowledgeBase.open(args.db)
    summary = import_paths(knowledge, args.paths, own, progress=not args.no_progress)
    print("\n".join(summary.lines()))
    return 0
