"""The catalogue snapshot: built from the official files for the default province only, shipped,
loaded at start under the curated files, and answered as well as its records allow."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Dict, List

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from actions.procedure_answers import ActionAnswerProcedure
from knowledge.catalogue import configured_snapshot, read_snapshot, write_snapshot
from knowledge.importers import snapshot
from knowledge.profile import load_profile
from knowledge.query import asks_about
from knowledge.store import KnowledgeBase
from tests.trackers import make_tracker

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
PORTAL = DATA / "dichvucong" / "portal-api"
CRAWL = DATA / "dichvucong" / "national-crawl"
CRAWLED = ["national-crawl=2026-07", "lists=2026-07"]
DA_NANG = "UBND Thành phố Đà Nẵng"
ROVING_BIRTH = "1.003583"  # Đăng ký khai sinh lưu động: in the snapshot only, full details
BIRTH = "1.001193"  # Đăng ký khai sinh: curated, and in the snapshot too
# The tests that read the official download skip without it, as test_knowledge's do.
needs_official_data = pytest.mark.skipif(
    not PORTAL.is_dir(), reason="../shared/data is not beside the project"
)


def catalogue_types() -> Dict[str, dict]:
    with (PORTAL / "catalog.jsonl").open(encoding="utf-8") as lines:
        return {row["code"]: row for row in map(json.loads, lines)}


def details_of(issuer: str, count: int) -> List[Path]:
    """A few portal detail files of SPECIFIC procedures issued by ``issuer``."""
    found = []
    for path in sorted((PORTAL / "details").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
        if data.get("type") == "SPECIFIC" and data.get("departmentPromulgateName") == issuer:
            found.append(path)
        if len(found) == count:
            break
    return found


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real download cut small: the whole catalogue line file, detail records of Đà Nẵng's and
    other provinces' own procedures and of national ones, and crawled records, one of them a
    page filed under the wrong code (3.000272)."""
    root = tmp_path_factory.mktemp("official") / "dichvucong"
    portal = root / "portal-api"
    (portal / "details").mkdir(parents=True)
    for name in ("catalog.jsonl", "manifest.json", "provinces.json"):
        shutil.copy(PORTAL / name, portal / name)
    chosen = details_of(DA_NANG, 2) + details_of("UBND Thành phố Hải Phòng", 3)
    chosen += [PORTAL / "details" / f"{code}.json" for code in ("1.004222", ROVING_BIRTH)]
    for path in chosen:
        shutil.copy(path, portal / "details" / path.name)
    (root / "national-crawl" / "bo-cong-an").mkdir(parents=True)
    for code in ("3.000272", "1.001010", "1.001456"):
        shutil.copy(CRAWL / "bo-cong-an" / f"{code}.json", root / "national-crawl" / "bo-cong-an")
    return root


def build(data: Path, out: Path) -> List[dict]:
    records, _ = snapshot.build(data, load_profile(), snapshot.crawl_dates(data, CRAWLED))
    write_snapshot(records, out)
    return records


@needs_official_data
def test_the_build_is_deterministic_and_keeps_only_this_provinces_own_procedures(
    sample: Path, tmp_path: Path
) -> None:
    records = build(sample, tmp_path / "first.jsonl.gz")
    build(sample, tmp_path / "second.jsonl.gz")
    assert (tmp_path / "first.jsonl.gz").read_bytes() == (tmp_path / "second.jsonl.gz").read_bytes()
    assert [r["code"] for r in records] == sorted(r["code"] for r in records)
    types = catalogue_types()
    for record in records:
        row = types.get(record["code"])
        if row and row["type"] == "SPECIFIC":
            assert row["departmentPromulgate"] == DA_NANG and record["issuer"] == DA_NANG
        assert not row or row["type"] != "STANDARD_INTERNAL"
    kept = {r["code"]: r for r in records}
    for path in details_of("UBND Thành phố Hải Phòng", 3):
        assert path.stem not in kept
    for path in details_of(DA_NANG, 2):
        assert kept[path.stem]["source"]["kind"] == "portal_api_detail"


