"""Finds procedure files under the given paths and reads each with the importer of its format."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Iterable, Iterator, List, Optional

from knowledge.importers import national_crawl, portal_api, xlsx_list
from knowledge.importers.common import Parsed, Problem

SUFFIXES = (".json", ".jsonl", ".xlsx")


def procedure_files(paths: Iterable[Path]) -> List[Path]:
    """The files to read: files as given, folders walked for .json, .jsonl and .xlsx files."""
    found: List[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in SUFFIXES
                    and not p.name.startswith((".", "~$"))
                )
            )
        else:
            found.append(path)
    return found


def read(path: Path, imported: dt.date) -> Iterator[Parsed]:
    """The items and problems of one file."""
    suffix = path.suffix.lower()
    if not path.is_file():
        yield Problem(path, None, "no such file")
    elif suffix == ".jsonl":
        yield from portal_api.catalogue_items(path, imported)
    elif suffix == ".xlsx":
        yield from xlsx_list.items(path, imported)
    elif suffix == ".json":
        yield _json_item(path, imported)
    else:
        yield Problem(path, None, f"unknown file type {suffix or '(none)'}")


def record_count(path: Path) -> Optional[int]:
    """About how many records a file holds, for a progress bar."""
    if path.suffix.lower() == ".jsonl" and path.is_file():
        with path.open("rb") as lines:
            return sum(1 for _ in lines)
    if path.suffix.lower() == ".xlsx" and path.is_file():
        return xlsx_list.count_rows(path)
    return 1


def _json_item(path: Path, imported: dt.date) -> Parsed:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        return Problem(path, f"line {error.lineno}", f"not valid JSON ({error.msg})")
    except (OSError, UnicodeDecodeError) as error:
        return Problem(path, None, f"cannot be read ({error})")
    if portal_api.is_detail(payload):
        return portal_api.detail_item(payload, path, imported)
    if national_crawl.is_record(payload):
        return national_crawl.item(payload, path, imported)
    return Problem(path, None, "not a procedure record in a known format")
