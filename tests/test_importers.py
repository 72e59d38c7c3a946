"""Importers of the official formats, on small files the tests write, into a real SQLite file."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from official_samples import (
    CATALOGUE_BAD_CODE,
    CATALOGUE_HOUSE_NUMBER,
    CATALOGUE_RESIDENCE,
    CATALOGUE_SEMICONDUCTOR,
    CRAWL_NOTARY_OFFICE,
    DETAIL_HOUSE_NUMBER,
    XLSX_BIRTH,
    XLSX_BORDER_MARRIAGE,
    portal_record_url,
    write_all,
    write_catalogue,
    write_crawl,
    write_detail,
    write_list,
)
from sqlalchemy import select, text
from test_actions import run, slot, text_of

from actions import context
from actions.procedure_answers import ActionAnswerProcedure
from knowledge import render
from knowledge.importers.command import import_paths
from knowledge.importers.common import DETAILS_ON_PORTAL, PORTAL_HOME, short_name, today
from knowledge.importers.national_crawl import parse_legal_basis
from knowledge.importers.portal_api import online_level
from knowledge.models import SourceRecord
from knowledge.profile import load_profile
from knowledge.store import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    return KnowledgeBase.open(f"sqlite:///{tmp_path / 'kb.db'}")


def sources(kb: KnowledgeBase, code: str) -> list:
    with kb.session() as session:
        return session.scalars(
            select(SourceRecord).where(SourceRecord.procedure_code == code)
        ).all()


def test_portal_record_keeps_documents_channels_legal_basis_and_source(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    path = write_detail(tmp_path / "details", DETAIL_HOUSE_NUMBER)
    summary = import_paths(kb, [path])
    assert summary.outcomes["imported"] == 1 and not summary.problems
    house = kb.procedure("1.009141")
    assert house.name == "Cấp mới/cấp lại Giấy chứng nhận số nhà"
    assert house.origin == "imported" and house.checked == today()
    assert house.levels == ["Cấp xã"] and house.agency == "Ủy ban nhân dân cấp xã"
    assert house.online_level == "mot_phan"
    assert [(c.method, c.time_value, c.time_unit) for c in house.channels] == [
        ("direct", 3, "working_day"),
        ("online", 3, "working_day"),
        ("postal", 3, "working_day"),
    ]
    [case] = house.cases
    assert case.name == "Trường hợp chung"
    assert [(d.name, d.originals) for d in case.documents] == [
        ("Đơn đề nghị cấp giấy chứng nhận số nhà", 1)
    ]
    assert house.legal_basis[0].startswith("Quy định đánh số và gắn biển số nhà")
    assert house.results == ["Giấy chứng nhận biển số nhà."]
    assert house.source_url == portal_record_url("019dbd74-6433-769b-880a-b3bbe66d7694")
    assert "/details/1.009141.json (imported " in house.source_dataset
    [source] = sources(kb, "1.009141")
    assert source.kind == "portal_api_detail" and source.applied
    assert source.path == str(path.resolve()) and len(source.content_hash) == 64
    assert "Chưa ghi" not in render.times(house) and "3 ngày làm việc" in render.times(house)


def test_online_level_follows_is_full_process_and_the_channels() -> None:
    online = [{"submissionMethod": "ONLINE"}, {"submissionMethod": "DIRECT"}]
    assert online_level(True, online)[0] == "toan_trinh"
    assert online_level(False, online)[0] == "mot_phan"
    assert online_level(False, online[1:])[0] == "khong"


def test_catalogue_line_is_a_procedure_whose_details_are_on_the_portal(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    import_paths(kb, [write_catalogue(tmp_path / "catalog.jsonl", [CATALOGUE_SEMICONDUCTOR])])
    chip = kb.procedure("3.000616")
    assert chip.online_level == "chua_ro" and chip.missing == [DETAILS_ON_PORTAL]
    assert chip.field == "Công nghiệp công nghệ số, công nghệ thông tin, điện tử"
    assert chip.agency == "Sở Khoa học và Công nghệ"
    assert kb.search("ho tro doanh nghiep chuoi cung ung ban dan")[0].code == "3.000616"
    answer = render.overview(chip)
    assert "Hiện tôi mới có tên và mã của thủ tục này" in answer
    assert portal_record_url(CATALOGUE_SEMICONDUCTOR["id"]) in answer


def test_broken_lines_are_reported_with_file_and_line_and_the_rest_is_loaded(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    no_id = {k: v for k, v in CATALOGUE_HOUSE_NUMBER.items() if k != "id"}
    path = write_catalogue(
        tmp_path / "catalog.jsonl",
        [CATALOGUE_SEMICONDUCTOR, '{"id": "019f', CATALOGUE_BAD_CODE, "", no_id],
    )
    summary = import_paths(kb, [path])
    assert summary.read == 4 and summary.outcomes["imported"] == 1
    problems = [str(p) for p in summary.problems]
    assert problems[0].startswith("catalog.jsonl, line 2: not valid JSON (")
    assert problems[1:] == [
        "catalog.jsonl, line 3: bad procedure code '1.0133611'",
        "catalog.jsonl, line 5: bad record id None",
    ]
    assert kb.procedure("3.000616") is not None
    broken = tmp_path / "details" / "1.009141.json"
    broken.parent.mkdir()
    broken.write_text('{"code": "OK", "data": {', encoding="utf-8")
    summary = import_paths(kb, [broken, tmp_path / "missing.json"])
    assert [str(p) for p in summary.problems] == [
        "1.009141.json, line 1: not valid JSON (Expecting property name enclosed in double "
        "quotes)",
        "missing.json: no such file",
    ]
    assert kb.procedure("3.000616") is not None, "a broken file must not lose what is loaded"


def test_a_record_the_database_refuses_is_skipped_and_the_others_kept(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    with kb.engine.begin() as connection:  # a real database error for one record
        connection.execute(
            text(
                "CREATE TRIGGER refuse BEFORE INSERT ON procedure WHEN NEW.code = '1.009141' "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )
        )
    path = write_catalogue(
        tmp_path / "catalog.jsonl",
        [CATALOGUE_SEMICONDUCTOR, CATALOGUE_HOUSE_NUMBER, CATALOGUE_RESIDENCE],
    )
    summary = import_paths(kb, [path])
    assert [str(p) for p in summary.problems] == [
        "catalog.jsonl, line 2: not saved (IntegrityError: refused by the test)"
    ]
    assert kb.procedure("3.000616") is not None
    refused = kb.procedure("1.009141")  # the city's own procedure stays as the snapshot has it
    assert refused is not None and refused.origin == "snapshot"
    assert sources(kb, "1.009141") == [], "the refused record's bookkeeping is rolled back"
    assert summary.outcomes["kept curated"] == 1


def test_reimport_is_idempotent_and_a_changed_record_is_updated(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    folder = write_all(tmp_path / "data")
    first = import_paths(kb, [folder])
    # the details of 1.009141 replace its catalogue line: five imports of four procedures
    assert first.outcomes["imported"] == 5 and not first.problems
    loaded_at = kb.procedure("1.013837").loaded_at
    second = import_paths(kb, [folder])
    assert second.outcomes["imported"] == 0
    assert second.outcomes["unchanged"] == first.read - first.outcomes["kept curated"]
    assert kb.procedure("1.013837").loaded_at == loaded_at
    renamed = dict(CATALOGUE_SEMICONDUCTOR, name="Thủ tục Hỗ trợ doanh nghiệp bán dẫn")
    write_catalogue(
        folder / "portal-api" / "catalog.jsonl",
        [renamed, CATALOGUE_HOUSE_NUMBER, CATALOGUE_RESIDENCE],
    )
    third = import_paths(kb, [folder])
    assert third.outcomes["imported"] == 1
    assert kb.procedure("3.000616").name == "Thủ tục Hỗ trợ doanh nghiệp bán dẫn"
    [source] = sources(kb, "3.000616")
    assert source.changed_at is not None and source.applied


def test_curated_facts_win_over_imported_ones(kb: KnowledgeBase, tmp_path: Path) -> None:
    summary = import_paths(kb, [write_catalogue(tmp_path / "c.jsonl", [CATALOGUE_RESIDENCE])])
    assert summary.outcomes["kept curated"] == 1 and summary.outcomes["imported"] == 0
    residence = kb.procedure("1.004222")
    assert residence.origin == "curated" and residence.channels[0].fee_amount == 10000
    [source] = sources(kb, "1.004222")
    assert source.kind == "portal_api_catalog" and not source.applied
    assert "  kept curated: 1" in summary.lines()


def test_loading_the_curated_files_keeps_imported_procedures(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    import_paths(kb, [write_catalogue(tmp_path / "c.jsonl", [CATALOGUE_SEMICONDUCTOR])])
    kb.load_curated()
    assert kb.procedure("3.000616").origin == "imported"
    assert kb.search("chuỗi cung ứng bán dẫn")[0].code == "3.000616"


def test_a_fuller_record_is_not_replaced_by_a_thinner_one(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    catalogue = write_catalogue(tmp_path / "catalog.jsonl", [CATALOGUE_HOUSE_NUMBER])
    details = write_detail(tmp_path / "details", DETAIL_HOUSE_NUMBER)
    assert import_paths(kb, [catalogue]).outcomes["imported"] == 1
    assert import_paths(kb, [details]).outcomes["imported"] == 1
    again = write_catalogue(tmp_path / "other.jsonl", [CATALOGUE_HOUSE_NUMBER])
    summary = import_paths(kb, [again])
    assert summary.outcomes["kept fuller record"] == 1
    assert len(kb.procedure("1.009141").channels) == 3
    applied = {s.kind: s.applied for s in sources(kb, "1.009141")}
    assert applied == {"portal_api_catalog": False, "portal_api_detail": True}


def test_official_xlsx_list(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = write_list(
        tmp_path / "danh-sach.xlsx",
        [XLSX_BORDER_MARRIAGE, XLSX_BIRTH, ("1.000894", "", "Bộ Tư pháp", "", "Hộ tịch")],
    )
    summary = import_paths(kb, [path])
    assert summary.outcomes["imported"] == 1 and summary.outcomes["kept curated"] == 1
    [problem] = summary.problems
    assert str(problem) == "danh-sach.xlsx, row 5: no name for code '1.000894'"
    marriage = kb.procedure("1.000094")
    assert marriage.agency == "Ủy ban nhân dân cấp xã" and marriage.field == "Hộ tịch"
    assert marriage.source_url == PORTAL_HOME
    assert "tra cứu theo mã 1.000094" in render.documents(marriage)
    garbage = tmp_path / "broken.xlsx"
    garbage.write_bytes(b"not a workbook")
    [problem] = import_paths(kb, [garbage]).problems
    assert str(problem).startswith("broken.xlsx: not a readable XLSX workbook")


def test_national_crawl_tables_are_split_into_channels_documents_and_laws(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    import_paths(kb, [write_crawl(tmp_path / "bo-tu-phap", CRAWL_NOTARY_OFFICE)])
    notary = kb.procedure("1.013837")
    assert notary.online_level == "chua_ro" and notary.levels == ["Cấp tỉnh"]
    assert [(c.method, c.time_value, c.fee_amount, c.fee_text) for c in notary.channels] == [
        ("online", 5, 500000, "500.000 đồng/hồ sơ"),
        ("postal", 5, 500000, "500.000 đồng/hồ sơ"),
        ("direct", 5, 500000, "500.000 đồng/hồ sơ"),
    ]
    assert [d.name for d in notary.cases[0].documents] == [
        "Bản chính giấy đăng ký hoạt động của Văn phòng công chứng trong trường hợp giấy đăng "
        "ký hoạt động bị hỏng",
        "Đơn đề nghị cấp lại giấy đăng ký hoạt động của Văn phòng công chứng",
    ]
    assert notary.legal_basis == [
        "Nghị định số 104/2025/NĐ-CP ngày 15/5/2025 của Chính phủ quy định chi tiết một số điều "
        "và biện pháp thi hành Luật Công chứng",
        "Luật Công chứng năm 2024 (46/2024/QH15)",
    ]
    assert notary.results == ["Giấy đăng ký hoạt động của Văn phòng công chứng"]
    assert notary.agency is None
    # national-crawl/bo-tai-chinh/1.007664.json: a number glued to its own repeat
    assert parse_legal_basis(
        "Tên văn bản pháp lýMã văn bảnLuật 54/2014/QH1354/2014/QH13Thuế xuất khẩu, thuế nhập "
        "khẩu107/2016/QH13"
    ) == ["Luật 54/2014/QH13", "Thuế xuất khẩu, thuế nhập khẩu (107/2016/QH13)"]


def test_other_provinces_own_procedures_can_be_left_out(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = write_catalogue(
        tmp_path / "catalog.jsonl", [CATALOGUE_SEMICONDUCTOR, CATALOGUE_HOUSE_NUMBER]
    )
    own = frozenset(load_profile("da-nang").own_procedures)
    summary = import_paths(kb, [path], own_procedures=own)
    assert summary.outcomes["imported"] == 1
    assert summary.outcomes["other province's own procedure"] == 1
    assert kb.procedure("1.009141") is not None and kb.procedure("3.000616") is None


def test_command_imports_a_folder_and_prints_the_summary(tmp_path: Path) -> None:
    folder = write_all(tmp_path / "data")
    (folder / "portal-api" / "manifest.json").write_text(json.dumps({"catalogTotal": 3}))
    database = f"sqlite:///{tmp_path / 'k.db'}"
    command = [sys.executable, "-m", "knowledge.importers", "--db", database]
    done = subprocess.run(
        [*command, str(folder)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "Read 8 records from 5 files." in done.stdout
    assert "  imported: 5" in done.stdout and "  kept curated: 2" in done.stdout
    assert "manifest.json: not a procedure record in a known format" in done.stdout
    assert "100%" in done.stderr, "progress bars go to stderr"
    again = subprocess.run(
        [*command, "--no-progress", str(folder)], cwd=ROOT, capture_output=True, text=True
    )
    assert "  imported: 0" in again.stdout and "  unchanged: 5" in again.stdout
    assert again.stderr == ""


def test_check_dates_are_kept_per_record(kb: KnowledgeBase, tmp_path: Path) -> None:
    import_paths(kb, [write_all(tmp_path / "data")])
    imported = kb.procedure("1.000094")
    assert imported.checked == today()
    assert imported.loaded_at.date() in (dt.date.today(), today())
    assert "lists/danh-sach-tthc-BoTuPhap.xlsx row 3 (imported" in imported.source_dataset


async def test_the_bot_answers_a_catalogue_only_procedure_with_the_portal_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KNOWLEDGE_DB_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    context.knowledge.cache_clear()
    try:
        catalogue = write_catalogue(tmp_path / "catalog.jsonl", [CATALOGUE_SEMICONDUCTOR])
        import_paths(context.knowledge(), [catalogue])
        messages, events = await run(
            ActionAnswerProcedure(),
            "hỗ trợ doanh nghiệp tham gia chuỗi cung ứng bán dẫn cần giấy tờ gì",
            "ask_documents",
        )
    finally:
        context.knowledge.cache_clear()
    assert slot(events, "procedure_code") == "3.000616"
    answer = text_of(messages)
    assert "- Cơ quan thực hiện: Sở Khoa học và Công nghệ" in answer
    assert "Hiện tôi mới có tên và mã của thủ tục này" in answer
    link = portal_record_url(CATALOGUE_SEMICONDUCTOR["id"])
    assert f"phí và lệ phí có trên [Cổng Dịch vụ công quốc gia]({link})." in answer


@pytest.mark.parametrize(
    "official, title",
    [
        ("HƯỞNG TRỢ CẤP ỐM ĐAU", "Hưởng trợ cấp ốm đau"),
        ("CẤP THẺ BHYT CHO CÔNG DÂN VIỆT NAM", "Cấp thẻ BHYT cho công dân Việt Nam"),
        ("Thủ tục đăng ký khai sinh.", "Đăng ký khai sinh"),
        ("Cấp bản sao Trích lục hộ tịch", "Cấp bản sao Trích lục hộ tịch"),
    ],
)
def test_a_name_written_in_capitals_is_titled_in_sentence_case(official: str, title: str) -> None:
    assert short_name(official) == title