@needs_official_data
def test_each_record_keeps_its_official_link_crawl_date_and_facts(
    sample: Path, tmp_path: Path
) -> None:
    kept = {r["code"]: r for r in build(sample, tmp_path / "snapshot.jsonl.gz")}
    roving = kept[ROVING_BIRTH]
    assert roving["source"]["url"].startswith("https://dichvucong.gov.vn/thu-tuc-hanh-chinh/")
    assert roving["source"]["checked"] == "2026-07-18"  # portal-api/manifest.json startedAt
    assert roving["subjects"] == ["Công dân Việt Nam"] and roving["levels"] == ["Cấp xã"]
    assert roving["channels"][0]["time_value"] == 5 and roving["cases"][0]["documents"]
    crawled = kept["1.001010"]  # thẻ thường trú cho người nước ngoài, national crawl
    assert crawled["source"]["kind"] == "national_crawl"
    assert crawled["source"]["dataset"].endswith("(crawled 2026-07)")
    assert crawled["subjects"] == ["Người nước ngoài"]
    assert crawled["online"]["level"] == "khong"  # no online channel listed: said as such
    # The crawl filed another procedure's page under 3.000272: the portal's line is used.
    unlock = kept["3.000272"]
    assert unlock["name"].startswith("Mở khóa căn cước điện tử")
    assert unlock["source"]["kind"] == "portal_api_catalog" and not unlock["cases"]


@needs_official_data
def test_the_shipped_snapshot_is_what_make_snapshot_builds(tmp_path: Path) -> None:
    shipped = configured_snapshot()
    assert shipped is not None and shipped.stat().st_size < 15_000_000
    build(DATA, tmp_path / "rebuilt.jsonl.gz")
    assert (tmp_path / "rebuilt.jsonl.gz").read_bytes() == shipped.read_bytes()


@needs_official_data
def test_the_shipped_snapshot_offers_no_other_provinces_own_procedure() -> None:
    types = catalogue_types()
    records = read_snapshot(configured_snapshot())
    codes = {r["code"] for r in records}
    own = {
        c
        for c, row in types.items()
        if row["type"] == "SPECIFIC" and row["departmentPromulgate"] == DA_NANG
    }
    assert own <= codes
    others = {c for c, row in types.items() if row["type"] != "STANDARD" and c not in own}
    assert not codes & others
    with gzip.open(configured_snapshot(), "rt", encoding="utf-8") as lines:
        assert all(json.loads(line)["source"]["checked"] for line in lines)


def test_curated_records_win_and_a_second_start_loads_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    knowledge = KnowledgeBase.open(url)
    assert knowledge.procedure(BIRTH).origin == "curated"
    assert knowledge.procedure(ROVING_BIRTH).origin == "snapshot"
    assert len(knowledge.index) >= 4700
    reopened = KnowledgeBase.open(url)
    assert reopened.load_snapshot(configured_snapshot()) == 0
    assert reopened.procedure(BIRTH).origin == "curated"


def test_no_snapshot_when_the_environment_says_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KNOWLEDGE_SNAPSHOT", "none")
    knowledge = KnowledgeBase.open(f"sqlite:///{tmp_path / 'kb.db'}")
    assert knowledge.procedure(ROVING_BIRTH) is None and knowledge.procedure(BIRTH) is not None


async def answer(text: str, intent: str = "ask_overview") -> str:
    dispatcher = CollectingDispatcher()
    await ActionAnswerProcedure().run(dispatcher, make_tracker(text, intent), {})
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


async def test_a_snapshot_procedure_is_answered_with_its_official_facts() -> None:
    documents = await answer("đăng ký khai sinh lưu động cần giấy tờ gì", "ask_documents")
    assert "1. " in documents and "dữ liệu danh mục, chưa biên tập" in documents
    time = await answer("đăng ký khai sinh lưu động mất bao lâu", "ask_time")
    assert "5 ngày làm việc" in time
    who = await answer("ai được đăng ký khai sinh lưu động", "ask_eligibility")
    assert "Đối tượng thực hiện: Công dân Việt Nam" in who


def test_same_titled_procedures_are_told_apart_never_side_by_side() -> None:
    titles = [h.short_name for h in context.knowledge().search("rút tiền ký quỹ", limit=5)]
    assert len(titles) == len(set(titles))
    assert "Rút tiền ký quỹ (Quản lý bán hàng đa cấp)" in titles
    found = context.resolve("thủ tục rút tiền ký quỹ", None)
    shown = [h.short_name for h in found.candidates]
    assert len(shown) == len(set(shown)) >= 2


