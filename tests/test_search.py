"""Procedure search: accented, unaccented, abbreviated and misspelt queries find the same record."""

from __future__ import annotations

import pytest
import yaml

from knowledge.query import (
    VOCABULARY_FILE,
    only_names_a_variant,
    procedure_query,
    variant_markers,
    without_mentions,
)
from knowledge.search import IndexEntry, ProcedureIndex, clauses
from knowledge.store import KnowledgeBase, citizen_prior
from knowledge.text.normalize import ABBREVIATIONS_FILE


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.open("sqlite://")


SAME_PROCEDURE = {
    "1.001193": [
        "đăng ký khai sinh",
        "dang ky khai sinh",
        "đăng kí khai sinh",
        "làm giấy khai sinh cho con",
        "lam giay khai sinh",
        "dang ky khai sihn",
    ],
    "1.000656": ["đăng ký khai tử", "dang ky khai tu", "làm giấy chứng tử"],
    "1.000894": ["đăng ký kết hôn", "dang ky ket hon", "đăng kí kết hôn", "dk ket hon"],
    "1.004873": [
        "xác nhận tình trạng hôn nhân",
        "xac nhan tinh trang hon nhan",
        "giấy xác nhận độc thân",
    ],
    "2.000815": ["chứng thực bản sao", "chung thuc ban sao", "công chứng bản sao giấy tờ"],
}


@pytest.mark.parametrize(
    ("code", "query"), [(code, q) for code, queries in SAME_PROCEDURE.items() for q in queries]
)
def test_query_variants_rank_the_procedure_first(kb: KnowledgeBase, code: str, query: str) -> None:
    hits = kb.search(query)
    assert hits and hits[0].code == code, [(h.code, h.short_name, h.score) for h in hits]


def test_procedure_code_is_found_exactly(kb: KnowledgeBase) -> None:
    assert kb.search("thủ tục 1.001193")[0].code == "1.001193"


