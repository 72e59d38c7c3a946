"""Owner-only files written durably: what the bot keeps on disk until a store takes it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_json_durably(path: Path, record: Any) -> None:
    """Write ``record`` as JSON to ``path`` (owner-only), synced, under its final name only once
    complete (a temporary ".NAME" beside it is renamed)."""
    temporary = path.with_name(f".{path.name}")
    with open(temporary, "w", encoding="utf-8", opener=_private) as file:
        json.dump(record, file, ensure_ascii=False)
        file.flush()
        os.fsync(file.fileno())
    temporary.replace(path)


def remove_incomplete(directory: Path) -> int:
    """Remove the temporary files of writes a killed process left unfinished (never renamed, so
    never taken for complete); how many. Only where no write can be running (at start-up)."""
    removed = 0
    for path in directory.glob(".*.json") if directory.is_dir() else ():
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def owner_only_folder(directory: Path) -> None:
    """Create ``directory`` readable by this user only, or make an existing one so."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if directory.stat().st_mode & 0o077:
        directory.chmod(0o700)


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)
