"""Reads and checks the curated procedure files (format: knowledge/SCHEMA.md)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import yaml

from knowledge.fees import FeeDataError, stored
from knowledge.models import (
    METHODS,
    ONLINE_LEVELS,
    TIME_UNITS,
    Case,
    Channel,
    Document,
    Procedure,
)

CURATED_DIR = Path(__file__).parent / "data" / "procedures"
CODE_PATTERN = re.compile(r"^\d\.\d{6}$")
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when built with it
REQUIRED_KEYS = ("code", "name", "short_name", "online", "channels", "cases", "source")


class CuratedDataError(ValueError):
    """A curated file breaks the schema; the message names the file and the problem."""


def read_curated(directory: Path = CURATED_DIR) -> Iterator[Dict[str, Any]]:
    """Yield each curated record, checked, in file-name order."""
    for path in sorted(directory.glob("*.yml")):
        try:
            record = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        except yaml.YAMLError as error:
            raise CuratedDataError(f"{path.name}: not valid YAML: {error}") from error
        check_record(record, path.name)
        yield record


def check_record(record: Any, where: str) -> None:
    """Raise CuratedDataError when ``record`` breaks the schema."""

    def fail(problem: str) -> None:
        raise CuratedDataError(f"{where}: {problem}")

    if not isinstance(record, dict):
        fail("expected a mapping at the top level")
    for key in REQUIRED_KEYS:
        if key not in record:
            fail(f"missing key '{key}'")
    if not CODE_PATTERN.match(str(record["code"])):
        fail(f"bad procedure code {record['code']!r}")
    if where.endswith(".yml") and where[:-4] != str(record["code"]):
        fail(f"file name does not match code {record['code']}")
    if record["online"].get("level") not in ONLINE_LEVELS:
        fail(f"online.level must be one of {ONLINE_LEVELS}")
    for channel in record["channels"] or []:
        if channel.get("method") not in METHODS:
            fail(f"channel method must be one of {METHODS}")
        if channel.get("time_unit") not in (None, *TIME_UNITS):
            fail(f"time_unit must be one of {TIME_UNITS}")
    for case in record["cases"] or []:
        if not case.get("name") or not isinstance(case.get("documents"), list):
            fail("each case needs a name and a list of documents")
        for time in case.get("times") or []:
            if time.get("time_unit") not in (None, *TIME_UNITS) or not time.get("time_text"):
                fail(f"case {case['name']!r}: each time needs a time_text and a known time_unit")
            if any(method not in METHODS for method in time.get("methods") or []):
                fail(f"case {case['name']!r}: time methods must be among {METHODS}")
    try:
        stored(record.get("fee_schedule"))
    except FeeDataError as error:
        fail(str(error))
    source = record["source"] or {}
    if not str(source.get("url", "")).startswith("https://"):
        fail("source.url must be the official https URL")
    if not source.get("checked"):
        fail("source.checked (the date the facts were checked) is required")


def to_model(record: Dict[str, Any], origin: str = "curated") -> Procedure:
    """Build the ORM object of a checked record."""
    cases = [
        Case(**case, documents=[Document(**d) for d in documents])
        for case, documents in case_rows(record)
    ]
    channels = [Channel(**row) for row in channel_rows(record)]
    return Procedure(**procedure_row(record, origin), cases=cases, channels=channels)


def procedure_row(record: Dict[str, Any], origin: str) -> Dict[str, Any]:
    """The ``procedure`` table's columns of a checked record."""
    online = record["online"]
    source = record["source"]
    return {
        "code": str(record["code"]),
        "name": record["name"].strip(),
        "short_name": record["short_name"].strip(),
        "aliases": list(record.get("aliases") or []),
        "keywords": list(record.get("keywords") or []),
        "field": record.get("field"),
        "levels": list(record.get("levels") or []),
        "agency": record.get("agency"),
        "subjects": list(record.get("subjects") or []),
        "where_to_submit": record.get("where_to_submit"),
        "online_level": online["level"],
        "online_basis": online.get("basis"),
        "legacy_level": online.get("legacy_level"),
        "portal_url": online.get("portal_url"),
        "legal_basis": list(record.get("legal_basis") or []),
        "results": list(record.get("results") or []),
        "conditions": record.get("conditions"),
        "missing": list(record.get("missing") or []),
        "curation_notes": list(record.get("curation_notes") or []),
        "fee_schedule": stored(record.get("fee_schedule")),
        "case_times": _case_times(record.get("cases") or []),
        "time_note": record.get("time_note"),
        "source_url": source["url"],
        "source_dataset": source.get("dataset"),
        "checked": _date(source["checked"]),
        "origin": origin,
        "loaded_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
    }


def case_rows(record: Dict[str, Any]) -> List[Tuple[Dict[str, Any], List[Dict[str, Any]]]]:
    """The columns of each case of a checked record, with its documents' columns."""
    return [
        (
            {"position": position, "name": case["name"].strip()},
            [
                {
                    "position": i,
                    "name": d["name"].strip(),
                    "originals": d.get("originals"),
                    "copies": d.get("copies"),
                    "form": d.get("form"),
                    "required": bool(d.get("required", True)),
                    "note": d.get("note"),
                }
                for i, d in enumerate(case["documents"])
            ],
        )
        for position, case in enumerate(record.get("cases") or [])
    ]


def channel_rows(record: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The columns of each submission channel of a checked record."""
    return [
        {
            "position": position,
            "method": channel["method"],
            "time_value": channel.get("time_value"),
            "time_unit": channel.get("time_unit"),
            "time_text": channel.get("time_text"),
            "fee_amount": channel.get("fee_amount"),
            "fee_text": channel.get("fee_text"),
            "note": channel.get("note"),
        }
        for position, channel in enumerate(record.get("channels") or [])
    ]


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _case_times(cases: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The processing times that belong to a case, flattened with the case's name."""
    return [
        {
            "case": case["name"].strip(),
            "methods": list(time.get("methods") or []),
            "time_value": time.get("time_value"),
            "time_unit": time.get("time_unit"),
            "time_text": time["time_text"],
        }
        for case in cases
        for time in case.get("times") or []
    ]