@pytest.mark.parametrize(
    "text, twins",
    [
        # one title written with "," and with ";", for the commune and for the province
        (
            "Tôi muốn chuyển mục đích sử dụng đất trồng cây lâu năm sang đất ở, cần thủ tục gì?",
            ("1.013949", "1.013823"),
        ),
        # the older record of the same benefit, under "Giải quyết"
        ("rút BHXH một lần được không", ("1.014173", "1.001613")),
    ],
)
def test_the_same_title_twice_is_one_option(text: str, twins: tuple) -> None:
    offered = {h.code for h in context.ranked(text)}
    assert len(offered & set(twins)) == 1


@pytest.mark.parametrize(
    "text", ["giấy phép bán lẻ rượu", "giay phep ban le ruou", "xin giấy phép bán lẻ rượu ở đâu"]
)
def test_a_procedure_not_in_the_catalogue_gets_no_confident_wrong_match(text: str) -> None:
    # The catalogue holds tax stamps for alcohol, not the retail licence (Bộ Công Thương).
    found = context.resolve(text, None)
    assert found.procedure is None
    hits = context.knowledge().search(context.search_query(text), limit=3)
    assert hits and all(h.coverage < context.MIN_COVERAGE for h in hits)


async def test_the_not_in_catalogue_probe_answers_not_found_with_the_closest_and_hotline() -> None:
    reply = await answer("giấy phép bán lẻ rượu")
    assert "chuyển khẩu" not in reply.lower()
    assert load_profile().hotline in reply
    assert "Giấy phép lập cơ sở bán lẻ" in reply
    assert "lái xe" not in reply  # the closest are about what was asked


def test_a_not_found_answer_offers_no_closest_that_is_about_something_else() -> None:
    assert context.suggestions(context.search_query("cấp phép bán rượu")) == []


def test_a_procedure_of_a_field_people_rarely_file_in_ranks_below_a_citizens_one() -> None:
    # the ship registry's "Xóa đăng ký" (maritime) does not rank between the residence ones
    titles = [
        h.short_name
        for h in context.ranked("khi xuất cảnh định cư có bị xóa đăng ký hộ khẩu không")
    ]
    assert titles.index("Xóa đăng ký thường trú") == 0
    assert "Xóa đăng ký" not in titles[:2]


@pytest.mark.parametrize(
    "text, first",
    [
        # a foreigner living in Viet Nam files in the country
        (
            "chồng tôi là người Hàn Quốc, sống ở Việt Nam 6 năm, muốn nhập quốc tịch Việt Nam",
            "Nhập quốc tịch Việt Nam ở trong nước",
        ),
        (
            "tôi đang sống ở Hàn Quốc, muốn xin thôi quốc tịch Việt Nam",
            "Thôi quốc tịch Việt Nam ở nước ngoài",
        ),
    ],
)
def test_where_the_citizen_lives_picks_the_twin_filed_there(text: str, first: str) -> None:
    assert context.ranked(text)[0].short_name == first


@pytest.mark.parametrize(
    "text, answered",
    [
        # the letter names the plain procedure, and a foreigner: the foreign-element one
        (
            "Chồng sắp cưới của tôi là người Hàn Quốc. Xin hỏi thủ tục đăng ký kết hôn như thế"
            " nào, làm ở đâu?",
            "Đăng ký kết hôn có yếu tố nước ngoài",
        ),
        ("thủ tục đăng ký kết hôn cần giấy tờ gì", "Đăng ký kết hôn"),
    ],
)
def test_a_foreigner_in_the_message_picks_the_foreign_element_variant(
    text: str, answered: str
) -> None:
    found = context.resolve(text, None)
    assert found.procedure is not None and found.procedure.short_name == answered


@pytest.mark.parametrize(
    "text, first",
    [
        # what the certificate is for is not what is asked
        (
            "Tôi có thể xin cấp giấy xác nhận độc thân để kết hôn với người nước ngoài như thế"
            " nào?",
            "Cấp Giấy xác nhận tình trạng hôn nhân",
        ),
        # after a "how", the purpose is what is asked
        (
            "Gia đình vẫn còn giấy chứng sinh của cháu, vậy ông bà nên làm như thế nào để có thể"
            " đăng ký khai sinh cho cháu bé?",
            "Đăng ký khai sinh",
        ),
    ],
)
def test_a_purpose_clause_names_what_comes_next_not_what_is_asked(text: str, first: str) -> None:
    assert context.ranked(text)[0].short_name == first


