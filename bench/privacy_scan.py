"""Personal numbers left in clear in every file a run of the servers leaves in its folder.

Every file under the folder is read: SQLite databases table by table and column by column (their
journals through SQLite), JSON files (spools, inbox) key by key, anything else (logs) line by line.
A number counts where it stands alone: not where its digits are part of a longer number, a
decimal (event timestamps and confidences such as ``1796231895.4829133`` hold any six digits
now and then) or a hexadecimal id (message ids, model ids); those are listed apart so that
nothing is hidden. The call-back number a ticket keeps for staff (``handoff_ticket.
callback_phone``, ``phone`` of a kept call-back request) is legitimate and counted apart.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

from bot.privacy import MASK

SQLITE_HEADER = b"SQLite format 3\x00"
JOURNALS = ("-journal", "-wal", "-shm")  # read through their database
CALLBACK_FIELDS = {("handoff_ticket", "callback_phone"), ("callback-spool", "phone")}
CONTEXT = 30
HEX_ID = 24  # "cccd048090123456" is a number after a word, a uuid's 32 characters an id
_HEX_RUN = re.compile(r"[0-9a-fA-F]+")
_NUMBER_RUN = re.compile(r"\d+(?:\.\d+)*")


@dataclass(frozen=True)
class Finding:
    """One number found in clear: where, which kind, and its context with the number masked."""

    where: str
    kind: str
    context: str
    counted: bool  # False: inside a longer number or a hexadecimal id
    callback: bool = False  # the call-back number a ticket keeps for staff

    def line(self) -> str:
        return f"{self.where}: {self.kind} in «{self.context}»"


@dataclass
class Scan:
    """What a scan found, split into leaks, call-back numbers kept for staff and look-alikes."""

    findings: List[Finding]
    files: int

    def _where(self, logs: bool) -> List[Finding]:
        return [
            f
            for f in self.findings
            if f.counted and not f.callback and f.where.split(":")[0].endswith(".log") == logs
        ]

    @property
    def in_storage(self) -> List[Finding]:
        return self._where(logs=False)

    @property
    def in_logs(self) -> List[Finding]:
        return self._where(logs=True)

    @property
    def callbacks(self) -> List[Finding]:
        return [f for f in self.findings if f.counted and f.callback]

    @property
    def look_alikes(self) -> List[Finding]:
        return [f for f in self.findings if not f.counted]


def scan(root: Path, numbers: Dict[str, str]) -> Scan:
    """Every occurrence of ``numbers`` (kind -> digits) in the files under ``root``."""
    findings: List[Finding] = []
    files = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name.endswith(JOURNALS):
            continue
        files += 1
        name = str(path.relative_to(root))
        for where, field, text in _texts(path, name):
            for kind, digits in numbers.items():
                findings += _occurrences(where, field, text, kind, digits)
    return Scan(findings, files)


def _texts(path: Path, name: str) -> Iterator[Tuple[str, Tuple[str, str], str]]:
    """(where, (container, field), text) for each piece of text the file holds."""
    with open(path, "rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if header == SQLITE_HEADER:
        yield from _database_texts(path, name)
        return
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".json":
        try:
            record = json.loads(raw)
        except ValueError:
            pass
        else:
            folder = path.parent.name
            for key, value in _leaves(record, ""):
                yield f"{name}:{key}", (folder, key.split(".")[-1]), value
            return
    for number, line in enumerate(raw.splitlines(), start=1):
        yield f"{name}:{number}", ("", ""), line


def _database_texts(path: Path, name: str) -> Iterator[Tuple[str, Tuple[str, str], str]]:
    database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            r[0] for r in database.execute("select name from sqlite_master where type='table'")
        ]
        for table in tables:
            columns = [r[1] for r in database.execute(f'pragma table_info("{table}")')]
            for row in database.execute(f'select rowid, * from "{table}"'):
                for column, value in zip(columns, row[1:], strict=True):
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    if isinstance(value, str):
                        yield f"{name}:{table}.{column} (row {row[0]})", (table, column), value
    finally:
        database.close()


def _leaves(value: Any, key: str) -> Iterator[Tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{key}[{i}]")
    elif value is not None:
        yield key, str(value)


def _occurrences(
    where: str, field: Tuple[str, str], text: str, kind: str, digits: str
) -> Iterator[Finding]:
    start = text.find(digits)
    while start >= 0:
        end = start + len(digits)
        context = text[max(0, start - CONTEXT) : start] + MASK + digits[-3:]
        context += text[end : end + CONTEXT]
        yield Finding(
            where,
            kind,
            context.replace("\n", " "),
            counted=_stands_alone(text, start, end),
            callback=field in CALLBACK_FIELDS,
        )
        start = text.find(digits, end)


def _run(pattern: re.Pattern, text: str, start: int, end: int) -> str:
    """The longest match of ``pattern`` in ``text`` that covers ``start:end``."""
    left = max(0, start - 80)
    for match in pattern.finditer(text, left, min(len(text), end + 80)):
        if match.start() <= start and match.end() >= end:
            return match.group()
    return text[start:end]


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Whether the digits at ``start:end`` are a number of their own: not part of a longer number
    or decimal (``1796231895.4829133``) nor of a hexadecimal id (``HEX_ID`` characters or more:
    a uuid, a digest)."""
    digits = text[start:end]
    if _run(_NUMBER_RUN, text, start, end) != digits:
        return False
    hex_run = _run(_HEX_RUN, text, start, end)
    return not (len(hex_run) >= HEX_ID and not hex_run.isdigit())
