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


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)