@pytest.mark.parametrize(
    "text, answered",
    [
        # a loss asks the reissue, though the first registration ranks first by its words
        ("sổ hồng bị mất làm lại sao ad", "Cấp lại Giấy chứng nhận do bị mất"),
        ("giấy tờ nhà đất bị mất", "Cấp lại Giấy chứng nhận do bị mất"),
        # the plain procedure among its variants
        ("xin giấy phép kinh doanh quán cà phê", "Đăng ký hộ kinh doanh"),
        # a lost job is unemployment, not a lost document
        ("bị mất việc thì hưởng trợ cấp gì", "Hưởng trợ cấp thất nghiệp"),
        # the exam after the licence it is for
        ("tiện hỏi bằng lái A1 thi ở đâu", "Cấp giấy phép lái xe (sau sát hạch)"),
        # certifying one's papers is certifying copies of them
        ("chung thuc giay to o dau", "Chứng thực bản sao từ bản chính"),
        # the object the question names ("bằng tốt nghiệp" is a "văn bằng")
        (
            "xin cấp bản sao bằng tốt nghiệp từ sổ gốc mất bao lâu",
            "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc",
        ),
    ],
)
def test_the_reading_clearly_meant_is_answered(text: str, answered: str) -> None:
    found = context.resolve(text, None)
    assert found.procedure is not None and found.procedure.short_name == answered


@pytest.mark.parametrize(
    "text",
    [
        "bị mất bằng cao đẳng thì thủ tục cấp bản sao từ sổ gốc như thế nào",
        "xin cấp bản sao bằng tốt nghiệp từ sổ gốc mất bao lâu",
    ],
)
def test_the_object_a_colloquial_name_says_picks_the_longer_title(text: str) -> None:
    # "bằng cao đẳng" is a "văn bằng": the diploma's copy, not the civil-status one
    assert context.ranked(text)[0].short_name == "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc"


def test_a_foreigner_in_the_message_is_no_object_of_a_longer_title() -> None:
    # a Vietnamese licence held by a Korean wife: not "… bằng lái xe của người nước ngoài"
    hits = context.ranked("vợ em người Hàn, có bằng lái ô tô VN, đổi ở đâu ạ")
    assert hits[0].short_name == "Đổi giấy phép lái xe"


def test_a_lost_death_certificate_is_not_the_birth_certificate_reissue() -> None:
    found = context.resolve("Tôi có thể xin cấp lại giấy chứng tử được không?", None)
    offered = [found.procedure.short_name] if found.procedure else []
    offered += [h.short_name for h in found.candidates]
    assert "Cấp lại Giấy chứng sinh" not in offered[:1]


@pytest.mark.parametrize(
    "text",
    [
        "Do dịch bệnh nên gia đình tôi đã mất đi một thành viên. Bây giờ cần làm thủ tục gì?",
        "Tôi làm việc cho một công ty TNHH, nay nghỉ việc thì được hưởng chế độ gì?",
    ],
)
def test_a_company_in_the_story_asks_to_found_none(text: str) -> None:
    offered = [h.short_name for h in context.ranked(text)]
    assert not [title for title in offered if "thành lập" in title.lower()]


@pytest.mark.parametrize(
    "text, first",
    [
        ("mo cong ty tnhh can gi", "Đăng ký thành lập công ty TNHH một thành viên"),
        ("thành lập hợp tác xã", "Đăng ký thành lập hợp tác xã, liên hiệp hợp tác xã"),
        ("thủ tục giải thể công ty", "Giải thể doanh nghiệp"),
    ],
)
def test_an_organisation_action_said_finds_its_procedure(text: str, first: str) -> None:
    assert context.ranked(text)[0].short_name.startswith(first)


@pytest.mark.parametrize(
    "text, answered",
    [
        (
            "Việc đăng ký kết hôn có yếu tố nước ngoài được quy định như thế nào?",
            "Đăng ký kết hôn có yếu tố nước ngoài",
        ),
        ("dang ky khai sinh co yeu to nuoc ngoai can gi", "Đăng ký khai sinh có yếu tố nước ngoài"),
    ],
)
def test_a_title_the_question_says_word_for_word_is_answered(text: str, answered: str) -> None:
    found = context.resolve(text, None)
    assert found.procedure is not None and found.procedure.short_name == answered
    assert found.alternatives  # its variants stay one tap away


