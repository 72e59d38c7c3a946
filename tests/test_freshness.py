"""The freshness report: old check dates, official records changed since the last import, and
curated procedures whose official record changed after they were checked."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from official_samples import (
    CATALOGUE_HOUSE_NUMBER,
    CATALOGUE_RESIDENCE,
    CATALOGUE_SEMICONDUCTOR,
    write_all,
    write_catalogue,
)

from knowledge.curated import CURATED_DIR
from knowledge.freshness import changed_sources, curated_behind, ending, stale
from knowledge.importers.command import import_paths
from knowledge.importers.common import today
from knowledge.profile import load_profile
from knowledge.store import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
QUIET_DAY = "2026-08-01"  # no curated dated fact ends within 60 days or ended in the last 180


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    return KnowledgeBase.open(f"sqlite:///{tmp_path / 'kb.db'}")


def test_changed_and_vanished_official_records_are_listed(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    folder = write_all(tmp_path / "data")
    import_paths(kb, [folder])
    assert changed_sources(kb) == []
    renamed = dict(CATALOGUE_SEMICONDUCTOR, name="Thủ tục Hỗ trợ doanh nghiệp bán dẫn")
    write_catalogue(folder / "portal-api" / "catalog.jsonl", [renamed, CATALOGUE_RESIDENCE])
    (folder / "national-crawl" / "bo-tu-phap" / "1.013837.json").unlink()
    found = {(c.code, c.kind, c.reason) for c in changed_sources(kb)}
    assert found == {
        ("3.000616", "portal_api_catalog", "content changed"),
        ("1.009141", "portal_api_catalog", "no longer in the file"),
        ("1.013837", "national_crawl", "file missing"),
    }


def test_records_checked_too_long_ago_are_listed(kb: KnowledgeBase, tmp_path: Path) -> None:
    import_paths(kb, [write_catalogue(tmp_path / "c.jsonl", [CATALOGUE_HOUSE_NUMBER])])
    assert stale(kb, 180, today()) == []
    later = stale(kb, 180, today() + dt.timedelta(days=181))
    assert {r.origin for r in later} == {"curated", "imported", "snapshot"}
    house = next(r for r in later if r.code == "1.009141")
    assert house.checked == today() and house.name.startswith("Cấp mới/cấp lại")


def test_curated_procedure_whose_official_record_changed_after_its_check(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    curated = tmp_path / "curated"
    curated.mkdir()
    text = (CURATED_DIR / "1.004222.yml").read_text(encoding="utf-8")
    (curated / "1.004222.yml").write_text(  # the same file, as if checked in January
        text.replace('checked: "2026-11-23"', 'checked: "2026-01-05"'), encoding="utf-8"
    )
    kb.load_curated(curated)
    catalogue = tmp_path / "catalog.jsonl"
    import_paths(kb, [write_catalogue(catalogue, [CATALOGUE_RESIDENCE])])
    assert curated_behind(kb) == []
    write_catalogue(catalogue, [dict(CATALOGUE_RESIDENCE, state="ACTIVE")])
    assert import_paths(kb, [catalogue]).outcomes["kept curated"] == 1
    [behind] = curated_behind(kb)
    assert behind.code == "1.004222" and behind.checked == dt.date(2026, 1, 5)
    assert kb.procedure("1.004222").origin == "curated"


def test_command_exits_1_when_something_needs_attention(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'k.db'}"
    folder = write_all(tmp_path / "data")
    import_paths(KnowledgeBase.open(database), [folder])
    command = [sys.executable, "-m", "knowledge.freshness", "--db", database, "--today", QUIET_DAY]
    fresh = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "Official records changed since the last import: 0" in fresh.stdout
    write_catalogue(folder / "portal-api" / "catalog.jsonl", [CATALOGUE_SEMICONDUCTOR])
    changed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert changed.returncode == 1
    assert "Official records changed since the last import: 2" in changed.stdout
    assert "1.009141  portal_api_catalog" in changed.stdout


def test_dated_facts_are_listed_before_they_end_and_for_a_while_after(kb: KnowledgeBase) -> None:
    profile = load_profile("da-nang")

    def listed(on: dt.date) -> set:
        return {(fact.where, fact.valid_until) for fact in ending(kb, profile, on)}

    end_of_reductions = dt.date(2026, 12, 31)
    before = listed(dt.date(2026, 11, 15))
    assert ("1.014063", end_of_reductions) in before
    assert ("2.001583", end_of_reductions) in before
    assert listed(dt.date(2026, 8, 1)) == set()  # more than 60 days ahead
    assert ("1.014064", end_of_reductions) in listed(dt.date(2027, 2, 1))  # ended, not cleaned up
    assert ("3.000333", dt.date(2025, 12, 31)) in listed(dt.date(2026, 3, 1))
    assert listed(dt.date(2027, 8, 1)) == set()


def test_the_command_says_how_long_until_a_rate_ends(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'k.db'}"
    KnowledgeBase.open(database)
    command = [sys.executable, "-m", "knowledge.freshness", "--db", database]
    soon = subprocess.run(
        command + ["--today", "2026-12-01"], cwd=ROOT, capture_output=True, text=True
    )
    assert soon.returncode == 1
    assert "2026-12-31  1.014063" in soon.stdout and "(ends in 30 days)" in soon.stdout
