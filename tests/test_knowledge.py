"""The curated knowledge base: schema, loading into SQL, facts traceable to the official data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from knowledge.catalogue import configured_snapshot, read_snapshot
from knowledge.curated import CURATED_DIR, CuratedDataError, check_record, read_curated
from knowledge.store import KnowledgeBase

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "dichvucong"
RECORDS = list(read_curated())


def test_at_least_forty_curated_procedures() -> None:
    assert len(RECORDS) >= 40


@pytest.mark.parametrize("record", RECORDS, ids=[r["code"] for r in RECORDS])
def test_every_record_names_its_official_source_and_check_date(record: dict) -> None:
    assert record["source"]["url"].startswith("https://dichvucong.gov.vn/")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(record["source"]["checked"]))
    assert record["cases"] or record["missing"], "no documents and no word that they are missing"


def _source_text(record: dict) -> str:
    dataset = record["source"].get("dataset") or ""
    relative = dataset.split(" ")[0]
    for candidate in (
        SHARED / relative,
        *SHARED.glob(f"*/{relative}"),
        *SHARED.glob(f"*/*/{relative}"),
    ):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    code = record["code"]
    found = list(SHARED.glob(f"**/{code}.json"))
    return "\n".join(p.read_text(encoding="utf-8") for p in found)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not beside the project")
@pytest.mark.parametrize("record", RECORDS, ids=[r["code"] for r in RECORDS])
def test_fees_and_times_appear_in_the_official_record(record: dict) -> None:
    source = _source_text(record)
    assert source, f"no official record found for {record['code']}"
    assert record["code"] in source
    digits = re.sub(r"[.,\s]", "", source)
    for channel in record["channels"]:
        if channel.get("fee_amount"):
            amount = channel["fee_amount"]
            explained = any(f"{amount:,}".replace(",", ".") in n for n in record["curation_notes"])
            assert str(amount) in digits or explained, (record["code"], channel)
        if channel.get("time_value") is not None:
            value = channel["time_value"]
            shown = str(int(value)) if float(value).is_integer() else str(value)
            assert shown in source, (record["code"], channel)
    if "portal-api/details" in (record["source"].get("dataset") or ""):
        data = json.loads(source)["data"]
        assert record["source"]["url"].endswith(data["id"])
    if "catalog.jsonl" in (record["source"].get("dataset") or ""):
        line = next(json.loads(x) for x in source.splitlines() if f'"{record["code"]}"' in x)
        assert record["source"]["url"].endswith(line["id"]) and record["name"] == line["name"]


def test_schema_errors_name_the_problem() -> None:
    with pytest.raises(CuratedDataError, match="x.yml: missing key 'name'"):
        check_record({"code": "1.000001"}, "x.yml")
    with pytest.raises(CuratedDataError, match="bad procedure code"):
        check_record(
            {k: {} for k in ("name", "short_name", "online", "channels", "cases", "source")}
            | {"code": "12"},
            "12.yml",
        )


def test_loading_into_sql_is_idempotent(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(f"sqlite:///{tmp_path / 'kb.db'}")
    first = kb.load_curated(CURATED_DIR)
    second = kb.load_curated(CURATED_DIR)
    assert first == second == len(RECORDS)
    birth = kb.procedure("1.001193")
    assert birth.name == "Thủ tục đăng ký khai sinh"
    assert birth.cases and birth.cases[0].documents and birth.channels
    reopened = KnowledgeBase(kb.engine)
    catalogue = {r["code"] for r in read_snapshot(configured_snapshot())}
    assert len(reopened.index) == len(catalogue | {r["code"] for r in RECORDS})
    assert reopened.procedure("1.001193").origin == "curated"