def test_scores_are_ranked_and_bounded(kb: KnowledgeBase) -> None:
    hits = kb.search("khai sinh", limit=5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(0 < h.score <= 1 for h in hits)


def test_nonsense_finds_nothing_confident(kb: KnowledgeBase) -> None:
    hits = kb.search("xyzzy plugh")
    assert not hits or hits[0].score < 0.3


@pytest.mark.parametrize(
    ("message", "query"),
    [
        ("cho em hỏi đăng ký khai sinh cần giấy tờ gì ạ", "đăng ký khai sinh"),
        ("cần giấy tờ gì ạ", ""),
        ("nop online dc ko", ""),
        ("mất bao lâu vậy ad", ""),
        ("lam cccd o dau", "làm căn cước công dân"),
        # back to a topic: its "lai" is no "Cấp lại"
        ("quay lai dang ky xe", "dang ky xe"),
    ],
)
def test_question_words_are_removed_before_search(message: str, query: str) -> None:
    assert procedure_query(message) == query


def test_empty_index_and_empty_query() -> None:
    empty = ProcedureIndex([])
    assert empty.search("khai sinh") == []
    index = ProcedureIndex([IndexEntry("1.000001", "Thủ tục A", "A", aliases=("làm a",))])
    assert index.search("") == []


@pytest.mark.parametrize(
    "text, markers",
    [
        ("bố tôi mất năm 2020, giờ làm giấy chứng tử", []),
        ("khi bo mat co dc ho tro mai tang khong", []),
        ("chồng của bà đã mất, bà ở cùng cháu", []),
        ("mẹ mất thẻ căn cước", ["mat"]),
        ("tôi bị mất hộ chiếu", ["bi mat", "mat"]),
        ("xe đã qua mấy đời chủ", []),  # "đời" typed with diacritics is not "đổi"
        ("doi bang lai", ["doi"]),
        ("mat bao lau", []),  # what a procedure takes, not a loss
        ("có mất phí không", []),
        ("mất ví rồi, làm lại mất mấy ngày", ["mat"]),
        # a colloquial name's words are read through its official words only
        ("muốn chuyển đổi mục đích sử dụng đất ruộng", []),
        ("cắt khẩu cho bố", ["xoa"]),
        ("đổi bằng lái xe", ["doi"]),
    ],
)
def test_variant_words_are_read_accent_aware_and_a_death_is_not_a_loss(
    text: str, markers: list
) -> None:
    assert variant_markers(text) == markers


@pytest.mark.parametrize(
    "text, only_a_variant",
    [
        ("bị mất", True),
        ("cấp mới", True),
        ("làm lại", True),
        ("hết hạn rồi", True),
        # particles name no variant; "thi" may also be the exam of "lệ phí thi bao nhiêu"
        ("thi bn", False),
        ("thì sao", False),
        ("Trình báo mất hộ chiếu phổ thông", False),
    ],
)
def test_a_message_names_only_a_variant_when_it_has_a_variant_word_and_nothing_else(
    text: str, only_a_variant: bool
) -> None:
    assert only_names_a_variant(text) is only_a_variant


def test_a_document_name_is_a_weaker_hint_than_a_name() -> None:
    index = ProcedureIndex(
        [
            IndexEntry("1.000001", "Cấp Giấy chứng sinh", "Cấp Giấy chứng sinh"),
            IndexEntry(
                "1.000002",
                "Đăng ký khai sinh",
                "Đăng ký khai sinh",
                documents=("Tờ khai đăng ký khai sinh", "Giấy chứng sinh"),
            ),
            IndexEntry("1.000003", "Đăng ký kết hôn", "Đăng ký kết hôn"),
        ]
    )
    found = [hit.code for hit in index.search("giấy chứng sinh")]
    assert found[:2] == ["1.000001", "1.000002"]  # named first, then the one that asks for it
    assert "1.000003" not in found


def test_what_a_long_name_excludes_is_not_one_of_its_clauses() -> None:
    name = (
        "Hỗ trợ chi phí mai táng cho người cao tuổi từ đủ 75 tuổi đến 80 tuổi mà không có lương"
        " hưu, trợ cấp bảo hiểm xã hội hàng tháng, trợ cấp xã hội hàng tháng; Người mắc bệnh"
        " ung thư mà không có lương hưu, tiền lương"
    )
    found = clauses(name)
    assert "hỗ trợ chi phí mai táng cho người cao tuổi từ đủ 75 tuổi đến 80 tuổi" in found
    assert "người mắc bệnh ung thư" in found
    assert not any("trợ cấp" in clause for clause in found)
    land = clauses("Giao đất, cho thuê đất, chuyển mục đích sử dụng đất đối với hộ gia đình")
    assert "chuyển mục đích sử dụng đất" in land


def test_a_name_that_excludes_a_benefit_does_not_rank_for_it() -> None:
    index = ProcedureIndex(
        [
            IndexEntry(
                "1.000001",
                "Hỗ trợ chi phí mai táng cho người cao tuổi mà không có lương hưu, trợ cấp xã"
                " hội hàng tháng",
                "Hỗ trợ chi phí mai táng cho người cao tuổi",
            ),
            IndexEntry(
                "1.000002",
                "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng, hỗ trợ kinh phí"
                " chăm sóc, nuôi dưỡng hàng tháng",
                "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng",
            ),
        ]
    )
    found = index.search("trợ cấp xã hội hàng tháng")
    assert [hit.code for hit in found][:1] == ["1.000002"]


def test_a_procedure_only_organisations_file_ranks_below_its_citizens_twin(
    kb: KnowledgeBase,
) -> None:
    assert citizen_prior("snapshot", ["Doanh nghiệp", "Hợp tác xã"]) < 1.0
    assert citizen_prior("snapshot", ["Công dân Việt Nam", "Doanh nghiệp"]) == 1.0
    assert citizen_prior("curated", []) == 1.0
    # ...and so does one of a field people rarely file in, curated ones excepted
    assert citizen_prior("snapshot", ["Công dân Việt Nam"], "Hàng hải và đường thủy nội địa") < 1
    assert citizen_prior("snapshot", ["Công dân Việt Nam"], "Đăng ký, quản lý cư trú") == 1.0
    assert citizen_prior("curated", [], "Hải quan") == 1.0
    # the commune-level land procedure households file, before the provincial one for companies
    found = [hit.code for hit in kb.search("chuyển mục đích sử dụng đất nông nghiệp", limit=10)]
    assert found.index("1.013949") < found.index("1.013823")


@pytest.mark.parametrize(
    "text, left",
    [
        ("lam o xa nao cung dc hay phai ve noi dk khai sinh", "làm o xa nao cung được hay phai ve"),
        ("làm ở xã nơi bà mất hay nơi thường trú", "làm ở xã hay"),
        ("cần hộ chiếu bản gốc không", "không"),
        ("giấy phép bán lẻ rượu cần gì", "giấy phép bán lẻ rượu cần gì"),
    ],
)
def test_places_and_documents_a_follow_up_mentions_are_left_out(text: str, left: str) -> None:
    assert without_mentions(text) == left


@pytest.mark.parametrize("path", [VOCABULARY_FILE, ABBREVIATIONS_FILE])
def test_the_vocabulary_files_list_each_entry_once(path) -> None:  # noqa: ANN001
    """YAML keeps the last of two equal keys silently: a repeated entry hides the first."""
    repeated = []
    for node in yaml.compose(path.read_text(encoding="utf-8")).value:
        if isinstance(node[1], yaml.MappingNode):
            keys = [key.value for key, _ in node[1].value]
            repeated += sorted({k for k in keys if keys.count(k) > 1})
    assert repeated == []