def test_a_title_that_heads_a_family_is_still_asked_about() -> None:
    # many titles say "Cấp giấy phép xây dựng": which building, is asked
    found = context.resolve("cấp giấy phép xây dựng cần gì", None)
    assert found.procedure is None and len(found.candidates) > 1


def test_the_only_reading_of_a_new_procedure_replaces_the_focus() -> None:
    # after the birth registration, a passport named clearly needs no "Có phải …?"
    found = context.resolve("tôi muốn làm hộ chiếu", "1.001193")
    assert found.procedure is not None and "hộ chiếu" in found.procedure.short_name
    assert found.switched
    # a follow-up on the focus stays with it
    found = context.resolve("cần giấy khám sức khỏe không", "3.000346", [], True)
    assert found.procedure is not None and found.procedure.code == "3.000346"


def test_a_title_for_other_ages_is_ruled_out() -> None:
    found = context.resolve("làm cccd cho bé 10 tuổi mất bn tiền", None, [], True, ages=[10])
    assert found.procedure is not None
    assert found.procedure.short_name == "Cấp thẻ căn cước cho người dưới 14 tuổi"


def test_what_the_citizen_does_not_want_yet_is_not_searched() -> None:
    found = context.resolve(
        "Bạn trai tôi là người nước ngoài nhưng chúng tôi chưa muốn kết hôn. Phải khai sinh cho"
        " con thế nào khi cha cháu muốn nhận con?",
        None,
    )
    offered = [found.procedure] if found.procedure else found.candidates
    assert offered and offered[0].short_name.startswith("Đăng ký khai sinh")


@pytest.mark.parametrize(
    "text",
    [
        "mẹ tôi bị liệt nửa người, muốn xin trợ cấp người khuyết tật hàng tháng thì làm thủ tục gì",
        "xin tro cap tan tat cho bo thi lam sao",
    ],
)
def test_the_disability_allowance_is_the_monthly_social_allowance(text: str) -> None:
    # Decree 20/2021: people with a severe disability get the monthly social allowance
    found = context.resolve(text, None)
    assert found.procedure is not None and found.procedure.code == "1.001776"


@pytest.mark.parametrize(
    ("query", "title", "about"),
    [
        ("cấp lại hộ chiếu", "Cấp lại giấy phép lái xe", False),  # both only "cấp lại"
        ("cap lai ho chieu", "Cấp lại giấy phép lái xe", False),  # "lai" may be "lại"
        ("cap lai bang lai xe", "Cấp lại giấy phép lái xe", True),
        ("hộ chiếu hết hạn", "Gia hạn tạm trú", False),
        ("hộ chiếu", "Xóa đăng ký", True),  # says only what is done: may be about anything
    ],
)
def test_an_option_must_share_what_it_is_about_with_the_question(
    query: str, title: str, about: bool
) -> None:
    assert asks_about(query, title) is about


def test_options_that_share_only_what_is_done_are_not_offered() -> None:
    # "cấp lại" also names the driving licence and the ID card: the passport is what is asked
    found = context.resolve(
        "Hộ chiếu của tôi hết hạn đã lâu, xin cấp lại hộ chiếu thì thủ tục như thế nào?", None
    )
    offered = [found.procedure] if found.procedure else found.candidates
    assert offered and all("hộ chiếu" in p.short_name.lower() for p in offered)


def test_a_keyword_that_says_only_what_is_done_matches_nothing_alone() -> None:
    # curated keywords "làm lại" (the ID card) and "chấm dứt" (household business) are hints
    # shared by many procedures: a letter saying "phải làm lại" is about neither
    found = context.resolve(
        "Người ta nói hồ sơ trợ cấp chưa đạt phải làm lại, đến nay vẫn mòn mỏi chờ", None
    )
    assert found.procedure is None or found.procedure.code != "1.014064"
    found = context.resolve("làm lại căn cước bị mất ở đâu", None)
    assert found.procedure is not None and found.procedure.code == "1.014064"
